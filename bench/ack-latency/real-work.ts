// Acknowledgement latency under the bot's own work: bursts of /autointel on real corpus pages served locally (the
// largest over 1 MiB), each starting a real workflow whose extraction and analysis run in this process (on its
// content pool), in gateway AND HTTP mode — against a bare discord.js deferReply() bot and a bare verify-and-defer
// HTTP endpoint measured in the same run. The emulators and the page server run in child processes, away from the
// measured loop.
// Both bots get the same unmeasured warm-up (first connections, first statements, compiled code) before they are
// measured; `--repeat N` measures the pair N times (bare, ours, bare, ours, …) and prints the median ratio.
// Usage: node dist/bench/ack-latency/real-work.js [--rounds 3] [--burst 40] [--rate 40] [--pause-ms 3000]
//        [--modes gateway,http] [--no-worker] [--repeat 1] [--in-process]
// --in-process runs the workflows in the bot's own process (AUTOINTEL_ENGINE_PROCESS=false), for comparison.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client, Events } from 'discord.js';
import { loadConfig } from '../../src/config/config.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { startApp, type RunningApp } from '../../src/main.js';
import type { DriverMessage, DriverRequest } from './emulator-driver.js';
import type { PageServerMessage } from './page-server.js';
import { corpusPages, MIB, type Page } from './pages.js';
import { positiveArg } from '../args.js';

type Result = Extract<DriverMessage, { type: 'result' }>;
type Ready = Extract<DriverMessage, { type: 'ready' }>;
type Mode = 'gateway' | 'http';

const ROUNDS = positiveArg('rounds', 3);
const BURST = positiveArg('burst', 40);
const RATE = positiveArg('rate', 40);
const PAUSE_MS = positiveArg('pause-ms', 3000);
const REPEAT = positiveArg('repeat', 1);
const modesArg = process.argv.indexOf('--modes');
const MODES = (modesArg >= 0 ? (process.argv[modesArg + 1] ?? '') : 'gateway,http')
  .split(',')
  .filter((m): m is Mode => m === 'gateway' || m === 'http');
/** Front end only (no workflow runs): separates the intake's own cost from the content work's. */
const NO_WORKER = process.argv.includes('--no-worker');
/** Workflows in the bot's own process instead of its engine process. */
const IN_PROCESS = process.argv.includes('--in-process');

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}

interface Driver {
  readonly world: Ready;
  fire(label: string, count: number, url: (i: number) => string): Promise<Result>;
  endpoint(url: string | null): Promise<void>;
  close(): void;
}

async function startDriver(): Promise<Driver> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const child = fork(join(here, 'emulator-driver.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, (m: DriverMessage) => void>();
  const world = await new Promise<Ready>((ok) => {
    child.on('message', (m: DriverMessage) => {
      if (m.type === 'ready') ok(m);
      else if (m.type === 'result') waiting.get(m.label)?.(m);
      else waiting.get('endpoint')?.(m);
    });
  });
  return {
    world,
    fire: (label, count, url) =>
      new Promise((ok) => {
        waiting.set(label, (m) => ok(m as Result));
        const req: DriverRequest = {
          type: 'fire',
          label,
          count,
          perSecond: RATE,
          name: 'autointel',
          options: [
            { name: 'url', type: 3, value: url(0) },
            { name: 'depth', type: 3, value: 'standard' },
          ],
          urls: Array.from({ length: count }, (_, i) => url(i)),
        };
        child.send(req);
      }),
    endpoint: (url) =>
      new Promise((ok) => {
        waiting.set('endpoint', () => ok());
        child.send({ type: 'endpoint', url } satisfies DriverRequest);
      }),
    close: () => child.send({ type: 'close' } satisfies DriverRequest),
  };
}

/** A bare HTTP interactions endpoint: verifies the Ed25519 signature and defers. Nothing else. */
function bareHttpEndpoint(publicKeyHex: string): Promise<{ server: Server; url: string }> {
  const key: KeyObject = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKeyHex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const sig = String(req.headers['x-signature-ed25519'] ?? '');
      const ts = String(req.headers['x-signature-timestamp'] ?? '');
      const valid =
        /^[0-9a-f]{128}$/i.test(sig) &&
        verify(null, Buffer.concat([Buffer.from(ts), body]), key, Buffer.from(sig, 'hex'));
      if (!valid) {
        res.writeHead(401).end();
        return;
      }
      const type = (JSON.parse(body.toString('utf8')) as { type?: number }).type;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ type: type === 1 ? 1 : 5 }));
    });
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      ok({
        server,
        url: `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}/interactions`,
      });
    }),
  );
}

/** The middle value (the mean of the two middle ones for an even count) of sorted values. */
function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

/** Waits until the bot has no queued or running workflow (at most 10 minutes). */
async function drained(app: RunningApp): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  while (Date.now() < deadline) {
    const open = await app.store.listWorkflows({ statuses: ['queued', 'running'], limit: 1 });
    if (open.length === 0) return;
    await new Promise((ok) => setTimeout(ok, 500));
  }
  throw new Error('the bot did not finish its earlier workflows within 10 minutes');
}

interface Phase {
  readonly latencies: number[];
  unanswered: number;
  errors: Record<string, number>;
  loopP99Ms: number;
  loopMaxMs: number;
  /** CPU time this process's main thread spent during the phase (ms), null where /proc cannot tell. */
  mainCpuMs: number | null;
  /** The worst burst's emulator loop delay (p99, max): the acknowledgement clock's own stalls. */
  emulatorLoopP99Ms: number;
  emulatorLoopMaxMs: number;
}

/**
 * CPU time of this process's main thread so far (ms): unlike wall-clock latencies it does not grow when other
 * processes take the cores, so runs on a loaded machine stay comparable. Linux only (/proc, USER_HZ = 100).
 */
function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name: state is [0], utime [11], stime [12] (stat(5) fields 14 and 15).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}

/** Fires ROUNDS bursts and collects acknowledgement latencies and this process's event-loop delay meanwhile. */
async function measure(
  driver: Driver,
  label: string,
  url: (round: number, i: number) => string,
): Promise<Phase> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const phase: Phase = {
    latencies: [],
    unanswered: 0,
    errors: {},
    loopP99Ms: 0,
    loopMaxMs: 0,
    emulatorLoopP99Ms: 0,
    emulatorLoopMaxMs: 0,
    mainCpuMs: null,
  };
  const cpu0 = mainThreadCpuMs();
  for (let round = 0; round < ROUNDS; round++) {
    const r = await driver.fire(`${label}-${round}`, BURST, (i) => url(round, i));
    phase.latencies.push(...r.latencies);
    phase.unanswered += r.unanswered;
    phase.emulatorLoopP99Ms = Math.max(phase.emulatorLoopP99Ms, r.emulatorLoopP99Ms);
    phase.emulatorLoopMaxMs = Math.max(phase.emulatorLoopMaxMs, r.emulatorLoopMaxMs);
    for (const [k, v] of Object.entries(r.errorsByCode)) phase.errors[k] = (phase.errors[k] ?? 0) + v;
    await new Promise((ok) => setTimeout(ok, PAUSE_MS));
  }
  loop.disable();
  const cpu1 = mainThreadCpuMs();
  phase.mainCpuMs = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
  phase.loopP99Ms = loop.percentile(99) / 1e6;
  phase.loopMaxMs = loop.max / 1e6;
  return phase;
}

function line(name: string, p: Phase): string {
  const sorted = [...p.latencies].sort((a, b) => a - b);
  const past3s = sorted.filter((v) => v > 3000).length + p.unanswered;
  return (
    `${name.padEnd(34)} n=${sorted.length} p50=${percentile(sorted, 50).toFixed(0)}ms ` +
    `p99=${percentile(sorted, 99).toFixed(0)}ms max=${(sorted.at(-1) ?? Number.NaN).toFixed(0)}ms ` +
    `past3s=${past3s} loop-delay p99=${p.loopP99Ms.toFixed(1)}ms max=${p.loopMaxMs.toFixed(1)}ms ` +
    `emulator-loop p99=${p.emulatorLoopP99Ms.toFixed(1)}ms max=${p.emulatorLoopMaxMs.toFixed(1)}ms ` +
    `main-thread-cpu=${p.mainCpuMs === null ? 'n/a' : `${p.mainCpuMs.toFixed(0)}ms`} ` +
    `errors=${JSON.stringify(p.errors)}`
  );
}

async function runMode(mode: Mode, pages: readonly Page[], base: string): Promise<void> {
  const [bareDriver, oursDriver] = await Promise.all([startDriver(), startDriver()]);
  const stops: (() => Promise<void>)[] = [];
  try {
    // The bare bot.
    if (mode === 'gateway') {
      const client = new Client({ intents: [], rest: { api: bareDriver.world.apiBase } });
      client.on(Events.InteractionCreate, (i) => {
        if (i.isChatInputCommand()) i.deferReply().catch(() => undefined);
      });
      const up = new Promise<void>((ok) => client.once(Events.ClientReady, () => ok()));
      await client.login(bareDriver.world.application.botToken);
      await up;
      stops.push(() => client.destroy());
    } else {
      const bare = await bareHttpEndpoint(bareDriver.world.application.publicKeyHex);
      await bareDriver.endpoint(bare.url);
      stops.push(
        () =>
          new Promise((ok) => {
            bare.server.closeAllConnections();
            bare.server.close(() => ok());
          }),
      );
    }
    // The real bot: front end, engine, content pool, delivery — all in this process.
    const dataDir = mkdtempSync(join(tmpdir(), `autointel-ack-real-${mode}-`));
    stops.push(() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
    const config = loadConfig({
      DISCORD_TOKEN: oursDriver.world.application.botToken,
      DISCORD_APPLICATION_ID: oursDriver.world.application.id,
      DISCORD_PUBLIC_KEY: oursDriver.world.application.publicKeyHex,
      DISCORD_API_BASE: oursDriver.world.apiBase,
      AUTOINTEL_MODE: mode,
      PORT: '0',
      AUTOINTEL_DATA_DIR: dataDir,
      AUTOINTEL_ALLOW_PRIVATE_NETWORKS: 'true',
      AUTOINTEL_USER_QUOTA_PER_HOUR: '0',
      LOG_LEVEL: 'silent',
      AUTOINTEL_ENGINE_PROCESS: IN_PROCESS ? 'false' : 'true',
    });
    const app: RunningApp = await startApp(config, {
      role: 'bot',
      worker: !NO_WORKER,
      clock: new SystemClock(),
      logger: createLogger({ level: 'silent' }),
      pacing: {},
    });
    stops.push(() => app.stop());
    if (mode === 'http') await oursDriver.endpoint(`${app.httpUrl ?? ''}/interactions`);
    else await new Promise((ok) => setTimeout(ok, 500));

    // Every 4th request is the largest page (≥ 1 MiB); the rest cycle through the corpus.
    const pick = (i: number): Page =>
      (i % 4 === 0 ? pages[0] : pages[1 + (i % (pages.length - 1))]) ?? pages[0]!;
    const url = (tag: string) => (round: number, i: number) =>
      `${base}/${tag}/${round}-${i}/${pick(i).name}.html`;

    // The same unmeasured warm-up for both bots.
    await measure(bareDriver, 'warmup-bare', url(`${mode}-wb`));
    await measure(oursDriver, 'warmup-ours', url(`${mode}-wo`));
    out(`\n${mode} mode: ${ROUNDS} bursts of ${BURST} /autointel at ${RATE}/s each, ${PAUSE_MS} ms apart`);
    const ratios: number[] = [];
    let ours: Phase | null = null;
    for (let r = 0; r < REPEAT; r++) {
      // The bare bot is measured on a quiet machine: ours has finished the work of its earlier bursts.
      if (!NO_WORKER) await drained(app);
      const bare = await measure(bareDriver, `bare-${r}`, url(`${mode}-b${r}`));
      ours = await measure(oursDriver, `ours-${r}`, url(`${mode}-o${r}`));
      const bareSorted = [...bare.latencies].sort((a, b) => a - b);
      const oursSorted = [...ours.latencies].sort((a, b) => a - b);
      const ratio = percentile(oursSorted, 99) / Math.max(1, percentile(bareSorted, 99));
      ratios.push(ratio);
      if (REPEAT > 1) out(`repeat ${r + 1}/${REPEAT}`);
      out(line(mode === 'gateway' ? 'bare discord.js deferReply' : 'bare verify-and-defer endpoint', bare));
      out(
        line(
          NO_WORKER
            ? 'autointel (front end only, no worker)'
            : `autointel (workflows ${IN_PROCESS ? 'in its process' : 'in its engine process'})`,
          ours,
        ),
      );
      out(
        `p99 ratio (ours / bare) = ${ratio.toFixed(2)} (goal <= 1.5); past 3 s: ours ` +
          `${oursSorted.filter((v) => v > 3000).length + ours.unanswered}, bare ` +
          `${bareSorted.filter((v) => v > 3000).length + bare.unanswered} (goal 0)`,
      );
    }
    const sortedRatios = [...ratios].sort((a, b) => a - b);
    if (REPEAT > 1)
      out(
        `median p99 ratio over ${REPEAT} repeats = ${median(sortedRatios).toFixed(2)} ` +
          `(each: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
      );
    const runs = await app.store.listWorkflows({ limit: 100_000 });
    const byStatus: Record<string, number> = {};
    for (const w of runs) byStatus[w.status] = (byStatus[w.status] ?? 0) + 1;
    out(`workflows by status at the end: ${JSON.stringify(byStatus)}`);
    const done = byStatus['completed'] ?? 0;
    if (ours !== null && ours.mainCpuMs !== null)
      out(
        `bot main-thread CPU during its last measured phase: ${ours.mainCpuMs.toFixed(0)} ms for ` +
          `${BURST * ROUNDS} interactions (${(ours.mainCpuMs / (BURST * ROUNDS)).toFixed(1)} ms each; ` +
          `${done} workflows completed by the end, ` +
          `${NO_WORKER ? 'none here: front end only' : IN_PROCESS ? 'in this process' : 'in the engine process'})`,
      );
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    bareDriver.close();
    oursDriver.close();
  }
}

async function main(): Promise<void> {
  const pages = corpusPages();
  if (pages === null || pages.length < 2) {
    out(
      'ack-latency real-work bench skipped: it needs the shared corpus at ../shared/corpus/articles/*/source.html',
    );
    return;
  }
  const site = await startPageServer();
  out(
    `ack-latency real-work bench: ${pages.length} corpus pages served locally, largest ${pages[0]?.name} ` +
      `(${((pages[0]?.html.length ?? 0) / MIB).toFixed(2)} MiB, every 4th request); median page ` +
      `${((pages[Math.floor(pages.length / 2)]?.html.length ?? 0) / 1024).toFixed(0)} KiB`,
  );
  out(
    'latency = emulator sent the interaction -> emulator received the initial response (emulator process, ms);',
  );
  out('loop delay = this process (the bot under test, or the bare bot) while the bursts ran;');
  out(
    'emulator-loop = the emulator that times the acknowledgements (worst burst), itself serving the bot meanwhile',
  );
  try {
    for (const mode of MODES) await runMode(mode, pages, site.base);
  } finally {
    site.close();
  }
}

/** The page server in its own process (page-server.ts). */
async function startPageServer(): Promise<{ base: string; close(): void }> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const child = fork(join(here, 'page-server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const base = await new Promise<string>((ok, fail) => {
    child.once('message', (m: PageServerMessage) => ok(m.base));
    child.once('exit', (code) => fail(new Error(`page server exited (${String(code)})`)));
  });
  return { base, close: () => child.kill() };
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
