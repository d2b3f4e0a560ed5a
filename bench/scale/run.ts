// Scale-out throughput: workflows/s through WorkflowEngine + BullmqQueue + PostgreSQL with 1, 2 and 4 worker
// instances, against bare BullMQ's own throughput for empty jobs on the same Redis, in the same run.
//
// Workers are in-process instances (each its own BullmqQueue, Redis connections, PostgreSQL pool and owner id), not
// OS processes: on a 2-core machine processes would mostly measure Node start-up and scheduler noise. Stages are
// no-ops, so the figure is the orchestration overhead per workflow (claim, checkpoints, report, heartbeats, job
// bookkeeping); delivery goes to a notifier that confirms at once, so Discord is not part of the figure.
//
// The real-analysis rows run standard-depth analyses of small local article pages (fetched over HTTP by the real
// acquirer, analysed in one shared AnalysisPool) through the engine with 1 and 2 worker instances, against the same
// pipeline's stages called directly with the same number of jobs at once, in the same run: the ratio is what the
// orchestration costs when the stages do real work.
//
// Usage: node dist/bench/scale/run.js [--workflows N] [--concurrency C] [--real-workflows R]
// Env: AUTOINTEL_TEST_DATABASE_URL, AUTOINTEL_TEST_REDIS_URL (defaults: local servers).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createAcquirer } from '../../src/analysis/acquire/index.js';
import { AnalysisPool } from '../../src/analysis/analyse/pool.js';
import { createAnalysisPipeline } from '../../src/analysis/pipeline.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { memoryPartials, type Pipeline, type Stage } from '../../src/core/stage.js';
import { PostgresWorkflowStore } from '../../src/store/postgres/postgres-store.js';
import type { WorkflowRequest } from '../../src/store/store.js';
import { BullmqQueue } from '../../src/workflow/bullmq-queue.js';
import { WorkflowEngine } from '../../src/workflow/engine.js';
import type { WorkflowNotifier } from '../../src/workflow/notifier.js';

const DB = process.env['AUTOINTEL_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env['AUTOINTEL_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`--${name} must be a positive integer, received ${v}`);
  return v;
}

const N = arg('workflows', 200);
const CONCURRENCY = arg('concurrency', 4);
const REAL_N = arg('real-workflows', 60);
const WORKER_COUNTS = [1, 2, 4];
const REAL_WORKER_COUNTS = [1, 2];
const clock = new SystemClock();
const logger = createLogger({ level: 'silent' });

async function dropPrefix(prefix: string): Promise<void> {
  const r = new Redis(REDIS);
  const keys = await r.keys(`${prefix}:*`);
  if (keys.length > 0) await r.del(...keys);
  await r.quit();
}

async function waitUntil(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 20));
}

/** Bare BullMQ: N empty jobs through `workers` Worker instances. Returns jobs/s. */
async function bareBullmq(workers: number): Promise<number> {
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const queue = new Queue('bare', { connection: { url: REDIS }, prefix });
  await queue.addBulk(
    Array.from({ length: N }, (_, i) => ({ name: 'j', data: {}, opts: { jobId: `j${i}` } })),
  );
  let done = 0;
  const started = performance.now();
  const ws = Array.from(
    { length: workers },
    () =>
      new Worker('bare', async () => undefined, {
        connection: { url: REDIS, maxRetriesPerRequest: null },
        prefix,
        concurrency: CONCURRENCY,
      }),
  );
  for (const w of ws) w.on('completed', () => done++);
  await waitUntil(async () => done >= N);
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(ws.map((w) => w.close()));
  await queue.close();
  await dropPrefix(prefix);
  return N / seconds;
}

const noopStage = (name: string, output: () => unknown): Stage => ({
  name,
  weight: 1,
  run: () => Promise.resolve({ kind: 'completed', output: output() }),
});
const pipeline: Pipeline = {
  stagesFor: () => [
    noopStage('acquire', () => ({ text: 'x' })),
    noopStage('analyse', () => ({ ok: true })),
    noopStage('report', () => ({ source: { title: 'bench' }, summary: 'nothing' })),
  ],
};
const notifier: WorkflowNotifier = {
  progress: () => Promise.resolve(),
  deliverReport: () => Promise.resolve({ kind: 'delivered' }),
  deliverOutcome: () => Promise.resolve({ kind: 'delivered' }),
};

function engineFor(
  store: PostgresWorkflowStore,
  queue: BullmqQueue,
  owner: string,
  stages: Pipeline = pipeline,
): WorkflowEngine {
  return new WorkflowEngine({
    store,
    queue,
    pipeline: stages,
    notifier,
    clock,
    logger,
    owner,
    leaseMs: 30_000,
    retry: { baseMs: 1000, maxMs: 60_000, maxAttempts: 5 },
    limits: { perUserPerHour: 0, perGuildConcurrent: 1000 },
    freshnessMs: 0,
    retentionMs: 86_400_000,
    concurrency: CONCURRENCY,
    progressIntervalMs: 60_000,
  });
}

/** N workflows (no-op stages unless `real` is given) through the real engine, queue and store. Returns workflows/s. */
async function autointel(workers: number, real?: RealSetup): Promise<number> {
  const count = real === undefined ? N : REAL_N;
  const stages = real?.pipeline ?? pipeline;
  const schema = `autointel_bench_${randomBytes(4).toString('hex')}`;
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const stores: PostgresWorkflowStore[] = [];
  const openStore = (): PostgresWorkflowStore => {
    const s = new PostgresWorkflowStore({ connectionString: DB, schema, maxConnections: CONCURRENCY + 2 });
    stores.push(s);
    return s;
  };
  const base = openStore();
  await base.migrate();
  const front = new BullmqQueue({ redisUrl: REDIS, prefix, store: base, owner: 'front', leaseMs: 30_000 });
  const frontEngine = engineFor(base, front, 'front', stages);
  const request = (i: number): WorkflowRequest => ({
    url: real === undefined ? `https://example.com/${i}` : real.url(i),
    depth: 'standard',
    requesterId: `u${i % 10}`,
    guildId: `g${i % 5}`,
    channelId: null,
    interactionId: `bench-${i}`,
    origin: 'cli',
    delivery: {},
  });
  for (let i = 0; i < count; i++) await frontEngine.start(request(i));

  const instances = Array.from({ length: workers }, (_, i) => {
    const store = openStore();
    const owner = `bench-worker-${i}`;
    const queue = new BullmqQueue({
      redisUrl: REDIS,
      prefix,
      store,
      owner,
      leaseMs: 30_000,
      reconcileIntervalMs: 0,
    });
    return { queue, engine: engineFor(store, queue, owner, stages) };
  });
  const started = performance.now();
  await Promise.all(instances.map((w) => w.queue.start(w.engine.runClaimed, { concurrency: CONCURRENCY })));
  const counter = new pg.Client({ connectionString: DB });
  await counter.connect();
  await waitUntil(async () => {
    const r = await counter.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}.workflows WHERE status IN ('completed', 'failed', 'cancelled')`,
    );
    return Number(r.rows[0]?.n ?? 0) >= count;
  });
  const seconds = (performance.now() - started) / 1000;
  const failed = await counter.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${schema}.workflows WHERE status <> 'completed'`,
  );
  if (Number(failed.rows[0]?.n ?? 0) > 0) throw new Error(`${failed.rows[0]?.n} workflows did not complete`);
  await Promise.all(instances.map((w) => w.queue.close({ graceMs: 1000 })));
  await front.close();
  await Promise.all(stores.map((s) => s.close()));
  await counter.query(`DROP SCHEMA ${schema} CASCADE`);
  await counter.end();
  await dropPrefix(prefix);
  return count / seconds;
}

interface RealSetup {
  readonly pipeline: Pipeline;
  readonly url: (i: number) => string;
}

/** Small, distinct article pages on 127.0.0.1 (the same shape the scale-out e2e suite serves). */
function startPageServer(): Promise<{ server: Server; base: string }> {
  const topics = ['harbour', 'railway', 'library', 'reservoir', 'school', 'bridge', 'clinic', 'market'];
  const server = createServer((req, res) => {
    const n = Number(/^\/page\/(\d+)$/.exec(req.url ?? '')?.[1] ?? Number.NaN);
    if (!Number.isInteger(n)) {
      res.writeHead(404).end();
      return;
    }
    const topic = topics[n % topics.length] ?? 'harbour';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><title>Report ${n}</title></head><body><article>` +
        `<h1>Council report ${n}: the ${topic} plan</h1>` +
        `<p>The city council approved ${n + 12} million euros for the ${topic} on Tuesday, Mayor Ana Ruiz said.</p>` +
        `<p>According to the council, ${(n % 40) + 10} percent of residents use the ${topic} every week.</p>` +
        `<p>Critics argue the ${topic} budget rose by ${(n % 9) + 2} percent since 2021 while services fell.</p>` +
        `<p>Work starts in ${2026 + (n % 3)} and the council expects it to take ${(n % 5) + 2} years.</p>` +
        `</article></body></html>`,
    );
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

/** The floor: the same stages called directly, CONCURRENCY at a time, outputs passed on as JSON like checkpoints. */
async function pipelineAlone(real: RealSetup, offset: number): Promise<number> {
  const controller = new AbortController();
  let next = 0;
  const one = async (): Promise<void> => {
    for (let i = next++; i < REAL_N; i = next++) {
      const outputs: Record<string, unknown> = {};
      for (const stage of real.pipeline.stagesFor('standard')) {
        const outcome = await stage.run(
          { workflowId: `floor-${i}`, url: real.url(offset + i), depth: 'standard', outputs },
          {
            signal: controller.signal,
            clock,
            logger,
            progress: () => undefined,
            partials: memoryPartials(stage.name, outputs),
          },
        );
        if (outcome.kind === 'failed') throw outcome.error;
        outputs[stage.name] = JSON.parse(JSON.stringify(outcome.output)) as unknown;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, one));
  return REAL_N / ((performance.now() - started) / 1000);
}

async function realRows(): Promise<string[]> {
  const pages = await startPageServer();
  const workDir = mkdtempSync(join(tmpdir(), 'autointel-bench-'));
  const analysis = new AnalysisPool({ size: 2 });
  const base: RealSetup = {
    pipeline: createAnalysisPipeline({
      acquirer: createAcquirer({
        clock,
        logger,
        allowPrivateNetworks: true,
        maxBytes: 1024 * 1024,
        ytDlpPath: 'yt-dlp',
        ffmpegPath: 'ffmpeg',
        workDir,
        allowLocalFiles: false,
      }),
      analysis,
      transcription: null,
    }),
    url: (i) => `${pages.base}/page/${i}`,
  };
  const rows: string[] = [];
  try {
    // Warm-up: the pool's threads load their models before anything is timed.
    await pipelineAlone({ ...base, url: (i) => base.url(100_000 + i) }, 0);
    let offset = 0;
    for (const workers of REAL_WORKER_COUNTS) {
      offset += REAL_N;
      const floor = await pipelineAlone(base, offset);
      offset += REAL_N;
      const shifted = offset;
      const ours = await autointel(workers, { ...base, url: (i) => base.url(shifted + i) });
      rows.push(
        `${String(workers).padStart(7)}  ${floor.toFixed(1).padStart(19)}  ${ours.toFixed(1).padStart(18)}  ${(ours / floor).toFixed(3).padStart(9)}`,
      );
    }
  } finally {
    await analysis.close();
    await new Promise<void>((r) => pages.server.close(() => r()));
    rmSync(workDir, { recursive: true, force: true });
  }
  return rows;
}

async function main(): Promise<void> {
  process.stdout.write(
    `scale bench: ${N} workflows, ${CONCURRENCY} jobs at once per worker instance, no-op stages (in-process workers)\n\n`,
  );
  const rows: string[] = [];
  for (const workers of WORKER_COUNTS) {
    const bare = await bareBullmq(workers);
    const ours = await autointel(workers);
    rows.push(
      `${String(workers).padStart(7)}  ${bare.toFixed(1).padStart(17)}  ${ours.toFixed(1).padStart(18)}  ${(ours / bare).toFixed(3).padStart(9)}`,
    );
  }
  process.stdout.write(`workers  bare BullMQ jobs/s  autointel wf/s      ratio\n${rows.join('\n')}\n`);
  process.stdout.write(
    `\nreal analysis: ${REAL_N} standard-depth workflows of small local pages, ${CONCURRENCY} jobs at once, one AnalysisPool of 2 threads\n\n`,
  );
  const real = await realRows();
  process.stdout.write(`workers  pipeline alone wf/s  autointel wf/s      ratio\n${real.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
