// A worker process whose `analyse` stage kills it (SIGKILL, as an out-of-memory kill would): the crash-loop
// drill. It records each stage start and each outcome told to the requester in a harness database.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import type { Pipeline, Stage } from '../../src/core/stage.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import type { WorkflowRecord } from '../../src/store/store.js';
import { EmbeddedQueue } from '../../src/workflow/embedded-queue.js';
import { WorkflowEngine } from '../../src/workflow/engine.js';
import type { DeliveryResult, WorkflowNotifier } from '../../src/workflow/notifier.js';
import { claimLimit, type RetryPolicy } from '../../src/workflow/types.js';

const [dataDir, owner] = process.argv.slice(2);
if (dataDir === undefined || owner === undefined) {
  process.stderr.write('usage: poison-worker <dataDir> <owner>\n');
  process.exit(2);
}
const maxAttempts = Number(process.env['POISON_MAX_ATTEMPTS'] ?? '3');
const leaseMs = Number(process.env['POISON_LEASE_MS'] ?? '300');

const harness = new Database(join(dataDir, 'harness.db'));
harness.pragma('journal_mode = WAL');
harness.pragma('busy_timeout = 5000');
harness.exec(`
  CREATE TABLE IF NOT EXISTS stage_starts (workflow_id TEXT, stage TEXT, owner TEXT);
  CREATE TABLE IF NOT EXISTS outcomes (workflow_id TEXT, status TEXT, message TEXT, owner TEXT);
`);
const stageStart = harness.prepare('INSERT INTO stage_starts VALUES (?, ?, ?)');
const outcome = harness.prepare('INSERT INTO outcomes VALUES (?, ?, ?, ?)');

const stage = (name: string, kills: boolean): Stage => ({
  name,
  weight: 1,
  async run(input, ctx) {
    stageStart.run(input.workflowId, name, owner);
    ctx.progress(0.5, `running ${name}`);
    // Let the progress write land, so the next claim can name the stage that was running.
    await ctx.clock.sleep(50, ctx.signal);
    if (kills) process.kill(process.pid, 'SIGKILL');
    return { kind: 'completed', output: { stage: name } };
  },
});
const stages = [stage('acquire', false), stage('analyse', true), stage('report', false)];
const pipeline: Pipeline = { stagesFor: () => stages };

const notifier: WorkflowNotifier = {
  async progress(): Promise<void> {},
  async deliverReport(): Promise<DeliveryResult> {
    return { kind: 'delivered' };
  },
  async deliverOutcome(workflow: WorkflowRecord): Promise<DeliveryResult> {
    outcome.run(workflow.id, workflow.status, workflow.lastError?.message ?? null, owner);
    return { kind: 'delivered' };
  },
};

const clock = new SystemClock();
const logger = createLogger({ level: 'warn', name: owner, destination: process.stderr });
const store = new SqliteWorkflowStore({ filename: join(dataDir, 'autointel.db') });
const retry: RetryPolicy = { baseMs: 50, maxMs: 200, maxAttempts };
const queue = new EmbeddedQueue({
  store,
  clock,
  logger,
  owner,
  leaseMs,
  pollMs: 50,
  maxAttempts: claimLimit(retry),
});
const engine = new WorkflowEngine({
  store,
  queue,
  pipeline,
  notifier,
  clock,
  logger,
  owner,
  leaseMs,
  retry,
  limits: { perUserPerHour: 0, perGuildConcurrent: 4 },
  freshnessMs: 0,
  retentionMs: 86_400_000,
  progressIntervalMs: 0,
});

process.on('SIGTERM', () => {
  engine
    .stop({ graceMs: 500 })
    .then(() => store.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});

await store.migrate();
await engine.resumeAll();
// Idempotent on the interaction id: every launch asks again, one workflow exists.
await engine.start({
  url: 'https://example.org/poison',
  depth: 'standard',
  requesterId: 'u',
  guildId: null,
  channelId: null,
  interactionId: 'poison-1',
  origin: 'cli',
  delivery: {},
});
process.stdout.write('consuming\n');
