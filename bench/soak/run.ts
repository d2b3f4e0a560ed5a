// Soak: a mixed stream of normal and hostile links sent to the real bot (HTTP-endpoint mode, through the local
// emulator) at a fixed rate for a fixed time, then every request followed to its end. Prints acknowledged, delivered,
// refused with a reason, lost (must be 0), duplicate report parts (must be 0), acknowledgement p50/p99/max and the peak
// RSS of this process (bot, its content threads and the emulator together).
//
//   node dist/bench/soak/run.js [--minutes 10] [--rate 2] [--hostile-share 0.25]
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DiscordEmulator } from '@autointel/discord-emulator';
import { loadConfig } from '../../src/config/config.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { startApp } from '../../src/main.js';
import { countParts, ct19Articles } from '../../test/support/e2e-pages.js';
import { positiveArg } from '../args.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const FRENCH =
  'Le conseil municipal a adopté mardi soir le budget de la ville pour l’année prochaine. ' +
  'Les dépenses consacrées aux écoles augmentent de dix pour cent, tandis que la voirie attendra. ';
const fill = (unit: string, bytes: number): string => unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));

/** Hostile pages: each must end with a plain refusal or a report, never stall or lose anything. */
const HOSTILE: readonly { path: string; type: string; body: string }[] = [
  {
    path: '/h/nested.html',
    type: 'text/html; charset=utf-8',
    body: `<!doctype html><html><body>${'<div>'.repeat(3000)}<p>${FRENCH}</p>${'</div>'.repeat(3000)}</body></html>`,
  },
  {
    path: '/h/texte-5mb.txt',
    type: 'text/plain; charset=utf-8',
    body: fill(`${FRENCH}\n\n`, 5 * 1024 * 1024),
  },
  { path: '/h/brackets.md', type: 'text/markdown; charset=utf-8', body: `${FRENCH}\n${'[('.repeat(20_000)}` },
  { path: '/h/line.txt', type: 'text/plain; charset=utf-8', body: fill('mot ', 1024 * 1024) },
  { path: '/h/binary.bin', type: 'application/octet-stream', body: '\u0000\u0001\u0002'.repeat(1000) },
];

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0);
};

async function main(): Promise<void> {
  const minutes = positiveArg('minutes', 10);
  const rate = positiveArg('rate', 2);
  const hostileShare = Math.min(1, positiveArg('hostile-share', 0.25));
  const dataDir = mkdtempSync(join(tmpdir(), 'autointel-soak-'));
  const articles = ct19Articles(60, 14);
  const pages = new Map<string, { type: string; body: string }>([
    ...articles.map((a) => [a.path, { type: 'text/html; charset=utf-8', body: a.html }] as const),
    ...HOSTILE.map((h) => [h.path, { type: h.type, body: h.body }] as const),
  ]);
  const server = createServer((req, res) => {
    const page = pages.get((req.url ?? '/').split('?')[0] ?? '/');
    if (page === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': page.type }).end(page.body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const emu = await DiscordEmulator.start({ rateLimits: { enabled: false } });
  const guildId = emu.createGuild({ name: 'Soak' }).id;
  const channelId = emu.createChannel({ guildId, name: 'analysis' }).id;
  const users = Array.from({ length: 10 }, (_, i) => emu.createUser({ username: `member-${i}` }).id);
  for (const u of users) emu.addMember({ guildId, userId: u });
  const config = loadConfig({
    DISCORD_TOKEN: emu.application.botToken,
    DISCORD_APPLICATION_ID: emu.application.id,
    DISCORD_PUBLIC_KEY: emu.application.publicKeyHex,
    DISCORD_API_BASE: emu.apiBase,
    AUTOINTEL_MODE: 'http',
    PORT: '0',
    AUTOINTEL_DATA_DIR: dataDir,
    AUTOINTEL_ALLOW_PRIVATE_NETWORKS: 'true',
    AUTOINTEL_USER_QUOTA_PER_HOUR: '0',
    AUTOINTEL_FRESHNESS_MINUTES: '0',
    AUTOINTEL_EXTRACT_TIMEOUT_SECONDS: '20',
    LOG_LEVEL: 'silent',
  });
  const app = await startApp(config, {
    role: 'bot',
    worker: true,
    clock: new SystemClock(),
    logger: createLogger({ level: 'silent' }),
    pacing: {},
  });
  if (app.httpUrl === null) throw new Error('the bot started without an HTTP server');
  await emu.setInteractionsEndpoint(`${app.httpUrl}/interactions`);

  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  const fired: { interactionId: string; hostile: boolean; ackMs: number | null; deferred: boolean }[] = [];
  const total = Math.round(minutes * 60 * rate);
  const started = performance.now();
  process.stdout.write(
    `soak: ${total} requests at ${rate}/s for ${minutes} min, ${Math.round(hostileShare * 100)}% hostile\n`,
  );
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
    // A deterministic mix: every 1/hostileShare-th request is hostile.
    const hostile = Math.floor((i + 1) * hostileShare) > Math.floor(i * hostileShare);
    const path = hostile
      ? (HOSTILE[i % HOSTILE.length]?.path ?? '/')
      : (articles[i % articles.length]?.path ?? '/');
    const entry: (typeof fired)[number] = { interactionId: '', hostile, ackMs: null, deferred: false };
    fired.push(entry);
    const t0 = performance.now();
    inFlight.push(
      emu
        .fireSlashCommand({
          guildId,
          channelId,
          userId: users[i % users.length] ?? '',
          name: 'autointel',
          options: [
            { name: 'url', type: 3, value: `${base}${path}?n=${i}` },
            { name: 'depth', type: 3, value: 'standard' },
          ],
        })
        .then((r) => {
          entry.interactionId = r.interactionId;
          entry.ackMs = performance.now() - t0;
          // Inline type 5 (deferred) is an accepted request; type 4 is a refusal shown privately at once.
          entry.deferred = (r.httpResponse?.body as { type?: unknown } | undefined)?.type === 5;
        }),
    );
  }
  await Promise.all(inFlight);
  const streamS = (performance.now() - started) / 1000;

  // Follow every request to its end: a workflow id in the channel, then a terminal status with its delivery done.
  const ids = new Map<string, string>();
  const settleBy = performance.now() + 15 * 60_000;
  const terminal = new Map<string, { status: string; delivery: string | null; code: string | null }>();
  while (performance.now() < settleBy) {
    for (const m of emu.messages(channelId)) {
      if (m.interactionId !== undefined && !ids.has(m.interactionId)) {
        const id = UUID.exec(m.content)?.[0];
        if (id !== undefined) ids.set(m.interactionId, id);
      }
    }
    for (const id of ids.values()) {
      if (terminal.has(id)) continue;
      const w = await app.engine.get(id);
      if (
        w !== null &&
        ['completed', 'failed', 'cancelled'].includes(w.status) &&
        w.deliveryState === 'delivered'
      ) {
        terminal.set(id, { status: w.status, delivery: w.deliveryState, code: w.lastError?.code ?? null });
      }
    }
    const refusedAtTheDoor = fired.filter((f) => !f.deferred).length;
    if (terminal.size + refusedAtTheDoor >= fired.length) break;
    await new Promise((ok) => setTimeout(ok, 500));
  }
  clearInterval(rssTimer);
  loop.disable();

  const parts = countParts(emu.messages(channelId));
  const acked = fired.filter((f) => f.deferred);
  const lost = acked.filter((f) => {
    const id = ids.get(f.interactionId);
    return id === undefined || !terminal.has(id);
  });
  const outcomes = [...terminal.values()];
  const byCode = new Map<string, number>();
  for (const o of outcomes.filter((x) => x.status === 'failed'))
    byCode.set(o.code ?? '?', (byCode.get(o.code ?? '?') ?? 0) + 1);
  const duplicates = [...parts.values()].reduce((n, p) => n + p.duplicates, 0);
  const acks = fired.map((f) => f.ackMs ?? 0);
  const mb = (b: number): string => `${Math.round(b / 1024 / 1024)} MB`;

  process.stdout.write(
    [
      `stream: ${fired.length} requests in ${streamS.toFixed(0)} s (${fired.filter((f) => f.hostile).length} hostile)`,
      `acknowledged: ${acked.length}; refused at the door: ${fired.length - acked.length}`,
      `delivered reports: ${outcomes.filter((o) => o.status === 'completed').length}`,
      `refused with a reason (failed, the member told): ${outcomes.filter((o) => o.status === 'failed').length} ${JSON.stringify(Object.fromEntries(byCode))}`,
      `lost: ${lost.length}`,
      `duplicate report parts: ${duplicates}`,
      `ack p50 ${percentile(acks, 50).toFixed(0)} ms, p99 ${percentile(acks, 99).toFixed(0)} ms, max ${Math.max(0, ...acks).toFixed(0)} ms, past 3 s: ${acks.filter((x) => x > 3000).length}`,
      `event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms, max ${(loop.max / 1e6).toFixed(0)} ms`,
      `peak RSS (bot + content threads + emulator, one process): ${mb(peakRss)}`,
    ].join('\n') + '\n',
  );
  await app.stop();
  await emu.close();
  await new Promise((ok) => server.close(ok));
  rmSync(dataDir, { recursive: true, force: true });
  process.exitCode = lost.length === 0 && duplicates === 0 ? 0 : 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`soak failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
