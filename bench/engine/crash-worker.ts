// A worker process for the crash test: the engine on a SQLite file, a slow 3-stage pipeline, and a harness
// database recording every stage start/end, checkpoint write and delivery, so a parent can kill -9 it at will.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import type { Pipeline, Stage, StageInput, StageContext, StageOutcome } from '../../src/core/stage.js';
import type { RunLease, StoredReport, WorkflowRecord, WorkflowStore } from '../../src/store/store.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import { EmbeddedQueue } from '../../src/workflow/embedded-queue.js';
import { WorkflowEngine } from '../../src/workflow/engine.js';
import type { DeliveryResult, WorkflowNotifier } from '../../src/workflow/notifier.js';

const [dataDir, countArg, owner] = process.argv.slice(2);
if (dataDir === undefined || countArg === undefined || owner === undefined) {
  process.stderr.write('usage: crash-worker <dataDir> <count> <owner>\n');
  process.exit(2);
}
const count = Number(countArg);
const STAGE_MS = Number(process.env['CRASH_STAGE_MS'] ?? '80');

const harness = new Database(join(dataDir, 'harness.db'));
harness.pragma('journal_mode = WAL');
harness.pragma('busy_timeout = 5000');
harness.exec(`
  CREATE TABLE IF NOT EXISTS stage_events (workflow_id TEXT, stage TEXT, event TEXT, owner TEXT);
  CREATE TABLE IF NOT EXISTS checkpoint_writes (workflow_id TEXT, stage TEXT, already_present INTEGER, owner TEXT);
  CREATE TABLE IF NOT EXISTS delivery_calls (workflow_id TEXT, owner TEXT);
  CREATE TABLE IF NOT EXISTS deliveries (workflow_id TEXT, report_id TEXT, checkpoints INTEGER, owner TEXT);
`);
const stageEvent = harness.prepare('INSERT INTO stage_events VALUES (?, ?, ?, ?)');
const checkpointWrite = harness.prepare('INSERT INTO checkpoint_writes VALUES (?, ?, ?, ?)');
const deliveryCall = harness.prepare('INSERT INTO delivery_calls VALUES (?, ?)');
const delivered = harness.prepare('SELECT COUNT(*) AS n FROM deliveries WHERE workflow_id = ?');
const deliver = harness.prepare('INSERT INTO deliveries VALUES (?, ?, ?, ?)');

const clock = new SystemClock();
const logger = createLogger({ level: 'warn', name: owner, destination: process.stderr });
const sqlite = new SqliteWorkflowStore({ filename: join(dataDir, 'autointel.db') });

// Records every checkpoint write and whether the stage already had one (a finished stage run again).
const store: WorkflowStore = new Proxy(sqlite, {
  get(target, prop, receiver) {
    const value: unknown = Reflect.get(target, prop, receiver);
    if (prop !== 'saveCheckpoint' || typeof value !== 'function') {
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    }
    return async (run: RunLease, stage: string, output: unknown, now: number) => {
      const present = Object.hasOwn(await target.getCheckpoints(run.workflowId), stage);
      checkpointWrite.run(run.workflowId, stage, present ? 1 : 0, owner);
      return target.saveCheckpoint(run, stage, output, now);
    };
  },
});

function slowStage(name: string): Stage {
  return {
    name,
    weight: 1,
    async run(input: StageInput, ctx: StageContext): Promise<StageOutcome> {
      stageEvent.run(input.workflowId, name, 'start', owner);
      let digest = createHash('sha256').update(input.url).update(name).digest();
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 100; j++) digest = createHash('sha256').update(digest).digest();
        await ctx.clock.sleep(STAGE_MS / 4, ctx.signal);
        ctx.progress((i + 1) / 4);
      }
      stageEvent.run(input.workflowId, name, 'end', owner);
      const output =
        name === 'report'
          ? {
              source: { title: `Report ${input.url}` },
              digest: digest.toString('hex'),
              from: Object.keys(input.outputs),
            }
          : { digest: digest.toString('hex') };
      return { kind: 'completed', output };
    },
  };
}
const stages = [slowStage('acquire'), slowStage('analyse'), slowStage('report')];
const pipeline: Pipeline = { stagesFor: () => stages };

// Stands in for the delivery outbox: a part confirmed by "Discord" and its record are one transaction here,
// which is what the outbox's per-part record gives the real bot.
const notifier: WorkflowNotifier = {
  async progress(): Promise<void> {},
  async deliverReport(workflow: WorkflowRecord, report: StoredReport): Promise<DeliveryResult> {
    const checkpoints = Object.keys(await sqlite.getCheckpoints(workflow.id)).length;
    harness.transaction(() => {
      deliveryCall.run(workflow.id, owner);
      if ((delivered.get(workflow.id) as { n: number }).n === 0)
        deliver.run(workflow.id, report.id, checkpoints, owner);
    })();
    return { kind: 'delivered' };
  },
  async deliverOutcome(): Promise<DeliveryResult> {
    return { kind: 'delivered' };
  },
};

const leaseMs = Number(process.env['CRASH_LEASE_MS'] ?? '1500');
const queue = new EmbeddedQueue({ store, clock, logger, owner, leaseMs, pollMs: 100, perGuildLimit: 8 });
const engine = new WorkflowEngine({
  store,
  queue,
  pipeline,
  notifier,
  clock,
  logger,
  owner,
  leaseMs,
  retry: { baseMs: 100, maxMs: 1000, maxAttempts: 1000 },
  limits: { perUserPerHour: 0, perGuildConcurrent: 8 },
  freshnessMs: 0,
  retentionMs: 86_400_000,
  concurrency: 6,
  progressIntervalMs: 50,
});

process.on('SIGTERM', () => {
  engine
    .stop({ graceMs: 2000 })
    .then(() => sqlite.close())
    .then(
      () => {
        harness.close();
        process.exit(0);
      },
      () => process.exit(1),
    );
});

await sqlite.migrate();
await engine.resumeAll();
process.stdout.write('consuming\n');
// Every restart asks again for all of them: the interaction id makes each start idempotent.
for (let i = 0; i < count; i++) {
  await engine.start({
    url: `https://example.com/crash/${i}`,
    depth: 'standard',
    requesterId: `user-${i % 7}`,
    guildId: `guild-${i % 3}`,
    channelId: null,
    interactionId: `crash-${i}`,
    origin: 'cli',
    delivery: {},
  });
}
process.stdout.write('started\n');
