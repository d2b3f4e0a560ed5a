// Acknowledgement latency under the bot's own work: bursts of /autointel on real corpus pages served locally (the
// largest over 1 MiB), each starting a real workflow whose extraction and analysis run in this process (on its
// content pool), in gateway AND HTTP mode — against a bare discord.js deferReply() bot and a bare verify-and-defer
// HTTP endpoint measured in the same run. The emulators, the page server and the bare bots run in child processes:
// nothing of the bot under test runs beside the baseline, and nothing of the baseline beside the bot.
// Both bots get the same unmeasured warm-up (first connections, first statements, compiled code) before they are
// measured; `--repeat N` measures the pair N times (bare, ours, bare, ours, …) and prints the median ratio.
// Usage: node dist/bench/ack-latency/real-work.js [--rounds 3] [--burst 40] [--rate 40] [--pause-ms 3000]
//        [--modes gateway,http] [--no-worker] [--repeat 1] [--in-process] [--content-workers N]
// --in-process runs the workflows in the bot's own process (AUTOINTEL_ENGINE_PROCESS=false), for comparison.
// --content-workers sets AUTOINTEL_CONTENT_WORKERS (default: the bot's own default, one thread per core).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/config.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { startApp, type RunningApp } from '../../src/main.js';
import type { BareMessage, BareRequest } from './bare-bot.js';
import { mainThreadCpuMs } from './cpu.js';
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
/** Content-pool threads of the bot under test (0: its default). */
const CONTENT_WORKERS = process.argv.includes('--content-workers') ? positiveArg('content-workers', 1) : 0;

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

/** What a phase's loop delay and main-thread CPU are read from: this process, or the bare bots' process. */
interface PhaseStats {
  start(): void;
  end(): Promise<{ loopP99Ms: number; loopMaxMs: number; mainCpuMs: number | null }>;
}

/** This process: the bot under test. */
function localStats(): PhaseStats {
  let loop: ReturnType<typeof monitorEventLoopDelay> | null = null;
  let cpu0: number | null = null;
  return {
    start: () => {
      loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      cpu0 = mainThreadCpuMs();
    },
    end: async () => {
      const l = loop;
      l?.disable();
      const cpu1 = mainThreadCpuMs();
      return {
        loopP99Ms: (l?.percentile(99) ?? 0) / 1e6,
        loopMaxMs: (l?.max ?? 0) / 1e6,
        mainCpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
      };
    },
  };
}

interface BareBots {
  readonly stats: PhaseStats;
  /** The HTTP endpoint's URL in HTTP mode. */
  readonly url: string | null;
  close(): void;
}

/** The bare bot of `mode` in a process of its own (bare-bot.ts). */
async function startBareBots(mode: Mode, world: Ready): Promise<BareBots> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const child = fork(join(here, 'bare-bot.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let onPhase: ((m: Extract<BareMessage, { type: 'phase' }>) => void) | null = null;
  const ready = new Promise<string | null>((ok, fail) => {
    child.on('message', (m: BareMessage) => {
      if (m.type === 'ready') ok(m.url);
      else onPhase?.(m);
    });
    child.once('exit', (code) => fail(new Error(`the bare bot exited (${String(code)})`)));
  });
  const send = (m: BareRequest): void => {
    child.send(m);
  };
  send({
    type: 'start',
    mode,
    apiBase: world.apiBase,
    botToken: world.application.botToken,
    publicKeyHex: world.application.publicKeyHex,
  });
  const url = await ready;
  return {
    url,
    stats: {
      start: () => send({ type: 'phase-start' }),
      end: () =>
        new Promise((ok) => {
          onPhase = (m) => ok(m);
          send({ type: 'phase-end' });
        }),
    },
    close: () => send({ type: 'close' }),
  };
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
  /** Gateway mode: each callback's arrival → the emulator had handled it (ms, part of the latency). */
  readonly handling: number[];
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

/** Fires ROUNDS bursts and collects acknowledgement latencies, and the bot's event-loop delay and CPU meanwhile. */
async function measure(
  driver: Driver,
  label: string,
  url: (round: number, i: number) => string,
  stats: PhaseStats,
): Promise<Phase> {
  stats.start();
  const phase: Phase = {
    latencies: [],
    handling: [],
    unanswered: 0,
    errors: {},
    loopP99Ms: 0,
    loopMaxMs: 0,
    emulatorLoopP99Ms: 0,
    emulatorLoopMaxMs: 0,
    mainCpuMs: null,
  };
  for (let round = 0; round < ROUNDS; round++) {
    const r = await driver.fire(`${label}-${round}`, BURST, (i) => url(round, i));
    phase.latencies.push(...r.latencies);
    phase.handling.push(...r.handling);
    phase.unanswered += r.unanswered;
    phase.emulatorLoopP99Ms = Math.max(phase.emulatorLoopP99Ms, r.emulatorLoopP99Ms);
    phase.emulatorLoopMaxMs = Math.max(phase.emulatorLoopMaxMs, r.emulatorLoopMaxMs);
    for (const [k, v] of Object.entries(r.errorsByCode)) phase.errors[k] = (phase.errors[k] ?? 0) + v;
    await new Promise((ok) => setTimeout(ok, PAUSE_MS));
  }
  const s = await stats.end();
  phase.mainCpuMs = s.mainCpuMs;
  phase.loopP99Ms = s.loopP99Ms;
  phase.loopMaxMs = s.loopMaxMs;
  return phase;
}

function line(name: string, p: Phase): string {
  const sorted = [...p.latencies].sort((a, b) => a - b);
  const past3s = sorted.filter((v) => v > 3000).length + p.unanswered;
  const handling = [...p.handling].sort((a, b) => a - b);
  return (
    `${name.padEnd(34)} n=${sorted.length} p50=${percentile(sorted, 50).toFixed(1)}ms ` +
    `p99=${percentile(sorted, 99).toFixed(1)}ms max=${(sorted.at(-1) ?? Number.NaN).toFixed(1)}ms ` +
    (handling.length > 0
      ? `emulator-handling p99=${percentile(handling, 99).toFixed(0)}ms max=${(handling.at(-1) ?? 0).toFixed(0)}ms `
      : '') +
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
    // The bare bot, in a process of its own.
    const bareBots = await startBareBots(mode, bareDriver.world);
    stops.push(async () => bareBots.close());
    if (mode === 'http') await bareDriver.endpoint(bareBots.url);
    const oursStats = localStats();
    // The bot under test: front end in this process; its workflows in its engine process (or here, --in-process).
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
      AUTOINTEL_CONTENT_WORKERS: String(CONTENT_WORKERS),
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
    await measure(bareDriver, 'warmup-bare', url(`${mode}-wb`), bareBots.stats);
    await measure(oursDriver, 'warmup-ours', url(`${mode}-wo`), oursStats);
    out(`\n${mode} mode: ${ROUNDS} bursts of ${BURST} /autointel at ${RATE}/s each, ${PAUSE_MS} ms apart`);
    const ratios: number[] = [];
    const bareAll: number[] = [];
    const oursAll: number[] = [];
    let oursPhase: Phase | null = null;
    for (let r = 0; r < REPEAT; r++) {
      // The bare bot is measured on a quiet machine: ours has finished the work of its earlier bursts.
      if (!NO_WORKER) await drained(app);
      const bare = await measure(bareDriver, `bare-${r}`, url(`${mode}-b${r}`), bareBots.stats);
      const ours = await measure(oursDriver, `ours-${r}`, url(`${mode}-o${r}`), oursStats);
      oursPhase = ours;
      bareAll.push(...bare.latencies);
      oursAll.push(...ours.latencies);
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
    if (REPEAT > 1) {
      out(
        `median p99 ratio over ${REPEAT} repeats = ${median(sortedRatios).toFixed(2)} ` +
          `(each: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
      );
      // One repeat's p99 over ROUNDS x BURST acknowledgements is its second or third largest value; the p99 over all
      // repeats together rests on N times as many.
      const pooled = (v: readonly number[]): number =>
        percentile(
          [...v].sort((a, b) => a - b),
          99,
        );
      out(
        `pooled p99 over ${REPEAT} repeats: ours ${pooled(oursAll).toFixed(1)} ms / bare ${pooled(bareAll).toFixed(1)} ms ` +
          `(n=${oursAll.length} each) = ${(pooled(oursAll) / Math.max(1, pooled(bareAll))).toFixed(2)} (goal <= 1.5)`,
      );
    }
    const runs = await app.store.listWorkflows({ limit: 100_000 });
    const byStatus: Record<string, number> = {};
    for (const w of runs) byStatus[w.status] = (byStatus[w.status] ?? 0) + 1;
    out(`workflows by status at the end: ${JSON.stringify(byStatus)}`);
    const done = byStatus['completed'] ?? 0;
    if (oursPhase !== null && oursPhase.mainCpuMs !== null)
      out(
        `bot main-thread CPU during its last measured phase: ${oursPhase.mainCpuMs.toFixed(0)} ms for ` +
          `${BURST * ROUNDS} interactions (${(oursPhase.mainCpuMs / (BURST * ROUNDS)).toFixed(1)} ms each; ` +
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
    'latency = emulator sent the interaction -> emulator received the initial response (its high-resolution clock, ms);',
  );
  out(
    'emulator-handling = gateway mode: the callback arrived -> the emulator had handled it (part of the latency: the ' +
      'same emulator serves the bot under test meanwhile);',
  );
  out(
    'loop delay, main-thread CPU = the bot measured (ours: the process answering Discord; bare: its own process);',
  );
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
