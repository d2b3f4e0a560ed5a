// Starts the emulator as its own process (env: PORT, EMULATOR_HEARTBEAT_MS, EMULATOR_RATE_LIMITS=off) and prints
// one JSON line with its addresses and credentials, so a test can spawn it and drive it over HTTP.
import { DiscordEmulator } from './emulator.js';
import type { EmulatorOptions } from './types.js';

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, received ${raw}`);
  return n;
}

async function main(): Promise<void> {
  const options: EmulatorOptions = {};
  const port = positiveInt('PORT', process.env['PORT']);
  if (port !== undefined) options.port = port;
  const heartbeat = positiveInt('EMULATOR_HEARTBEAT_MS', process.env['EMULATOR_HEARTBEAT_MS']);
  if (heartbeat !== undefined) options.heartbeatIntervalMs = heartbeat;
  if (process.env['EMULATOR_RATE_LIMITS'] === 'off') options.rateLimits = { enabled: false };
  const emu = await DiscordEmulator.start(options);
  process.stdout.write(
    `${JSON.stringify({ baseUrl: emu.baseUrl, apiBase: emu.apiBase, application: emu.application })}\n`,
  );
  const stop = (): void => {
    void emu.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`emulator failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
