// Scale-out throughput: workflows/s through WorkflowEngine + BullmqQueue + PostgreSQL with 1, 2 and 4 worker
// instances, against bare BullMQ's own throughput for empty jobs on the same Redis, in the same run.
//
// Workers are in-process instances (each its own BullmqQueue, Redis connections, PostgreSQL pool and owner id), not
// OS processes: on a 2-core machine processes would mostly measure Node start-up and scheduler noise. Stages are
// no-ops, so the figure is the orchestration overhead per workflow (claim, checkpoints, report, heartbeats, job
// bookkeeping); delivery goes to a notifier that confirms at once, so Discord is not part of the figure.
//
// Usage: node dist/bench/scale/run.js [--workflows N] [--concurrency C]
// Env: AUTOINTEL_TEST_DATABASE_URL, AUTOINTEL_TEST_REDIS_URL (defaults: local servers).
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import type { Pipeline, Stage } from '../../src/core/stage.js';
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
const WORKER_COUNTS = [1, 2, 4];
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

function engineFor(store: PostgresWorkflowStore, queue: BullmqQueue, owner: string): WorkflowEngine {
  return new WorkflowEngine({
    store,
    queue,
    pipeline,
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

/** N no-op workflows through the real engine, queue and store. Returns workflows/s. */
async function autointel(workers: number): Promise<number> {
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
  const frontEngine = engineFor(base, front, 'front');
  const request = (i: number): WorkflowRequest => ({
    url: `https://example.com/${i}`,
    depth: 'standard',
    requesterId: `u${i % 10}`,
    guildId: `g${i % 5}`,
    channelId: null,
    interactionId: `bench-${i}`,
    origin: 'cli',
    delivery: {},
  });
  for (let i = 0; i < N; i++) await frontEngine.start(request(i));

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
    return { queue, engine: engineFor(store, queue, owner) };
  });
  const started = performance.now();
  await Promise.all(instances.map((w) => w.queue.start(w.engine.runClaimed, { concurrency: CONCURRENCY })));
  const counter = new pg.Client({ connectionString: DB });
  await counter.connect();
  await waitUntil(async () => {
    const r = await counter.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}.workflows WHERE status IN ('completed', 'failed', 'cancelled')`,
    );
    return Number(r.rows[0]?.n ?? 0) >= N;
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
  return N / seconds;
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
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
