// Starts the emulator as its own process and prints one JSON line with its addresses and credentials, so a test
// can spawn it and drive it over HTTP. Options come from flags or env (PORT, EMULATOR_HEARTBEAT_MS,
// EMULATOR_RATE_LIMITS=off); `run` is also what a CLI subcommand can delegate to.
import { pathToFileURL } from 'node:url';
import { DiscordEmulator } from './emulator.js';
import type { EmulatorOptions } from './types.js';

const USAGE = 'usage: emulator [--port N] [--heartbeat-ms N] [--no-rate-limits]';

function nonNegativeInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, received ${raw}`);
  return n;
}

export function optionsFrom(args: readonly string[], env: NodeJS.ProcessEnv): EmulatorOptions {
  let port = nonNegativeInt('PORT', env['PORT']);
  let heartbeat = nonNegativeInt('EMULATOR_HEARTBEAT_MS', env['EMULATOR_HEARTBEAT_MS']);
  let rateLimits = env['EMULATOR_RATE_LIMITS'] !== 'off';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--port') port = nonNegativeInt('--port', args[++i]);
    else if (arg === '--heartbeat-ms') heartbeat = nonNegativeInt('--heartbeat-ms', args[++i]);
    else if (arg === '--no-rate-limits') rateLimits = false;
    else throw new Error(`unknown argument ${String(arg)}; ${USAGE}`);
  }
  const options: EmulatorOptions = {};
  if (port !== undefined) options.port = port;
  if (heartbeat !== undefined && heartbeat > 0) options.heartbeatIntervalMs = heartbeat;
  if (!rateLimits) options.rateLimits = { enabled: false };
  return options;
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function run(args: readonly string[]): Promise<number> {
  let options: EmulatorOptions;
  try {
    options = optionsFrom(args, process.env);
  } catch (e: unknown) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const emu = await DiscordEmulator.start(options);
  process.stdout.write(
    `${JSON.stringify({ baseUrl: emu.baseUrl, apiBase: emu.apiBase, application: emu.application })}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await emu.close();
  return 0;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`emulator failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
