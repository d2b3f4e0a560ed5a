// The separate metrics listener, end to end: the bot's interactions listener faces the network (HOST=0.0.0.0) and must
// not answer /metrics; METRICS_PORT serves it on loopback only, with the front end's counters and event-loop delay.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEmulator } from '@autointel/discord-emulator';
import { loadConfig } from '../../src/config/config.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { startApp, type RunningApp } from '../../src/main.js';

const dataDir = mkdtempSync(join(tmpdir(), 'autointel-e2e-metrics-'));
let emu: DiscordEmulator;
let app: RunningApp | null = null;
let metricsPort = 0;

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/** GET on an address and port: the status, or the connection error's code. */
function get(host: string, port: number, path: string): Promise<{ status: number; body: string } | string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, timeout: 3000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.end();
  });
}

beforeAll(async () => {
  emu = await DiscordEmulator.start({ rateLimits: { enabled: false } });
  metricsPort = await freePort();
  const config = loadConfig({
    DISCORD_TOKEN: emu.application.botToken,
    DISCORD_APPLICATION_ID: emu.application.id,
    DISCORD_PUBLIC_KEY: emu.application.publicKeyHex,
    DISCORD_API_BASE: emu.apiBase,
    AUTOINTEL_MODE: 'http',
    HOST: '0.0.0.0',
    PORT: '0',
    METRICS_PORT: String(metricsPort),
    AUTOINTEL_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  app = await startApp(config, { role: 'bot', worker: false, clock: new SystemClock(), logger });
  if (app.httpUrl === null) throw new Error('http mode started without an HTTP server');
  await emu.setInteractionsEndpoint(`http://127.0.0.1:${new URL(app.httpUrl).port}/interactions`);
});

afterAll(async () => {
  await app?.stop();
  await emu?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('METRICS_PORT', () => {
  it('keeps /metrics off the public listener and serves it, with live counters, on loopback', async () => {
    const mainPort = Number(new URL(app?.httpUrl ?? '').port);
    const onMain = await get('127.0.0.1', mainPort, '/metrics');
    expect(typeof onMain === 'object' ? onMain.status : onMain).toBe(404);
    const health = await get('127.0.0.1', mainPort, '/healthz');
    expect(typeof health === 'object' ? health.status : health).toBe(200);

    // One interaction through the public listener shows up on the metrics listener.
    const guildId = emu.createGuild({ name: 'Metrics' }).id;
    const channelId = emu.createChannel({ guildId, name: 'general' }).id;
    const userId = emu.createUser({ username: 'counter' }).id;
    emu.addMember({ guildId, userId });
    await emu.fireSlashCommand({
      guildId,
      channelId,
      userId,
      name: 'retrieve_results',
      options: [{ name: 'workflow_id', type: 3, value: 'not-a-workflow-id' }],
    });

    const metrics = await get('127.0.0.1', metricsPort, '/metrics');
    if (typeof metrics === 'string') throw new Error(`metrics listener unreachable: ${metrics}`);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^autointel_interactions_total\{.*command="retrieve_results".*\} 1$/m);
    expect(metrics.body).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
    // The metrics listener answers nothing else.
    const other = await get('127.0.0.1', metricsPort, '/interactions');
    expect(typeof other === 'object' ? other.status : other).toBe(404);
  });

  it('does not accept connections on the machine’s other addresses', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
    if (external === undefined) {
      process.stdout.write(
        'metrics-listener: no non-loopback IPv4 address on this machine; reach check skipped\n',
      );
      return;
    }
    const r = await get(external.address, metricsPort, '/metrics');
    expect(r).toBe('ECONNREFUSED');
    // The public listener does answer there (it is bound to every address), so the refusal is the metrics one's.
    const mainPort = Number(new URL(app?.httpUrl ?? '').port);
    const main = await get(external.address, mainPort, '/healthz');
    expect(typeof main === 'object' ? main.status : main).toBe(200);
  });
});
