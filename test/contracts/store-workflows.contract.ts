// The WorkflowLeaseStore contract: workflows, runs and their leases, attempts, cancellation, counts and retention.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Depth } from '../../src/core/stage.js';
import type { CheckpointReportStore, ReportScope, WorkflowLeaseStore } from '../../src/store/store.js';
import {
  ALL,
  claimRun,
  createIn,
  LEASE,
  must,
  request,
  T0,
  useStore,
  type PortUnderTest,
} from './store-support.js';

/** Checkpoints and reports are only seeded here, to show what a purge removes. */
type Store = WorkflowLeaseStore & CheckpointReportStore;

export function describeWorkflowLeaseStoreContract(
  name: string,
  makeStore: () => Promise<PortUnderTest<Store>>,
): void {
  describe(`WorkflowLeaseStore contract: ${name}`, () => {
    const current = useStore(makeStore);
    const create = (overrides: Parameters<typeof request>[0] = {}, now = T0): Promise<string> =>
      createIn(current(), overrides, now);

    describe('createWorkflow', () => {
      it('inserts a queued workflow with the request as given and times from `now`', async () => {
        const store = current();
        const req = request({
          interactionId: 'i-1',
          delivery: {
            guildId: 'guild-1',
            channelId: 'channel-1',
            interaction: { id: 'i-1', applicationId: 'app', tokenSealed: 'v1:sealed', createdAt: T0 - 5 },
          },
        });
        const id = randomUUID();
        const { workflow, created } = await store.createWorkflow({ id, request: req, now: T0 });
        expect(created).toBe(true);
        expect(workflow).toMatchObject({
          id,
          status: 'queued',
          attempts: 0,
          createdAt: T0,
          updatedAt: T0,
          runAfter: T0,
          startedAt: null,
          finishedAt: null,
          leaseOwner: null,
          runId: null,
          cancelRequested: false,
          reportId: null,
          lastError: null,
          progress: null,
        });
        expect(workflow.request).toEqual(req);
        expect(await store.getWorkflow(id)).toEqual(workflow);
      });

      it('is idempotent on interactionId: the second call returns the first workflow, created=false', async () => {
        const store = current();
        const first = await store.createWorkflow({
          id: randomUUID(),
          request: request({ interactionId: 'i-x' }),
          now: T0,
        });
        const second = await store.createWorkflow({
          id: randomUUID(),
          request: request({ interactionId: 'i-x', url: 'https://other.example/' }),
          now: T0 + 1,
        });
        expect(second.created).toBe(false);
        expect(second.workflow.id).toBe(first.workflow.id);
        expect(await store.listWorkflows({})).toHaveLength(1);
      });

      it('does not deduplicate workflows without an interaction id', async () => {
        await create({ interactionId: null });
        await create({ interactionId: null });
        expect(await current().listWorkflows({})).toHaveLength(2);
      });

      it('getWorkflow returns null for an unknown id', async () => {
        expect(await current().getWorkflow(randomUUID())).toBeNull();
      });
    });

    describe('listWorkflows', () => {
      it('filters by status and guild, oldest first, honouring limit', async () => {
        const store = current();
        const a = await create({ guildId: 'g-a' }, T0);
        const b = await create({ guildId: 'g-b' }, T0 + 1);
        const c = await create({ guildId: 'g-a' }, T0 + 2);
        await store.claim(b, { owner: 'w', now: T0 + 3, leaseMs: LEASE });
        expect((await store.listWorkflows({})).map((w) => w.id)).toEqual([a, b, c]);
        expect((await store.listWorkflows({ statuses: ['queued'] })).map((w) => w.id)).toEqual([a, c]);
        expect((await store.listWorkflows({ guildId: 'g-a' })).map((w) => w.id)).toEqual([a, c]);
        expect(
          (await store.listWorkflows({ statuses: ['running', 'queued'], limit: 2 })).map((w) => w.id),
        ).toEqual([a, b]);
      });
    });

    describe('claiming and leases', () => {
      it('claimNext takes the oldest due workflow, sets running, lease, a run id and attempts+1', async () => {
        const store = current();
        const older = await create({}, T0);
        await create({}, T0 + 10);
        const claimed = await store.claimNext({ owner: 'w1', now: T0 + 20, leaseMs: LEASE });
        expect(claimed).toMatchObject({
          id: older,
          status: 'running',
          leaseOwner: 'w1',
          leaseExpiresAt: T0 + 20 + LEASE,
          attempts: 1,
          startedAt: T0 + 20,
        });
        expect(claimed?.runId).toBeTypeOf('string');
      });

      it('claimNext returns null when nothing is claimable', async () => {
        const store = current();
        expect(await store.claimNext({ owner: 'w1', now: T0, leaseMs: LEASE })).toBeNull();
        await create();
        await store.claimNext({ owner: 'w1', now: T0, leaseMs: LEASE });
        expect(await store.claimNext({ owner: 'w2', now: T0 + 1, leaseMs: LEASE })).toBeNull();
      });

      it('a workflow with a live lease is never claimed twice; concurrent claimNext calls get distinct rows', async () => {
        const store = current();
        const ids = [await create({ guildId: null }, T0), await create({ guildId: null }, T0 + 1)];
        const claims = await Promise.all(
          ['a', 'b', 'c'].map((owner) => store.claimNext({ owner, now: T0 + 5, leaseMs: LEASE })),
        );
        const got = claims.filter((c) => c !== null).map((c) => c.id);
        expect(got.sort()).toEqual([...ids].sort());
      });

      it('an expired lease makes a running workflow claimable again by another run (crash resume)', async () => {
        const store = current();
        const id = await create();
        const dead = must(await store.claimNext({ owner: 'dead', now: T0, leaseMs: LEASE }));
        expect(await store.claimNext({ owner: 'alive', now: T0 + LEASE - 1, leaseMs: LEASE })).toBeNull();
        const again = await store.claimNext({ owner: 'alive', now: T0 + LEASE, leaseMs: LEASE });
        expect(again).toMatchObject({ id, leaseOwner: 'alive', attempts: 2, startedAt: T0 });
        expect(again?.runId).not.toBe(dead.runId);
      });

      it('taking over an expired lease records why the run before it ended, naming its stage', async () => {
        const store = current();
        const id = await create();
        const dead = must(await store.claimNext({ owner: 'dead', now: T0, leaseMs: LEASE }));
        expect(dead.workflowId).toBe(id);
        await store.updateProgress(dead, { stage: 'analyse', percent: 40, message: 'm', updatedAt: T0 + 1 });
        const again = await store.claimNext({ owner: 'alive', now: T0 + LEASE, leaseMs: LEASE });
        expect(again?.lastError?.code).toBe('workflow.worker_lost');
        expect(again?.lastError?.message).toContain('during analyse');
      });

      it('busy: the claimer never gets back a workflow it is still running, even past its lease', async () => {
        const store = current();
        const id = await create();
        const first = must(await store.claimNext({ owner: 'p', now: T0, leaseMs: LEASE }));
        const later = { owner: 'p', now: T0 + 2 * LEASE, leaseMs: LEASE };
        expect(await store.claimNext({ ...later, busy: [id] })).toBeNull();
        expect((await store.getWorkflow(id))?.runId).toBe(first.runId);
        // Once that run is over (not busy any more), the expired lease is claimable as usual.
        expect((await store.claimNext(later))?.id).toBe(id);
      });

      it('heartbeat extends the lease of the run holding it; a superseded run answers held:false', async () => {
        const store = current();
        const id = await create();
        const w1 = must(await store.claimNext({ owner: 'w1', now: T0, leaseMs: LEASE }));
        expect(await store.heartbeat(w1, { now: T0 + 10_000, leaseMs: LEASE })).toEqual({
          held: true,
          cancelRequested: false,
        });
        expect((await store.getWorkflow(id))?.leaseExpiresAt).toBe(T0 + 10_000 + LEASE);
        // Not reclaimable at the old expiry any more.
        expect(await store.claimNext({ owner: 'w2', now: T0 + LEASE, leaseMs: LEASE })).toBeNull();
        await store.claimNext({ owner: 'w2', now: T0 + 10_000 + LEASE, leaseMs: LEASE });
        expect((await store.heartbeat(w1, { now: T0 + 10_000 + LEASE + 1, leaseMs: LEASE })).held).toBe(
          false,
        );
        expect((await store.getWorkflow(id))?.leaseOwner).toBe('w2');
      });

      it('the same process claiming again after its lease expired supersedes its own earlier run', async () => {
        const store = current();
        const id = await create();
        const first = must(await store.claimNext({ owner: 'p', now: T0, leaseMs: LEASE }));
        const second = must(await store.claimNext({ owner: 'p', now: T0 + LEASE, leaseMs: LEASE }));
        expect(second.runId).not.toBe(first.runId);
        // Same owner, but the earlier run's writes are refused: the lease names the run, not the process.
        expect((await store.heartbeat(first, { now: T0 + LEASE + 1, leaseMs: LEASE })).held).toBe(false);
        expect(await store.complete(first, { now: T0 + LEASE + 1, reportId: 'r' })).toBe(false);
        expect((await store.getWorkflow(id))?.status).toBe('running');
        expect((await store.heartbeat(second, { now: T0 + LEASE + 1, leaseMs: LEASE })).held).toBe(true);
      });

      it('heartbeat reports cancelRequested while the lease is held', async () => {
        const store = current();
        const id = await create();
        const run = must(await store.claimNext({ owner: 'w1', now: T0, leaseMs: LEASE }));
        await store.requestCancel(id, T0 + 1);
        expect(await store.heartbeat(run, { now: T0 + 2, leaseMs: LEASE })).toEqual({
          held: true,
          cancelRequested: true,
        });
      });

      it('heartbeat on a finished workflow answers held:false', async () => {
        const store = current();
        await create();
        const run = must(await store.claimNext({ owner: 'w1', now: T0, leaseMs: LEASE }));
        await store.fail(run, { now: T0 + 1, error: { code: 'x', message: 'y' } });
        expect((await store.heartbeat(run, { now: T0 + 2, leaseMs: LEASE })).held).toBe(false);
      });

      it('perGuildLimit keeps a guild at its limit of live running workflows; other guilds still run', async () => {
        const store = current();
        const g1a = await create({ guildId: 'g1' }, T0);
        const g1b = await create({ guildId: 'g1' }, T0 + 1);
        const g2 = await create({ guildId: 'g2' }, T0 + 2);
        const opts = { now: T0 + 10, leaseMs: LEASE, perGuildLimit: 1 };
        const first = await store.claimNext({ owner: 'w', ...opts });
        expect(first?.id).toBe(g1a);
        expect((await store.claimNext({ owner: 'w', ...opts }))?.id).toBe(g2);
        expect(await store.claimNext({ owner: 'w', ...opts })).toBeNull();
        expect(await store.countRunning({ guildId: 'g1' })).toBe(1);
        await store.complete(must(first), { now: T0 + 11, reportId: 'r' });
        expect((await store.claimNext({ owner: 'w', ...opts, now: T0 + 12 }))?.id).toBe(g1b);
      });

      it('claim(id) leases that one workflow only if it is claimable', async () => {
        const store = current();
        const id = await create();
        const other = await create();
        expect(await store.claim(randomUUID(), { owner: 'w', now: T0, leaseMs: LEASE })).toBeNull();
        expect(await store.claim(id, { owner: 'w', now: T0, leaseMs: LEASE })).toMatchObject({
          id,
          status: 'running',
          leaseOwner: 'w',
          attempts: 1,
        });
        expect(await store.claim(id, { owner: 'w2', now: T0 + 1, leaseMs: LEASE })).toBeNull();
        const w2 = await store.claim(id, { owner: 'w2', now: T0 + LEASE, leaseMs: LEASE });
        expect(w2).toMatchObject({ leaseOwner: 'w2', attempts: 2 });
        expect((await store.getWorkflow(other))?.status).toBe('queued');
        await store.complete(must(w2), { now: T0 + LEASE + 1, reportId: 'r' });
        expect(await store.claim(id, { owner: 'w3', now: T0 + 10 * LEASE, leaseMs: LEASE })).toBeNull();
      });
    });

    describe('attempt limit', () => {
      it('a workflow claimed maxAttempts times is failed with its last error instead of claimed again', async () => {
        const store = current();
        const id = await create();
        const options = { now: T0, leaseMs: LEASE, maxAttempts: 2 };
        const first = must(await store.claimNext({ owner: 'a', ...options }));
        await store.updateProgress(first, { stage: 'acquire', percent: 1, message: 'm', updatedAt: T0 });
        // The first run dies; the second claim takes over and dies too; the third is refused.
        must(await store.claimNext({ owner: 'b', ...options, now: T0 + LEASE }));
        expect(await store.claimNext({ owner: 'c', ...options, now: T0 + 2 * LEASE })).toBeNull();
        const failed = await store.getWorkflow(id);
        expect(failed).toMatchObject({
          status: 'failed',
          attempts: 2,
          runId: null,
          leaseOwner: null,
          finishedAt: T0 + 2 * LEASE,
        });
        expect(failed?.lastError?.code).toBe('workflow.attempts_exhausted');
        expect(failed?.lastError?.message).toMatch(
          /^stopped after 2 attempts: the worker running it stopped/,
        );
      });

      it('claimNext moves past an exhausted workflow to the next claimable one', async () => {
        const store = current();
        const spent = await create({}, T0);
        const next = await create({}, T0 + 1);
        const run = must(await store.claim(spent, { owner: 'a', now: T0, leaseMs: LEASE }));
        const error = { code: 'net.timeout', message: 'The source did not answer in time.' };
        await store.release(run, { now: T0 + 1, runAfter: T0 + 1, error });
        const got = await store.claimNext({ owner: 'b', now: T0 + 2, leaseMs: LEASE, maxAttempts: 1 });
        expect(got?.id).toBe(next);
        expect((await store.getWorkflow(spent))?.lastError).toEqual({
          code: 'workflow.attempts_exhausted',
          message: 'stopped after 1 attempt: The source did not answer in time.',
        });
      });

      it('claim(id) fails an exhausted workflow instead of leasing it', async () => {
        const store = current();
        const id = await create();
        await claimRun(store, id, 'a', T0);
        expect(
          await store.claim(id, { owner: 'b', now: T0 + LEASE, leaseMs: LEASE, maxAttempts: 1 }),
        ).toBeNull();
        expect((await store.getWorkflow(id))?.status).toBe('failed');
      });

      it('a refunded release does not count against the limit', async () => {
        const store = current();
        const id = await create();
        const run = await claimRun(store, id, 'a', T0);
        expect(await store.release(run, { now: T0 + 1, runAfter: T0 + 1, error: null, refund: true })).toBe(
          true,
        );
        expect((await store.getWorkflow(id))?.attempts).toBe(0);
        expect((await store.claimNext({ owner: 'b', now: T0 + 2, leaseMs: LEASE, maxAttempts: 1 }))?.id).toBe(
          id,
        );
      });
    });

    describe('release, runAfter, completion, failure', () => {
      it('release puts the workflow back to queued, due at runAfter, keeping the error', async () => {
        const store = current();
        const id = await create();
        const run = must(await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE }));
        const error = { code: 'net.timeout', message: 'The source did not answer in time.' };
        expect(await store.release(run, { now: T0 + 1, runAfter: T0 + 5000, error })).toBe(true);
        expect(await store.getWorkflow(id)).toMatchObject({
          status: 'queued',
          leaseOwner: null,
          runId: null,
          runAfter: T0 + 5000,
          lastError: error,
          attempts: 1,
        });
        expect(await store.claimNext({ owner: 'w', now: T0 + 4999, leaseMs: LEASE })).toBeNull();
        expect(await store.claimNext({ owner: 'w', now: T0 + 5000, leaseMs: LEASE })).toMatchObject({
          id,
          attempts: 2,
        });
      });

      it('a released workflow waiting for its runAfter does not block an older-due one', async () => {
        const store = current();
        const first = await create({}, T0);
        const second = await create({}, T0 + 1);
        const run = await claimRun(store, first, 'w', T0 + 2);
        await store.release(run, { now: T0 + 3, runAfter: T0 + 60_000, error: null });
        expect((await store.claimNext({ owner: 'w', now: T0 + 4, leaseMs: LEASE }))?.id).toBe(second);
      });

      it('release, complete, fail, markCancelled and updateProgress by a superseded run change nothing', async () => {
        const store = current();
        const id = await create();
        const old = must(await store.claimNext({ owner: 'old', now: T0, leaseMs: LEASE }));
        await store.claimNext({ owner: 'new', now: T0 + LEASE, leaseMs: LEASE });
        const at = T0 + LEASE + 1;
        expect(await store.release(old, { now: at, runAfter: T0, error: null })).toBe(false);
        expect(await store.complete(old, { now: at, reportId: 'r' })).toBe(false);
        expect(await store.fail(old, { now: at, error: { code: 'x', message: 'y' } })).toBe(false);
        expect(await store.markCancelled(old, at)).toBe(false);
        await store.updateProgress(old, { stage: 's', percent: 50, message: 'm', updatedAt: at });
        expect(await store.getWorkflow(id)).toMatchObject({
          status: 'running',
          leaseOwner: 'new',
          progress: null,
        });
      });

      it('complete records the report and finish time and clears the lease', async () => {
        const store = current();
        const id = await create();
        const run = must(await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE }));
        expect(await store.complete(run, { now: T0 + 7, reportId: 'rep-1' })).toBe(true);
        expect(await store.getWorkflow(id)).toMatchObject({
          status: 'completed',
          reportId: 'rep-1',
          finishedAt: T0 + 7,
          leaseOwner: null,
          runId: null,
          leaseExpiresAt: null,
        });
      });

      it('fail stores the safe error and makes the workflow terminal', async () => {
        const store = current();
        const id = await create();
        const run = must(await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE }));
        const error = { code: 'acquire.unsupported', message: 'This link type is not supported.' };
        expect(await store.fail(run, { now: T0 + 3, error })).toBe(true);
        expect(await store.getWorkflow(id)).toMatchObject({
          status: 'failed',
          lastError: error,
          finishedAt: T0 + 3,
        });
        expect(await store.claimNext({ owner: 'w', now: T0 + 10 * LEASE, leaseMs: LEASE })).toBeNull();
      });

      it('updateProgress by the run holding the lease is stored as given', async () => {
        const store = current();
        const id = await create();
        const run = must(await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE }));
        const progress = { stage: 'transcribe', percent: 42.5, message: 'Transcribing', updatedAt: T0 + 9 };
        await store.updateProgress(run, progress);
        expect((await store.getWorkflow(id))?.progress).toEqual(progress);
      });
    });

    describe('cancellation', () => {
      it('cancelling a queued workflow makes it cancelled at once', async () => {
        const store = current();
        const id = await create();
        const rec = await store.requestCancel(id, T0 + 5);
        expect(rec).toMatchObject({ id, status: 'cancelled', cancelRequested: true, finishedAt: T0 + 5 });
        expect(await store.claimNext({ owner: 'w', now: T0 + 6, leaseMs: LEASE })).toBeNull();
      });

      it('cancelling a running workflow sets the flag only; its run then marks it cancelled', async () => {
        const store = current();
        const id = await create();
        const run = must(await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE }));
        const rec = await store.requestCancel(id, T0 + 5);
        expect(rec).toMatchObject({ status: 'running', cancelRequested: true });
        expect(await store.markCancelled(run, T0 + 6)).toBe(true);
        expect(await store.getWorkflow(id)).toMatchObject({
          status: 'cancelled',
          finishedAt: T0 + 6,
          leaseOwner: null,
        });
      });

      it('cancelling a finished or unknown workflow changes nothing', async () => {
        const store = current();
        const id = await create();
        const run = must(await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE }));
        await store.complete(run, { now: T0 + 1, reportId: 'r' });
        expect(await store.requestCancel(id, T0 + 2)).toMatchObject({ status: 'completed' });
        expect(await store.requestCancel(randomUUID(), T0 + 2)).toBeNull();
      });
    });

    describe('counts and freshness', () => {
      it('countRunning counts running workflows, overall and per guild', async () => {
        const store = current();
        await create({ guildId: 'g1' });
        await create({ guildId: 'g1' });
        await create({ guildId: 'g2' });
        for (let i = 0; i < 3; i++) await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE });
        await create({ guildId: 'g1' });
        expect(await store.countRunning({})).toBe(3);
        expect(await store.countRunning({ guildId: 'g1' })).toBe(2);
        expect(await store.countRunning({ guildId: 'none' })).toBe(0);
      });

      it('countCreatedSince counts a requester’s workflows created at or after `since`', async () => {
        const store = current();
        await create({ requesterId: 'u' }, T0);
        await create({ requesterId: 'u' }, T0 + 100);
        await create({ requesterId: 'other' }, T0 + 100);
        expect(await store.countCreatedSince({ requesterId: 'u', since: T0 + 100 })).toBe(1);
        expect(await store.countCreatedSince({ requesterId: 'u', since: T0 })).toBe(2);
      });

      it('findLatestResult finds a completed workflow with a report for url+depth finished since `since`', async () => {
        const store = current();
        const url = 'https://fresh.example/a';
        const { id, reportId } = await completeWithReport(store, url, 'deep', T0 + 1000);
        expect(await store.findLatestResult({ url, depth: 'deep', since: T0 + 1000, scope: ALL })).toEqual({
          workflowId: id,
          reportId,
          finishedAt: T0 + 1000,
        });
        expect(await store.findLatestResult({ url, depth: 'deep', since: T0 + 1001, scope: ALL })).toBeNull();
        expect(await store.findLatestResult({ url, depth: 'standard', since: T0, scope: ALL })).toBeNull();
        expect(
          await store.findLatestResult({
            url: 'https://fresh.example/b',
            depth: 'deep',
            since: T0,
            scope: ALL,
          }),
        ).toBeNull();
      });

      it('findLatestResult ignores failed workflows and prefers the newest result', async () => {
        const store = current();
        const url = 'https://fresh.example/n';
        await completeWithReport(store, url, 'standard', T0 + 10);
        const newer = await completeWithReport(store, url, 'standard', T0 + 20);
        const failed = await create({ url, guildId: null });
        const run = await claimRun(store, failed, 'w', T0 + 30);
        await store.fail(run, { now: T0 + 30, error: { code: 'x', message: 'y' } });
        expect(await store.findLatestResult({ url, depth: 'standard', since: T0, scope: ALL })).toMatchObject(
          {
            workflowId: newer.id,
            reportId: newer.reportId,
          },
        );
      });

      it("findLatestResult never returns another guild's (or another member's DM) result", async () => {
        const store = current();
        const url = 'https://fresh.example/scoped';
        const inGuild = await completeWithReport(store, url, 'deep', T0 + 10, undefined, 'guild-a');
        const inDm = await completeWithReport(store, url, 'deep', T0 + 20, undefined, null, 'dm-user');
        const latest = (scope: ReportScope) =>
          store.findLatestResult({ url, depth: 'deep', since: 0, scope });
        expect(await latest({ kind: 'guild', guildId: 'guild-a' })).toMatchObject({ workflowId: inGuild.id });
        expect(await latest({ kind: 'guild', guildId: 'guild-b' })).toBeNull();
        expect(await latest({ kind: 'direct', requesterId: 'dm-user' })).toMatchObject({
          workflowId: inDm.id,
        });
        expect(await latest({ kind: 'direct', requesterId: 'user-1' })).toBeNull();
        expect(await latest(ALL)).toMatchObject({ workflowId: inDm.id });
      });

      it('getWorkflowByInteraction finds the workflow an interaction started', async () => {
        const store = current();
        const id = await create({ interactionId: 'ix-by-interaction' });
        expect((await store.getWorkflowByInteraction('ix-by-interaction'))?.id).toBe(id);
        expect(await store.getWorkflowByInteraction('ix-none')).toBeNull();
      });
    });

    describe('purge', () => {
      it('deletes finished workflows older than `before` with their reports, checkpoints and parts; keeps the rest', async () => {
        const store = current();
        const old = await completeWithReport(store, 'https://p.example/old', 'standard', T0, {
          title: 'Old zebra report',
          searchText: 'zebra',
        });
        const recent = await completeWithReport(store, 'https://p.example/new', 'standard', T0 + 10_000, {
          title: 'New zebra report',
          searchText: 'zebra',
        });
        const queued = await create({}, T0 - 50_000);
        const running = await create({}, T0 - 50_000);
        await claimRun(store, running, 'w', T0 - 50_000);

        expect(await store.purgeFinishedBefore(T0 + 5000)).toBe(1);
        expect(await store.getWorkflow(old.id)).toBeNull();
        expect(await store.getReport(old.reportId)).toBeNull();
        expect(await store.getCheckpoints(old.id)).toEqual({});
        expect(
          (await store.searchReports('zebra', { limit: 10, scope: ALL })).map((h) => h.workflowId),
        ).toEqual([recent.id]);
        expect(await store.getWorkflow(recent.id)).not.toBeNull();
        expect(await store.getWorkflow(queued)).not.toBeNull();
        expect(await store.getWorkflow(running)).not.toBeNull();
        expect(await store.purgeFinishedBefore(T0 + 5000)).toBe(0);
      });
    });
  });
}

/** A workflow run to completion with a stored report (and a checkpoint), as the engine leaves one. */
export async function completeWithReport(
  store: WorkflowLeaseStore & CheckpointReportStore,
  url: string,
  depth: Depth,
  now: number,
  text: { title: string; searchText: string } = { title: 'A title', searchText: 'some text' },
  guildId: string | null = null,
  requesterId = 'user-1',
): Promise<{ id: string; reportId: string }> {
  const id = await createIn(store, { url, depth, guildId, requesterId });
  const run = await claimRun(store, id, 'w', now);
  expect(await store.saveCheckpoint(run, 'acquire', { marker: id }, now)).toBe(true);
  const reportId = randomUUID();
  await store.saveReport({
    id: reportId,
    workflowId: id,
    url,
    depth,
    report: { depth, marker: id },
    createdAt: now,
    ...text,
  });
  expect(await store.complete(run, { now, reportId })).toBe(true);
  return { id, reportId };
}
