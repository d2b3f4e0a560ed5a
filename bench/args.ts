// Command-line numbers for the benches: `--name N`, a positive number, or the bench's default.
export function positiveArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`--${name} expects a positive number`);
  return v;
}
