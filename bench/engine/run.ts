// Engine throughput on SQLite vs a bare better-sqlite3 loop writing the same rows, and peak RSS with 1,000 queued.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import type { Pipeline, Stage } from '../../src/core/stage.js';
import type { WorkflowRequest } from '../../src/store/store.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import { EmbeddedQueue } from '../../src/workflow/embedded-queue.js';
import { WorkflowEngine } from '../../src/workflow/engine.js';
import type { WorkflowNotifier } from '../../src/workflow/notifier.js';

const N = Number(process.env['BENCH_WORKFLOWS'] ?? '2000');
const QUEUED = 1000;
const STAGES = ['acquire', 'analyse', 'report'];

const noop = (name: string): Stage => ({
  name,
  weight: 1,
  run: async () => ({
    kind: 'completed',
    output: name === 'report' ? { source: { title: 'bench' }, n: 1 } : {},
  }),
});
const pipeline: Pipeline = { stagesFor: () => STAGES.map(noop) };
const request = (i: number): WorkflowRequest => ({
  url: `https://example.com/bench/${i}`,
  depth: 'standard',
  requesterId: `u${i % 50}`,
  guildId: `g${i % 10}`,
  channelId: null,
  interactionId: `bench-${i}`,
  origin: 'cli',
  delivery: {},
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function engineRun(
  dir: string,
  count: number,
  sampleRss: boolean,
): Promise<{ seconds: number; peakRss: number; queuedRss: number }> {
  const clock = new SystemClock();
  const logger = createLogger({ level: 'error', destination: process.stderr });
  const store = new SqliteWorkflowStore({ filename: join(dir, 'engine.db') });
  await store.migrate();
  let delivered = 0;
  const notifier: WorkflowNotifier = {
    progress: async () => {},
    deliverReport: async () => {
      delivered++;
      return { kind: 'delivered' };
    },
    deliverOutcome: async () => ({ kind: 'delivered' }),
  };
  const queue = new EmbeddedQueue({
    store,
    clock,
    logger,
    owner: 'bench',
    leaseMs: 30_000,
    pollMs: 50,
    perGuildLimit: 64,
  });
  const engine = new WorkflowEngine({
    store,
    queue,
    pipeline,
    notifier,
    clock,
    logger,
    owner: 'bench',
    leaseMs: 30_000,
    retry: { baseMs: 100, maxMs: 1000, maxAttempts: 5 },
    limits: { perUserPerHour: 0, perGuildConcurrent: 64 },
    freshnessMs: 0,
    retentionMs: 86_400_000,
    concurrency: 8,
  });
  let peakRss = process.memoryUsage().rss;
  let sampling = sampleRss;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      await sleep(20);
    }
  })();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await engine.start(request(i));
  const queuedRss = process.memoryUsage().rss;
  await engine.resumeAll();
  while (delivered < count || (await store.countRunning({})) > 0) await sleep(20);
  const seconds = (performance.now() - t0) / 1000;
  sampling = false;
  await sampler;
  await engine.stop({ graceMs: 1000 });
  await store.close();
  return { seconds, peakRss, queuedRss };
}

/** The same row writes as the engine makes per workflow, in a plain synchronous loop (autocommit each). */
function bareRun(dir: string, count: number): number {
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  for (const m of SQLITE_MIGRATIONS) db.exec(m.sql);
  const insert = db.prepare(
    `INSERT INTO workflows (id, request, url, depth, requester_id, guild_id, interaction_id, status, created_at, updated_at, run_after)
     VALUES (?, ?, ?, 'standard', ?, ?, ?, 'queued', ?, ?, ?)`,
  );
  const claim = db.prepare(
    `UPDATE workflows SET status = 'running', lease_owner = 'bare', lease_expires_at = ?, attempts = attempts + 1,
       started_at = ?, updated_at = ? WHERE id = ?`,
  );
  const progress = db.prepare('UPDATE workflows SET progress = ?, updated_at = ? WHERE id = ?');
  const checkpoint = db.prepare(
    'INSERT INTO checkpoints (workflow_id, stage, output, created_at) VALUES (?, ?, ?, ?)',
  );
  const report = db.prepare(
    `INSERT INTO reports (id, workflow_id, url, depth, report, title, created_at) VALUES (?, ?, ?, 'standard', ?, 'bench', ?)`,
  );
  const fts = db.prepare('INSERT INTO reports_fts (report_id, title, body) VALUES (?, ?, ?)');
  const delivery = db.prepare('UPDATE workflows SET delivery_state = ?, updated_at = ? WHERE id = ?');
  const complete = db.prepare(
    `UPDATE workflows SET status = 'completed', lease_owner = NULL, report_id = ?, finished_at = ?, updated_at = ? WHERE id = ?`,
  );
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const r = request(i);
    const now = Date.now();
    insert.run(id, JSON.stringify(r), r.url, r.requesterId, r.guildId, r.interactionId, now, now, now);
    claim.run(now + 30_000, now, now, id);
    for (const s of STAGES) {
      progress.run(JSON.stringify({ stage: s, percent: 0, message: s, updatedAt: now }), now, id);
      checkpoint.run(id, s, s === 'report' ? '{"source":{"title":"bench"},"n":1}' : '{}', now);
    }
    db.transaction(() => {
      report.run(id, id, r.url, '{"source":{"title":"bench"},"n":1}', now);
      fts.run(id, 'bench', 'bench');
    })();
    delivery.run('delivering', now, id);
    delivery.run('delivered', now, id);
    complete.run(id, now, now, id);
  }
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return seconds;
}

const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;

const dir = mkdtempSync(join(tmpdir(), 'autointel-bench-'));
try {
  const baseRss = process.memoryUsage().rss;
  const bareSeconds = bareRun(dir, N);
  const engine = await engineRun(dir, N, false);
  const engineRate = N / engine.seconds;
  const bareRate = N / bareSeconds;
  process.stdout.write(
    `engine (SQLite, no-op stages, concurrency 8): ${engineRate.toFixed(0)} workflows/s (${N} in ${engine.seconds.toFixed(2)} s)\n` +
      `bare better-sqlite3 loop, same writes:      ${bareRate.toFixed(0)} workflows/s (${N} in ${bareSeconds.toFixed(2)} s)\n` +
      `ratio engine/bare: ${(engineRate / bareRate).toFixed(2)} (target >= 0.5)\n`,
  );
  rmSync(join(dir, 'engine.db'), { force: true });
  const queued = await engineRun(mkdtempSync(join(dir, 'q-')), QUEUED, true);
  process.stdout.write(
    `RSS: at start ${mb(baseRss)}, with ${QUEUED} queued ${mb(queued.queuedRss)}, peak while draining them ${mb(queued.peakRss)}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
