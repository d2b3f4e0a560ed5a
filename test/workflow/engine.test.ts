// The engine driven through real stages on SQLite with an adjustable clock: resume, retry, fail, cancel, limits.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdjustableClock } from '../../src/core/clock.js';
import { RetryLaterError } from '../../src/core/errors.js';
import type { Stage } from '../../src/core/stage.js';
import type { WorkflowStore } from '../../src/store/store.js';
import { EmbeddedQueue } from '../../src/workflow/embedded-queue.js';
import { WORKER_READY_MESSAGE, WorkflowEngine } from '../../src/workflow/engine.js';
import type { WorkflowEngineOptions } from '../../src/workflow/types.js';
import {
  Gate,
  RecordingNotifier,
  RunLog,
  flaky,
  hashing,
  killable,
  memoryLogger,
  permanentFailure,
  pipelineOf,
  reporting,
  req,
  sleeping,
  stage,
  statusOf,
  tempSqlite,
  waitFor,
} from './support.js';

const LEASE = 30_000;

interface Harness {
  engine: WorkflowEngine;
  queue: EmbeddedQueue;
  notifier: RecordingNotifier;
  lines: () => { msg?: string }[];
}

describe('WorkflowEngine', () => {
  let db: ReturnType<typeof tempSqlite>;
  let clock: AdjustableClock;
  let log: RunLog;
  const engines: WorkflowEngine[] = [];

  beforeEach(async () => {
    db = tempSqlite();
    await db.store.migrate();
    clock = new AdjustableClock(1_700_000_000_000);
    log = new RunLog();
  });
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop({ graceMs: 0 });
    await db.cleanup();
  });

  async function build(
    stages: readonly Stage[],
    overrides: Partial<WorkflowEngineOptions> & {
      owner?: string;
      store?: WorkflowStore;
      perGuildLimit?: number;
      startConsuming?: boolean;
    } = {},
  ): Promise<Harness> {
    const store = overrides.store ?? db.store;
    const owner = overrides.owner ?? 'worker-a';
    const { logger, lines } = memoryLogger();
    const notifier = new RecordingNotifier({ store, clock });
    const limits = overrides.limits ?? { perUserPerHour: 0, perGuildConcurrent: 10 };
    const queue = new EmbeddedQueue({
      store,
      clock,
      logger,
      owner,
      leaseMs: LEASE,
      pollMs: 10,
      perGuildLimit: overrides.perGuildLimit ?? limits.perGuildConcurrent,
    });
    const engine = new WorkflowEngine({
      store,
      queue,
      pipeline: pipelineOf(stages),
      notifier,
      clock,
      logger,
      owner,
      leaseMs: LEASE,
      retry: { baseMs: 1000, maxMs: 8000, maxAttempts: 4 },
      limits,
      freshnessMs: 0,
      retentionMs: 7 * 86_400_000,
      concurrency: 4,
      progressIntervalMs: 0,
      random: () => 1,
      ...overrides,
    });
    engines.push(engine);
    if (overrides.startConsuming !== false) await engine.resumeAll();
    return { engine, queue, notifier, lines };
  }

  const threeStages = (): Stage[] => [
    stage('acquire', log, hashing(3)),
    stage('analyse', log, sleeping(500)),
    stage('report', log, reporting),
  ];

  it('runs every stage in order, checkpoints each before the next starts, stores and delivers the report once', async () => {
    const checkpointsSeenByAnalyse: string[][] = [];
    const stages = [
      stage('acquire', log, hashing(2)),
      stage('analyse', log, async (input, ctx) => {
        checkpointsSeenByAnalyse.push(Object.keys(await db.store.getCheckpoints(input.workflowId)));
        ctx.progress(0.5, 'halfway');
        return { kind: 'completed', output: { sawAcquire: 'acquire' in input.outputs } };
      }),
      stage('report', log, reporting),
    ];
    const h = await build(stages);
    const out = await h.engine.start(req());
    expect(out.kind).toBe('started');
    const id = out.kind === 'started' ? out.workflow.id : '';
    await waitFor(async () => (await statusOf(db.store, id)) === 'completed', 'completion');

    expect(checkpointsSeenByAnalyse).toEqual([['acquire']]);
    expect(Object.keys(await db.store.getCheckpoints(id))).toEqual(['acquire', 'analyse', 'report']);
    const rec = await db.store.getWorkflow(id);
    expect(rec).toMatchObject({ status: 'completed', reportId: id, deliveryState: 'delivered', attempts: 1 });
    const stored = await db.store.getReport(id);
    expect(stored?.report).toMatchObject({ from: ['acquire', 'analyse'] });
    expect(h.notifier.reportsFor(id)).toBe(1);
    expect(h.notifier.progressCalls.some((w) => w.progress?.message === 'halfway')).toBe(true);
    const hits = await db.store.searchReports('glaciers', { limit: 5, scope: { kind: 'operator' } });
    expect(hits.map((x) => x.workflowId)).toEqual([id]);
    expect(hits[0]?.title).toBe('Report on https://example.com/a');
  });

  it('logs the worker-ready line exactly once when the queue is consuming', async () => {
    const h = await build(threeStages());
    await h.engine.resumeAll();
    expect(h.lines().filter((l) => l.msg === WORKER_READY_MESSAGE)).toHaveLength(1);
  });

  it('resumes after a crash at the first unfinished stage: finished stages are not re-run', async () => {
    const gate = new Gate();
    const stages = [
      stage('acquire', log, hashing(2)),
      stage('transcribe', log, sleeping(10)),
      stage('analyse', log, gate.body),
      stage('report', log, reporting),
    ];
    const a = killable(db.store);
    const first = await build(stages, { owner: 'process-a', store: a.store });
    const out = await first.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    await waitFor(() => gate.entered.includes(id), 'analyse stage to start on process A');
    a.kill();

    const second = await build(stages, { owner: 'process-b' });
    // B cannot take it while A's lease lives…
    clock.advance(LEASE - 1000);
    await new Promise((r) => setTimeout(r, 50));
    expect((await db.store.getWorkflow(id))?.leaseOwner).toBe('process-a');
    // …and takes it once the lease of the dead process expired.
    clock.advance(2000);
    await waitFor(() => gate.entered.filter((x) => x === id).length === 2, 'analyse to restart on process B');
    gate.open(id);
    await waitFor(async () => (await statusOf(db.store, id)) === 'completed', 'completion on B');

    expect(log.startsOf(id, 'acquire')).toBe(1);
    expect(log.startsOf(id, 'transcribe')).toBe(1);
    expect(log.startsOf(id, 'analyse')).toBe(2);
    expect(log.startsOf(id, 'report')).toBe(1);
    expect(await db.store.getWorkflow(id)).toMatchObject({
      attempts: 2,
      leaseOwner: null,
      deliveryState: 'delivered',
    });
    expect(second.notifier.reportsFor(id)).toBe(1);
    expect(first.notifier.reportsFor(id)).toBe(0);
    a.reap();
  });

  it('retries transient failures with capped exponential backoff, then succeeds', async () => {
    const stages = [stage('acquire', log, flaky(2)), stage('report', log, reporting)];
    const h = await build(stages);
    const out = await h.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    const delays: number[] = [];
    for (const expected of [1000, 2000]) {
      await waitFor(
        async () => {
          const r = await db.store.getWorkflow(id);
          return r?.status === 'queued' && r.attempts === delays.length + 1;
        },
        `release #${delays.length + 1}`,
      );
      const r = await db.store.getWorkflow(id);
      delays.push((r?.runAfter ?? 0) - (r?.updatedAt ?? 0));
      expect(r?.lastError).toEqual({
        code: 'source.unavailable',
        message: 'The source is temporarily unavailable.',
      });
      // Not due yet: nothing runs before the backoff elapses.
      await new Promise((res) => setTimeout(res, 30));
      expect(log.startsOf(id, 'acquire')).toBe(delays.length);
      clock.advance(expected);
    }
    await waitFor(async () => (await statusOf(db.store, id)) === 'completed', 'completion after retries');
    expect(delays).toEqual([1000, 2000]);
    expect(log.startsOf(id, 'acquire')).toBe(3);
    expect(h.notifier.reportsFor(id)).toBe(1);
  });

  it("a stage's partial results survive a retry: the next run loads what the failed run saved", async () => {
    const seenOnEachRun: unknown[][] = [];
    let runs = 0;
    const chunked = stage('transcribe', log, async (_input, ctx) => {
      runs++;
      seenOnEachRun.push([ctx.partials.load('chunk:0'), ctx.partials.load('chunk:1')]);
      if (ctx.partials.load('chunk:0') === undefined) await ctx.partials.save('chunk:0', { words: 'one' });
      if (runs === 1) {
        return {
          kind: 'failed',
          error: new RetryLaterError('stt.unavailable', 'engine down', { userMessage: 'Try later.' }),
        };
      }
      await ctx.partials.save('chunk:1', { words: 'two' });
      return {
        kind: 'completed',
        output: { chunks: [ctx.partials.load('chunk:0'), ctx.partials.load('chunk:1')] },
      };
    });
    const h = await build([chunked, stage('report', log, reporting)]);
    const out = await h.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    await waitFor(
      async () => (await statusOf(db.store, id)) === 'queued' && runs === 1,
      'first run released',
    );
    clock.advance(1000);
    await waitFor(async () => (await statusOf(db.store, id)) === 'completed', 'completion');
    expect(seenOnEachRun).toEqual([
      [undefined, undefined],
      [{ words: 'one' }, undefined],
    ]);
    const checkpoints = await db.store.getCheckpoints(id);
    expect(checkpoints['transcribe']).toEqual({ chunks: [{ words: 'one' }, { words: 'two' }] });
    expect(checkpoints['transcribe#chunk:1']).toEqual({ words: 'two' });
  });

  it('honours a retryAfterMs longer than the backoff', async () => {
    const h = await build([stage('acquire', log, flaky(1, 5000)), stage('report', log, reporting)]);
    const out = await h.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    await waitFor(
      async () => (await statusOf(db.store, id)) === 'queued' && log.startsOf(id, 'acquire') === 1,
      'release',
    );
    const r = await db.store.getWorkflow(id);
    expect((r?.runAfter ?? 0) - (r?.updatedAt ?? 0)).toBe(5000);
  });

  it('caps a hostile retryAfterMs (Retry-After: 31536000, a year) at the retry maximum', async () => {
    const year = 31_536_000 * 1000;
    const h = await build([stage('acquire', log, flaky(1, year)), stage('report', log, reporting)], {
      retry: { baseMs: 10, maxMs: 60_000, maxAttempts: 5 },
    });
    const out = await h.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    await waitFor(
      async () => (await statusOf(db.store, id)) === 'queued' && log.startsOf(id, 'acquire') === 1,
      'release',
    );
    const r = await db.store.getWorkflow(id);
    expect((r?.runAfter ?? 0) - (r?.updatedAt ?? 0)).toBe(60_000);
  });

  it('fails after maxAttempts transient failures and tells the requester', async () => {
    const h = await build([stage('acquire', log, flaky(100)), stage('report', log, reporting)], {
      retry: { baseMs: 10, maxMs: 20, maxAttempts: 3 },
    });
    const out = await h.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    for (let i = 0; i < 10 && (await statusOf(db.store, id)) !== 'failed'; i++) {
      await waitFor(async () => (await statusOf(db.store, id)) !== 'running', 'a settled attempt');
      clock.advance(20);
    }
    await waitFor(async () => (await statusOf(db.store, id)) === 'failed', 'final failure');
    expect(log.startsOf(id, 'acquire')).toBe(3);
    expect(log.startsOf(id, 'report')).toBe(0);
    expect(h.notifier.outcomes).toEqual([
      {
        workflowId: id,
        status: 'failed',
        code: 'source.unavailable',
        message: 'The source is temporarily unavailable.',
      },
    ]);
  });

  it('fails a permanent error at once with the user-safe message, running no later stage', async () => {
    const h = await build([stage('acquire', log, permanentFailure), stage('report', log, reporting)]);
    const out = await h.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    await waitFor(async () => (await statusOf(db.store, id)) === 'failed', 'failure');
    expect(await db.store.getWorkflow(id)).toMatchObject({
      attempts: 1,
      lastError: { code: 'acquire.unsupported', message: 'This kind of link is not supported.' },
    });
    expect(log.startsOf(id, 'report')).toBe(0);
    expect(h.notifier.outcomes).toEqual([
      {
        workflowId: id,
        status: 'failed',
        code: 'acquire.unsupported',
        message: 'This kind of link is not supported.',
      },
    ]);
    expect(h.notifier.reports).toEqual([]);
  });

  it('a failure whose notice could not be delivered is retried without re-running the stage', async () => {
    const h = await build([stage('acquire', log, permanentFailure), stage('report', log, reporting)]);
    h.notifier.outcomeScript.push({ kind: 'retry', delayMs: 700 });
    const out = await h.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    await waitFor(async () => (await statusOf(db.store, id)) === 'queued', 'release for the notice');
    clock.advance(700);
    await waitFor(async () => (await statusOf(db.store, id)) === 'failed', 'failure');
    expect(log.startsOf(id, 'acquire')).toBe(1);
    expect(h.notifier.outcomes).toHaveLength(1);
  });

  it('cancellation in the same process reaches the running stage’s signal and the requester is told', async () => {
    const gate = new Gate();
    const h = await build([stage('acquire', log, gate.body), stage('report', log, reporting)]);
    const out = await h.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    await waitFor(() => gate.entered.includes(id), 'stage start');
    const rec = await h.engine.cancel(id, 'user-1');
    expect(rec).toMatchObject({ status: 'running', cancelRequested: true });
    await waitFor(async () => (await statusOf(db.store, id)) === 'cancelled', 'cancelled');
    expect(gate.abortReasons).toHaveLength(1);
    expect(gate.abortReasons[0]).toMatchObject({ code: 'workflow.cancel_requested' });
    expect(h.notifier.outcomes).toEqual([
      {
        workflowId: id,
        status: 'cancelled',
        code: 'workflow.cancelled',
        message: 'The analysis was cancelled.',
      },
    ]);
    expect(log.startsOf(id, 'report')).toBe(0);
  });

  it('cancellation from another process arrives through the heartbeat', async () => {
    const gate = new Gate();
    const h = await build([stage('acquire', log, gate.body), stage('report', log, reporting)]);
    const out = await h.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    await waitFor(() => gate.entered.includes(id), 'stage start');
    await db.store.requestCancel(id, clock.now());
    await new Promise((r) => setTimeout(r, 30));
    expect(gate.abortReasons).toHaveLength(0);
    clock.advance(LEASE / 3);
    await waitFor(async () => (await statusOf(db.store, id)) === 'cancelled', 'cancelled via heartbeat');
    expect(gate.abortReasons[0]).toMatchObject({ code: 'workflow.cancel_requested' });
    expect(h.notifier.outcomes.map((o) => o.status)).toEqual(['cancelled']);
  });

  it('cancelling a queued workflow cancels it at once and tells the requester; it never runs', async () => {
    const h = await build(threeStages(), { startConsuming: false });
    const out = await h.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    expect(await h.engine.cancel(id, 'user-1')).toMatchObject({ status: 'cancelled' });
    await waitFor(() => h.notifier.outcomes.length === 1, 'cancel notice');
    await h.engine.resumeAll();
    await new Promise((r) => setTimeout(r, 50));
    expect(log.startsOf(id, 'acquire')).toBe(0);
    expect(h.notifier.outcomes[0]).toMatchObject({ workflowId: id, status: 'cancelled' });
  });

  it('refuses a requester over the hourly quota with a clear message; others and later requests pass', async () => {
    const h = await build(threeStages(), {
      limits: { perUserPerHour: 2, perGuildConcurrent: 10 },
      startConsuming: false,
    });
    expect((await h.engine.start(req({ requesterId: 'u' }))).kind).toBe('started');
    expect((await h.engine.start(req({ requesterId: 'u' }))).kind).toBe('started');
    const third = await h.engine.start(req({ requesterId: 'u' }));
    expect(third).toEqual({
      kind: 'refused',
      code: 'workflow.quota_exceeded',
      reason: expect.stringMatching(/limit is 2 per hour/) as unknown,
    });
    expect((await h.engine.start(req({ requesterId: 'someone-else' }))).kind).toBe('started');
    expect((await h.engine.start(req({ requesterId: null, origin: 'cli' }))).kind).toBe('started');
    clock.advance(3_600_001);
    expect((await h.engine.start(req({ requesterId: 'u' }))).kind).toBe('started');
  });

  it('is idempotent on the interaction id: one workflow, one delivery', async () => {
    const h = await build(threeStages());
    const a = await h.engine.start(req({ interactionId: 'int-1' }));
    const b = await h.engine.start(req({ interactionId: 'int-1' }));
    expect(a.kind).toBe('started');
    expect(b.kind).toBe('existing');
    const id = a.kind === 'started' ? a.workflow.id : '';
    expect(b.kind === 'existing' ? b.workflow.id : '').toBe(id);
    clock.advance(500);
    await waitFor(async () => (await statusOf(db.store, id)) === 'completed', 'completion');
    expect(await db.store.listWorkflows({})).toHaveLength(1);
    expect(h.notifier.reports).toHaveLength(1);
  });

  it('serves a fresh result from the store as a new delivery-only workflow; stale results run again', async () => {
    const h = await build(threeStages(), { freshnessMs: 600_000 });
    const first = await h.engine.start(req({ url: 'https://example.com/fresh' }));
    const firstId = first.kind === 'started' ? first.workflow.id : '';
    clock.advance(500);
    await waitFor(async () => (await statusOf(db.store, firstId)) === 'completed', 'first completion');

    const second = await h.engine.start(req({ url: 'https://example.com/fresh', requesterId: 'user-2' }));
    expect(second.kind).toBe('cached');
    const secondId = second.kind === 'cached' ? second.workflow.id : '';
    expect(second.kind === 'cached' ? second.sourceWorkflowId : '').toBe(firstId);
    await waitFor(async () => (await statusOf(db.store, secondId)) === 'completed', 'cached completion');
    expect(
      log.startsOf(secondId, 'acquire') +
        log.startsOf(secondId, 'analyse') +
        log.startsOf(secondId, 'report'),
    ).toBe(0);
    expect(h.notifier.reportsFor(secondId)).toBe(1);
    expect((await db.store.getReport(secondId))?.report).toEqual((await db.store.getReport(firstId))?.report);

    expect((await h.engine.start(req({ url: 'https://example.com/fresh', depth: 'deep' }))).kind).toBe(
      'started',
    );
    clock.advance(600_001);
    expect((await h.engine.start(req({ url: 'https://example.com/fresh' }))).kind).toBe('started');
  });

  it('never serves another guild a fresh result, and offers an older one (same guild) only when asked to', async () => {
    const h = await build(threeStages(), { freshnessMs: 600_000 });
    const url = 'https://example.com/offer';
    const inG1 = { guildId: 'g1', delivery: { guildId: 'g1' } };
    const first = await h.engine.start(req({ url, ...inG1 }));
    const firstId = first.kind === 'started' ? first.workflow.id : '';
    clock.advance(500);
    await waitFor(async () => (await statusOf(db.store, firstId)) === 'completed', 'first completion');
    const finishedAt = (await db.store.getWorkflow(firstId))?.finishedAt;

    // Another guild within the freshness window: a run of its own, not g1's report.
    const other = await h.engine.start(req({ url, guildId: 'g2', delivery: { guildId: 'g2' } }), {
      offerEarlier: true,
    });
    expect(other.kind).toBe('started');

    clock.advance(600_001);
    const before = (await db.store.listWorkflows({})).length;
    const offered = await h.engine.start(req({ url, ...inG1, interactionId: 'ix-offer' }), {
      offerEarlier: true,
    });
    expect(offered).toEqual({ kind: 'earlier', workflowId: firstId, finishedAt });
    expect((await db.store.listWorkflows({})).length).toBe(before);
    // The same depth only; without the offer (a re-run, or the command line) it runs again.
    expect((await h.engine.start(req({ url, ...inG1, depth: 'deep' }), { offerEarlier: true })).kind).toBe(
      'started',
    );
    expect((await h.engine.start(req({ url, ...inG1 }))).kind).toBe('started');
  });

  it('answers a retried interaction with its own workflow, not with an offer of it', async () => {
    const h = await build(threeStages(), { freshnessMs: 1_000 });
    const url = 'https://example.com/retried';
    const first = await h.engine.start(req({ url, interactionId: 'ix-retry' }), { offerEarlier: true });
    const firstId = first.kind === 'started' ? first.workflow.id : '';
    clock.advance(500);
    await waitFor(async () => (await statusOf(db.store, firstId)) === 'completed', 'completion');
    clock.advance(5_000);
    const again = await h.engine.start(req({ url, interactionId: 'ix-retry' }), { offerEarlier: true });
    expect(again.kind).toBe('existing');
    expect(again.kind === 'existing' ? again.workflow.id : '').toBe(firstId);
  });

  it('holds each guild to its concurrency limit while other guilds keep running', async () => {
    const gate = new Gate();
    const h = await build([stage('acquire', log, gate.body), stage('report', log, reporting)], {
      limits: { perUserPerHour: 0, perGuildConcurrent: 1 },
    });
    const ids: string[] = [];
    for (const guildId of ['g1', 'g1', 'g1', 'g2']) {
      const o = await h.engine.start(req({ guildId, delivery: { guildId } }));
      ids.push(o.kind === 'started' ? o.workflow.id : '');
    }
    const [g1a, g1b, g1c, g2] = ids as [string, string, string, string];
    await waitFor(() => gate.entered.includes(g1a) && gate.entered.includes(g2), 'one per guild running');
    await new Promise((r) => setTimeout(r, 50));
    expect(gate.entered).toHaveLength(2);
    expect(await db.store.countRunning({ guildId: 'g1' })).toBe(1);
    gate.open(g1a);
    await waitFor(() => gate.entered.includes(g1b), 'next g1 workflow');
    expect(gate.entered).not.toContain(g1c);
    gate.open(g1b);
    await waitFor(() => gate.entered.includes(g1c), 'last g1 workflow');
    gate.openAll();
    for (const id of ids)
      await waitFor(async () => (await statusOf(db.store, id)) === 'completed', 'all done');
  });

  it('retries a deferred delivery without re-running stages and records a failed delivery before completing', async () => {
    const h = await build(threeStages());
    h.notifier.reportScript.push({ kind: 'retry', delayMs: 3000 });
    const out = await h.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    clock.advance(500);
    await waitFor(
      async () => (await db.store.getWorkflow(id))?.deliveryState === 'pending',
      'deferred delivery',
    );
    expect(await statusOf(db.store, id)).toBe('queued');
    clock.advance(3000);
    await waitFor(async () => (await statusOf(db.store, id)) === 'completed', 'delivered later');
    expect(log.startsOf(id, 'acquire')).toBe(1);
    expect(h.notifier.reportsFor(id)).toBe(1);

    const error = { code: 'delivery.no_target', message: 'No channel could be reached.' };
    h.notifier.reportScript.push({ kind: 'failed', error });
    const other = await h.engine.start(req({ url: 'https://example.com/other' }));
    const otherId = other.kind === 'started' ? other.workflow.id : '';
    clock.advance(500);
    await waitFor(
      async () => (await statusOf(db.store, otherId)) === 'completed',
      'completed with failed delivery',
    );
    expect(await db.store.getWorkflow(otherId)).toMatchObject({
      deliveryState: 'failed',
      deliveryError: error,
    });
  });

  it('on shutdown releases running work, which another engine resumes from its checkpoint', async () => {
    const gate = new Gate();
    const stages = [
      stage('acquire', log, hashing(1)),
      stage('analyse', log, gate.body),
      stage('report', log, reporting),
    ];
    const first = await build(stages, { owner: 'a' });
    const out = await first.engine.start(req());
    const id = out.kind === 'started' ? out.workflow.id : '';
    await waitFor(() => gate.entered.includes(id), 'analyse start');
    await first.engine.stop({ graceMs: 0 });
    expect(await db.store.getWorkflow(id)).toMatchObject({ status: 'queued', leaseOwner: null });
    expect(gate.abortReasons[0]).toMatchObject({ code: 'queue.shutdown' });
    await build(stages, { owner: 'b' });
    await waitFor(() => gate.entered.length === 2, 'resume on b');
    gate.openAll();
    await waitFor(async () => (await statusOf(db.store, id)) === 'completed', 'completion on b');
    expect(log.startsOf(id, 'acquire')).toBe(1);
  });

  it('purges finished workflows past retention and keeps unfinished ones', async () => {
    const gate = new Gate();
    const h = await build([stage('acquire', log, gate.body), stage('report', log, reporting)], {
      retentionMs: 86_400_000,
    });
    const done = await h.engine.start(req({ url: 'https://example.com/done' }));
    const doneId = done.kind === 'started' ? done.workflow.id : '';
    await waitFor(() => gate.entered.includes(doneId), 'first start');
    gate.open(doneId);
    await waitFor(async () => (await statusOf(db.store, doneId)) === 'completed', 'completion');
    const pending = await h.engine.start(req({ url: 'https://example.com/pending' }));
    const pendingId = pending.kind === 'started' ? pending.workflow.id : '';
    expect(await h.engine.purge()).toBe(0);
    clock.advance(86_400_001);
    expect(await h.engine.purge()).toBe(1);
    expect(await h.engine.get(doneId)).toBeNull();
    expect(await db.store.getReport(doneId)).toBeNull();
    expect(await h.engine.get(pendingId)).not.toBeNull();
  });

  it('rejects invalid options at construction, naming the option and the value', () => {
    const { logger } = memoryLogger();
    const queue = new EmbeddedQueue({ store: db.store, clock, logger, owner: 'x', leaseMs: LEASE });
    expect(
      () =>
        new WorkflowEngine({
          store: db.store,
          queue,
          pipeline: pipelineOf([]),
          notifier: new RecordingNotifier(),
          clock,
          logger,
          owner: 'x',
          leaseMs: 0,
          retry: { baseMs: 1, maxMs: 1, maxAttempts: 1 },
          limits: { perUserPerHour: 0, perGuildConcurrent: 1 },
          freshnessMs: 0,
          retentionMs: 1,
        }),
    ).toThrow('leaseMs must be a positive number, received 0');
    expect(() => new EmbeddedQueue({ store: db.store, clock, logger, owner: 'x', leaseMs: -5 })).toThrow(
      'leaseMs must be a positive number, received -5',
    );
  });
});
