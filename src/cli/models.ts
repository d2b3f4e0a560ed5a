// `autointel models list | pull <name>`: ggml models for the local whisper.cpp engine, verified by SHA-256.
import path from 'node:path';
import { loadConfig, loadDotEnv, ConfigError } from '../config/config.js';
import { pullModel, WHISPER_MODELS, type PullProgress } from '../analysis/transcribe/models.js';

const USAGE = `Usage: autointel models list
       autointel models pull <name> [--dir DIR]

Downloads a whisper.cpp ggml model from AUTOINTEL_WHISPER_MODEL_BASE_URL into DIR (default <AUTOINTEL_DATA_DIR>/models),
resuming a partial download and refusing a file whose SHA-256 does not match.
`;

const MiB = 1024 * 1024;

/** A one-line bar redrawn in place on a terminal; occasional plain lines otherwise (logs, CI). */
function progressPrinter(out: NodeJS.WriteStream): (p: PullProgress) => void {
  let lastPct = -1;
  return ({ received, total }) => {
    const pct = Math.floor((received / total) * 100);
    if (pct === lastPct) return;
    lastPct = pct;
    const mib = `${(received / MiB).toFixed(1)}/${(total / MiB).toFixed(1)} MiB`;
    if (out.isTTY) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${mib}`);
      if (received === total) out.write('\n');
    } else if (pct % 10 === 0) {
      out.write(`${pct}% ${mib}\n`);
    }
  };
}

export async function run(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'list') {
    for (const [name, m] of Object.entries(WHISPER_MODELS)) {
      process.stdout.write(`${name.padEnd(22)} ${(m.bytes / MiB).toFixed(0).padStart(5)} MiB  ${m.file}\n`);
    }
    return 0;
  }
  if (sub !== 'pull') {
    process.stderr.write(`autointel models: unknown subcommand '${sub}'\n\n${USAGE}`);
    return 2;
  }
  const name = rest.find((a) => !a.startsWith('--'));
  const dirAt = rest.indexOf('--dir');
  if (name === undefined || (dirAt >= 0 && rest[dirAt + 1] === undefined)) {
    process.stderr.write(USAGE);
    return 2;
  }
  loadDotEnv();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e: unknown) {
    process.stderr.write(`autointel models: ${e instanceof ConfigError ? e.message : String(e)}\n`);
    return 2;
  }
  const destDir = dirAt >= 0 ? (rest[dirAt + 1] ?? '') : path.join(config.dataDir, 'models');
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    const r = await pullModel({
      name,
      baseUrl: config.whisperModelBaseUrl,
      destDir,
      signal: controller.signal,
      onProgress: progressPrinter(process.stderr),
    });
    if (!r.ok) {
      process.stderr.write(`\nautointel models: ${r.error.message} (${r.error.code})\n`);
      return r.error.code === 'models.unknown' ? 2 : 1;
    }
    const v = r.value;
    process.stderr.write(
      v.alreadyPresent
        ? `${v.path} is already present and verified.\n`
        : `Downloaded and verified ${v.path}${v.resumedFrom > 0 ? ` (resumed at ${v.resumedFrom} bytes)` : ''}.\n`,
    );
    process.stdout.write(`AUTOINTEL_WHISPER_MODEL=${path.resolve(v.path)}\n`);
    return 0;
  } catch (e: unknown) {
    process.stderr.write(
      `\nautointel models: ${e instanceof Error ? e.message : String(e)}; run again to resume\n`,
    );
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
