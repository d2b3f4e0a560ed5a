// Acknowledgement-latency bench: 2,000 interactions at 200/s through the emulator (in child processes) while the bot
// process carries CPU load; our front end vs. a bare discord.js bot that only calls deferReply(), in the same run.
//
// What is simulated, honestly:
//  - a worker thread spinning a tight loop for the whole run (the engine's analysis pool, one busy thread);
//  - on the main loop, a synchronous 15 ms busy chunk every 100 ms (the engine's bookkeeping: JSON, hashing, SQL
//    row mapping). The real engine keeps heavy CPU work on worker threads; this chunk is a deliberately pessimistic
//    stand-in for what still runs on the main loop. Both bots run under exactly the same load.
// Our front end also does its real work: the SQLite interaction claim before the callback, the in-memory start,
// and the PATCH @original after it. The bare bot only defers.
// Usage: node dist/bench/ack-latency/run.js [--count 2000] [--rate 200] [--chunk-ms 15] [--every-ms 100] [--no-spin]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Client, Events } from 'discord.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { createGatewayFrontEnd } from '../../src/discord/gateway.js';
import { InMemoryAppServices } from '../../test/support/in-memory-services.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import type { DriverMessage, DriverRequest } from './emulator-driver.js';
import { positiveArg } from '../args.js';

type Result = Extract<DriverMessage, { type: 'result' }>;

const COUNT = positiveArg('count', 2000);
const RATE = positiveArg('rate', 200);
const CHUNK_MS = positiveArg('chunk-ms', 15);
const EVERY_MS = positiveArg('every-ms', 100);
const SPIN = process.argv.includes('--no-spin') ? 0 : 1;
const WARMUP = Math.min(100, Math.ceil(COUNT / 10));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}

function summarise(r: Result, count: number) {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const over3s = sorted.filter((v) => v > 3000).length + r.unanswered;
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    over3s,
    missing: count - sorted.length,
    errors: r.errorsByCode,
    firedPerSecond: (count / r.firedOverMs) * 1000,
  };
}

interface Driver {
  readonly world: Extract<DriverMessage, { type: 'ready' }>;
  fire(label: string, count: number, url: string): Promise<Result>;
  close(): void;
}

/** One emulator per bot, each in its own process, so the sender never shares the bot's event loop. */
async function startDriver(): Promise<Driver> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const child = fork(join(here, 'emulator-driver.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, (r: Result) => void>();
  const world = await new Promise<Extract<DriverMessage, { type: 'ready' }>>((resolve) => {
    child.on('message', (m: DriverMessage) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'result') waiting.get(m.label)?.(m);
    });
  });
  return {
    world,
    fire: (label, count, url) =>
      new Promise((resolve) => {
        waiting.set(label, resolve);
        const req: DriverRequest = {
          type: 'fire',
          label,
          count,
          perSecond: RATE,
          name: 'autointel',
          options: [
            { name: 'url', type: 3, value: url },
            { name: 'depth', type: 3, value: 'standard' },
          ],
        };
        child.send(req);
      }),
    close: () => child.send({ type: 'close' } satisfies DriverRequest),
  };
}

async function main(): Promise<void> {
  const [bareDriver, oursDriver] = await Promise.all([startDriver(), startDriver()]);
  const logger = createLogger({ level: 'silent' });

  // Bare discord.js bot: deferReply() only.
  const client = new Client({ intents: [], rest: { api: bareDriver.world.apiBase } });
  client.on(Events.InteractionCreate, (i) => {
    if (i.isChatInputCommand()) i.deferReply().catch(() => undefined);
  });
  const up = new Promise<void>((r) => client.once(Events.ClientReady, () => r()));
  await client.login(bareDriver.world.application.botToken);
  await up;

  // Our front end: claim (SQLite) → session callback → handler (start + PATCH @original).
  const dir = mkdtempSync(join(tmpdir(), 'autointel-bench-'));
  const store = new SqliteWorkflowStore({ filename: join(dir, 'bench.db') });
  await store.migrate();
  const clock = new SystemClock();
  const claimTimes: number[] = [];
  const fe = createGatewayFrontEnd({
    token: oursDriver.world.application.botToken,
    applicationId: oursDriver.world.application.id,
    apiBase: oursDriver.world.apiBase,
    clock,
    logger,
    services: new InMemoryAppServices({ clock, logger }),
    claim: (id) => {
      // The SQL runs synchronously inside the call: this is the claim's own cost, without event-loop queueing.
      const t0 = performance.now();
      const won = store.claimInteraction(id, 'bench', clock.now());
      claimTimes.push(performance.now() - t0);
      return won;
    },
  });
  await fe.start();

  // CPU load 1: a worker thread that never yields.
  const spinners = Array.from(
    { length: SPIN },
    () => new Worker('for (;;) { Math.sqrt(Math.random()); }', { eval: true }),
  );
  // CPU load 2: a synchronous chunk on the main loop every EVERY_MS.
  let chunks = 0;
  const chunkTimer = setInterval(() => {
    const until = performance.now() + CHUNK_MS;
    while (performance.now() < until) Math.sqrt(Math.random());
    chunks++;
  }, EVERY_MS);

  await Promise.all([
    bareDriver.fire('warmup', WARMUP, 'https://example.com/warm'),
    oursDriver.fire('warmup', WARMUP, 'https://example.com/warm'),
  ]);
  claimTimes.length = 0;
  // One bot at a time under the same load: firing both at once would measure two 200/s streams fighting over two
  // cores (400 interactions/s plus the load), not each bot's own latency.
  const bareResult = await bareDriver.fire('run', COUNT, 'https://example.com/a');
  const oursResult = await oursDriver.fire('run', COUNT, 'https://example.com/b');
  const bare = summarise(bareResult, COUNT);
  const ours = summarise(oursResult, COUNT);

  clearInterval(chunkTimer);
  for (const w of spinners) await w.terminate();
  await fe.stop();
  await client.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  bareDriver.close();
  oursDriver.close();

  const claimSorted = [...claimTimes].sort((a, b) => a - b);
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  out(
    `ack-latency bench: ${COUNT} interactions at ${RATE}/s to each bot, one bot after the other in one process, each ` +
      `on its own emulator process; load = ${SPIN} spinning worker thread(s) + ${CHUNK_MS} ms sync chunk every ${EVERY_MS} ms ` +
      `on the main loop (${chunks} chunks ran)`,
  );
  out(
    'latency = emulator sent INTERACTION_CREATE -> emulator received the initial response (its high-resolution clock, ms)',
  );
  for (const [name, s] of [
    ['bare discord.js deferReply', bare],
    ['autointel front end', ours],
  ] as const) {
    out(
      `${name.padEnd(28)} n=${s.n} p50=${s.p50.toFixed(1)}ms p99=${s.p99.toFixed(1)}ms max=${s.max.toFixed(1)}ms ` +
        `past3s=${s.over3s} ` +
        `missing=${s.missing} fired=${s.firedPerSecond.toFixed(0)}/s errors=${JSON.stringify(s.errors)}`,
    );
  }
  out(
    `p99 ratio (ours / bare) = ${(ours.p99 / Math.max(1, bare.p99)).toFixed(2)} (target <= 1.5); ` +
      `past 3 s: ours ${ours.over3s}, bare ${bare.over3s}`,
  );
  out(
    `SQLite interaction claim, synchronous cost before the callback: p50=${(percentile(claimSorted, 50) * 1000).toFixed(0)}us ` +
      `p99=${(percentile(claimSorted, 99) * 1000).toFixed(0)}us max=${((claimSorted.at(-1) ?? 0) * 1000).toFixed(0)}us ` +
      `(n=${claimSorted.length})`,
  );
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
