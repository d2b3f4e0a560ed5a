// The WorkflowStore contract: one suite every adapter (SQLite, PostgreSQL) must pass. Time is always passed in.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Depth } from '../../src/core/stage.js';
import type { WorkflowRequest, WorkflowStore } from '../../src/store/store.js';

export interface StoreUnderTest {
  readonly store: WorkflowStore;
  cleanup(): Promise<void>;
}

const T0 = 1_700_000_000_000;
const LEASE = 30_000;

export function request(overrides: Partial<WorkflowRequest> = {}): WorkflowRequest {
  return {
    url: 'https://example.com/article',
    depth: 'standard',
    requesterId: 'user-1',
    guildId: 'guild-1',
    channelId: 'channel-1',
    interactionId: null,
    origin: 'discord',
    delivery: { guildId: 'guild-1', channelId: 'channel-1' },
    ...overrides,
  };
}

export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`WorkflowStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: WorkflowStore;

    beforeEach(async () => {
      sut = await makeStore();
      store = sut.store;
      await store.migrate();
    });
    afterEach(async () => {
      await sut.cleanup();
    });

    async function create(overrides: Partial<WorkflowRequest> = {}, now = T0): Promise<string> {
      const id = randomUUID();
      const { created } = await store.createWorkflow({ id, request: request(overrides), now });
      expect(created).toBe(true);
      return id;
    }

    async function completeWithReport(
      url: string,
      depth: Depth,
      now: number,
      text: { title: string; searchText: string } = { title: 'A title', searchText: 'some text' },
      guildId: string | null = null,
    ): Promise<{ id: string; reportId: string }> {
      const id = await create({ url, depth, guildId });
      const claimed = await store.claim(id, { owner: 'w', now, leaseMs: LEASE });
      expect(claimed?.id).toBe(id);
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
      await store.complete(id, 'w', { now, reportId });
      return { id, reportId };
    }

    it('migrate is safe to call again', async () => {
      await store.migrate();
      await expect(create()).resolves.toBeTypeOf('string');
    });

    describe('createWorkflow', () => {
      it('inserts a queued workflow with the request as given and times from `now`', async () => {
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
          cancelRequested: false,
          reportId: null,
          lastError: null,
          progress: null,
        });
        expect(workflow.request).toEqual(req);
        expect(await store.getWorkflow(id)).toEqual(workflow);
      });

      it('is idempotent on interactionId: the second call returns the first workflow, created=false', async () => {
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
        expect(await store.listWorkflows({})).toHaveLength(2);
      });

      it('getWorkflow returns null for an unknown id', async () => {
        expect(await store.getWorkflow(randomUUID())).toBeNull();
      });
    });

    describe('listWorkflows', () => {
      it('filters by status and guild, oldest first, honouring limit', async () => {
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
      it('claimNext takes the oldest due workflow, sets running, lease and attempts+1', async () => {
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
      });

      it('claimNext returns null when nothing is claimable', async () => {
        expect(await store.claimNext({ owner: 'w1', now: T0, leaseMs: LEASE })).toBeNull();
        await create();
        await store.claimNext({ owner: 'w1', now: T0, leaseMs: LEASE });
        expect(await store.claimNext({ owner: 'w2', now: T0 + 1, leaseMs: LEASE })).toBeNull();
      });

      it('a workflow with a live lease is never claimed twice; concurrent claimNext calls get distinct rows', async () => {
        const ids = [await create({ guildId: null }, T0), await create({ guildId: null }, T0 + 1)];
        const claims = await Promise.all(
          ['a', 'b', 'c'].map((owner) => store.claimNext({ owner, now: T0 + 5, leaseMs: LEASE })),
        );
        const got = claims.filter((c) => c !== null).map((c) => c.id);
        expect(got.sort()).toEqual([...ids].sort());
      });

      it('an expired lease makes a running workflow claimable again by another owner (crash resume)', async () => {
        const id = await create();
        await store.claimNext({ owner: 'dead', now: T0, leaseMs: LEASE });
        expect(await store.claimNext({ owner: 'alive', now: T0 + LEASE - 1, leaseMs: LEASE })).toBeNull();
        const again = await store.claimNext({ owner: 'alive', now: T0 + LEASE, leaseMs: LEASE });
        expect(again).toMatchObject({ id, leaseOwner: 'alive', attempts: 2, startedAt: T0 });
      });

      it('heartbeat extends a held lease; after the lease was lost it answers held:false', async () => {
        const id = await create();
        await store.claimNext({ owner: 'w1', now: T0, leaseMs: LEASE });
        expect(await store.heartbeat(id, { owner: 'w1', now: T0 + 10_000, leaseMs: LEASE })).toEqual({
          held: true,
          cancelRequested: false,
        });
        expect((await store.getWorkflow(id))?.leaseExpiresAt).toBe(T0 + 10_000 + LEASE);
        // Not reclaimable at the old expiry any more.
        expect(await store.claimNext({ owner: 'w2', now: T0 + LEASE, leaseMs: LEASE })).toBeNull();
        await store.claimNext({ owner: 'w2', now: T0 + 10_000 + LEASE, leaseMs: LEASE });
        expect(
          (await store.heartbeat(id, { owner: 'w1', now: T0 + 10_000 + LEASE + 1, leaseMs: LEASE })).held,
        ).toBe(false);
        expect((await store.getWorkflow(id))?.leaseOwner).toBe('w2');
      });

      it('heartbeat reports cancelRequested while the lease is held', async () => {
        const id = await create();
        await store.claimNext({ owner: 'w1', now: T0, leaseMs: LEASE });
        await store.requestCancel(id, T0 + 1);
        expect(await store.heartbeat(id, { owner: 'w1', now: T0 + 2, leaseMs: LEASE })).toEqual({
          held: true,
          cancelRequested: true,
        });
      });

      it('heartbeat on a finished workflow answers held:false', async () => {
        const id = await create();
        await store.claimNext({ owner: 'w1', now: T0, leaseMs: LEASE });
        await store.fail(id, 'w1', { now: T0 + 1, error: { code: 'x', message: 'y' } });
        expect((await store.heartbeat(id, { owner: 'w1', now: T0 + 2, leaseMs: LEASE })).held).toBe(false);
      });

      it('perGuildLimit keeps a guild at its limit of live running workflows; other guilds still run', async () => {
        const g1a = await create({ guildId: 'g1' }, T0);
        const g1b = await create({ guildId: 'g1' }, T0 + 1);
        const g2 = await create({ guildId: 'g2' }, T0 + 2);
        const opts = { now: T0 + 10, leaseMs: LEASE, perGuildLimit: 1 };
        expect((await store.claimNext({ owner: 'w', ...opts }))?.id).toBe(g1a);
        expect((await store.claimNext({ owner: 'w', ...opts }))?.id).toBe(g2);
        expect(await store.claimNext({ owner: 'w', ...opts })).toBeNull();
        expect(await store.countRunning({ guildId: 'g1' })).toBe(1);
        await store.complete(g1a, 'w', { now: T0 + 11, reportId: 'r' });
        expect((await store.claimNext({ owner: 'w', ...opts, now: T0 + 12 }))?.id).toBe(g1b);
      });

      it('claim(id) leases that one workflow only if it is claimable', async () => {
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
        expect(await store.claim(id, { owner: 'w2', now: T0 + LEASE, leaseMs: LEASE })).toMatchObject({
          leaseOwner: 'w2',
          attempts: 2,
        });
        expect((await store.getWorkflow(other))?.status).toBe('queued');
        await store.complete(id, 'w2', { now: T0 + LEASE + 1, reportId: 'r' });
        expect(await store.claim(id, { owner: 'w3', now: T0 + 10 * LEASE, leaseMs: LEASE })).toBeNull();
      });
    });

    describe('release, runAfter, completion, failure', () => {
      it('release puts the workflow back to queued, due at runAfter, keeping the error', async () => {
        const id = await create();
        await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE });
        const error = { code: 'net.timeout', message: 'The source did not answer in time.' };
        await store.release(id, 'w', { now: T0 + 1, runAfter: T0 + 5000, error });
        expect(await store.getWorkflow(id)).toMatchObject({
          status: 'queued',
          leaseOwner: null,
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
        const first = await create({}, T0);
        const second = await create({}, T0 + 1);
        await store.claim(first, { owner: 'w', now: T0 + 2, leaseMs: LEASE });
        await store.release(first, 'w', { now: T0 + 3, runAfter: T0 + 60_000, error: null });
        expect((await store.claimNext({ owner: 'w', now: T0 + 4, leaseMs: LEASE }))?.id).toBe(second);
      });

      it('release, complete, fail and markCancelled by a stale owner change nothing', async () => {
        const id = await create();
        await store.claimNext({ owner: 'old', now: T0, leaseMs: LEASE });
        await store.claimNext({ owner: 'new', now: T0 + LEASE, leaseMs: LEASE });
        await store.release(id, 'old', { now: T0 + LEASE + 1, runAfter: T0, error: null });
        await store.complete(id, 'old', { now: T0 + LEASE + 1, reportId: 'r' });
        await store.fail(id, 'old', { now: T0 + LEASE + 1, error: { code: 'x', message: 'y' } });
        await store.markCancelled(id, 'old', T0 + LEASE + 1);
        await store.updateProgress(id, 'old', {
          stage: 's',
          percent: 50,
          message: 'm',
          updatedAt: T0 + LEASE + 1,
        });
        expect(await store.getWorkflow(id)).toMatchObject({
          status: 'running',
          leaseOwner: 'new',
          progress: null,
        });
      });

      it('complete records the report and finish time and clears the lease', async () => {
        const id = await create();
        await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE });
        await store.complete(id, 'w', { now: T0 + 7, reportId: 'rep-1' });
        expect(await store.getWorkflow(id)).toMatchObject({
          status: 'completed',
          reportId: 'rep-1',
          finishedAt: T0 + 7,
          leaseOwner: null,
          leaseExpiresAt: null,
        });
      });

      it('fail stores the safe error and makes the workflow terminal', async () => {
        const id = await create();
        await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE });
        const error = { code: 'acquire.unsupported', message: 'This link type is not supported.' };
        await store.fail(id, 'w', { now: T0 + 3, error });
        expect(await store.getWorkflow(id)).toMatchObject({
          status: 'failed',
          lastError: error,
          finishedAt: T0 + 3,
        });
        expect(await store.claimNext({ owner: 'w', now: T0 + 10 * LEASE, leaseMs: LEASE })).toBeNull();
      });

      it('updateProgress by the owner is stored as given', async () => {
        const id = await create();
        await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE });
        const progress = { stage: 'transcribe', percent: 42.5, message: 'Transcribing', updatedAt: T0 + 9 };
        await store.updateProgress(id, 'w', progress);
        expect((await store.getWorkflow(id))?.progress).toEqual(progress);
      });
    });

    describe('checkpoints', () => {
      it('saveCheckpoint is idempotent per (workflow, stage): the first output stays', async () => {
        const id = await create();
        await store.saveCheckpoint(id, 'acquire', { text: 'first', n: [1, 2] }, T0);
        await store.saveCheckpoint(id, 'acquire', { text: 'second' }, T0 + 1);
        await store.saveCheckpoint(id, 'analyse', null, T0 + 2);
        expect(await store.getCheckpoints(id)).toEqual({
          acquire: { text: 'first', n: [1, 2] },
          analyse: null,
        });
        expect(await store.getCheckpoints(randomUUID())).toEqual({});
      });
    });

    describe('cancellation', () => {
      it('cancelling a queued workflow makes it cancelled at once', async () => {
        const id = await create();
        const rec = await store.requestCancel(id, T0 + 5);
        expect(rec).toMatchObject({ id, status: 'cancelled', cancelRequested: true, finishedAt: T0 + 5 });
        expect(await store.claimNext({ owner: 'w', now: T0 + 6, leaseMs: LEASE })).toBeNull();
      });

      it('cancelling a running workflow sets the flag only; the owner then marks it cancelled', async () => {
        const id = await create();
        await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE });
        const rec = await store.requestCancel(id, T0 + 5);
        expect(rec).toMatchObject({ status: 'running', cancelRequested: true });
        await store.markCancelled(id, 'w', T0 + 6);
        expect(await store.getWorkflow(id)).toMatchObject({
          status: 'cancelled',
          finishedAt: T0 + 6,
          leaseOwner: null,
        });
      });

      it('cancelling a finished or unknown workflow changes nothing', async () => {
        const id = await create();
        await store.claimNext({ owner: 'w', now: T0, leaseMs: LEASE });
        await store.complete(id, 'w', { now: T0 + 1, reportId: 'r' });
        expect(await store.requestCancel(id, T0 + 2)).toMatchObject({ status: 'completed' });
        expect(await store.requestCancel(randomUUID(), T0 + 2)).toBeNull();
      });
    });

    describe('counts and freshness', () => {
      it('countRunning counts running workflows, overall and per guild', async () => {
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
        await create({ requesterId: 'u' }, T0);
        await create({ requesterId: 'u' }, T0 + 100);
        await create({ requesterId: 'other' }, T0 + 100);
        expect(await store.countCreatedSince({ requesterId: 'u', since: T0 + 100 })).toBe(1);
        expect(await store.countCreatedSince({ requesterId: 'u', since: T0 })).toBe(2);
      });

      it('findFreshResult finds a completed workflow with a report for url+depth finished within the window', async () => {
        const url = 'https://fresh.example/a';
        const { id, reportId } = await completeWithReport(url, 'deep', T0 + 1000);
        expect(await store.findFreshResult({ url, depth: 'deep', since: T0 + 1000 })).toEqual({
          workflowId: id,
          reportId,
        });
        expect(await store.findFreshResult({ url, depth: 'deep', since: T0 + 1001 })).toBeNull();
        expect(await store.findFreshResult({ url, depth: 'standard', since: T0 })).toBeNull();
        expect(
          await store.findFreshResult({ url: 'https://fresh.example/b', depth: 'deep', since: T0 }),
        ).toBeNull();
      });

      it('findFreshResult ignores failed workflows and prefers the newest result', async () => {
        const url = 'https://fresh.example/n';
        await completeWithReport(url, 'standard', T0 + 10);
        const newer = await completeWithReport(url, 'standard', T0 + 20);
        const failed = await create({ url, guildId: null });
        await store.claim(failed, { owner: 'w', now: T0 + 30, leaseMs: LEASE });
        await store.fail(failed, 'w', { now: T0 + 30, error: { code: 'x', message: 'y' } });
        expect(await store.findFreshResult({ url, depth: 'standard', since: T0 })).toEqual({
          workflowId: newer.id,
          reportId: newer.reportId,
        });
      });
    });

    describe('reports and search', () => {
      it('saveReport then getReport returns the stored report', async () => {
        const { id, reportId } = await completeWithReport('https://r.example/', 'comprehensive', T0 + 5);
        expect(await store.getReport(reportId)).toEqual({
          id: reportId,
          workflowId: id,
          url: 'https://r.example/',
          depth: 'comprehensive',
          report: { depth: 'comprehensive', marker: id },
          createdAt: T0 + 5,
        });
        expect(await store.getReport(randomUUID())).toBeNull();
      });

      it('searchReports finds a stored report by a word from it, with a snippet, and can exclude a workflow', async () => {
        const a = await completeWithReport('https://s.example/a', 'standard', T0, {
          title: 'Volcanic activity in Iceland',
          searchText: 'Scientists measured magma pressure beneath the Reykjanes peninsula for months.',
        });
        const b = await completeWithReport('https://s.example/b', 'standard', T0, {
          title: 'Harbour report',
          searchText: 'Fishing boats returned early because magma warnings closed the harbour.',
        });
        await completeWithReport('https://s.example/c', 'standard', T0, {
          title: 'Unrelated',
          searchText: 'A recipe for bread with rye flour.',
        });
        const hits = await store.searchReports('magma', { limit: 10 });
        expect(hits.map((h) => h.workflowId).sort()).toEqual([a.id, b.id].sort());
        const hitA = hits.find((h) => h.workflowId === a.id);
        expect(hitA).toMatchObject({
          reportId: a.reportId,
          url: 'https://s.example/a',
          title: 'Volcanic activity in Iceland',
        });
        expect(hitA?.snippet.toLowerCase()).toContain('magma');
        expect(typeof hitA?.rank).toBe('number');
        expect((await store.searchReports('Iceland', { limit: 10 })).map((h) => h.workflowId)).toEqual([
          a.id,
        ]);
        const excluded = await store.searchReports('magma', { limit: 10, excludeWorkflowId: a.id });
        expect(excluded.map((h) => h.workflowId)).toEqual([b.id]);
        expect(await store.searchReports('magma', { limit: 1 })).toHaveLength(1);
      });

      it('searchReports with a guildId finds only the reports of workflows requested in that guild', async () => {
        const mine = await completeWithReport(
          'https://g.example/1',
          'comprehensive',
          T0,
          { title: 'Mine', searchText: 'The reservoir holds eleven billion litres.' },
          'guild-fc-1',
        );
        await completeWithReport(
          'https://g.example/2',
          'comprehensive',
          T0,
          { title: 'Theirs', searchText: 'The reservoir holds eleven billion litres, they said.' },
          'guild-fc-2',
        );
        await completeWithReport('https://g.example/3', 'comprehensive', T0, {
          title: 'No guild',
          searchText: 'The reservoir holds eleven billion litres too.',
        });
        expect(await store.searchReports('reservoir litres', { limit: 10 })).toHaveLength(3);
        const scoped = await store.searchReports('reservoir litres', { limit: 10, guildId: 'guild-fc-1' });
        expect(scoped.map((h) => h.workflowId)).toEqual([mine.id]);
        expect(
          await store.searchReports('reservoir', {
            limit: 10,
            guildId: 'guild-fc-1',
            excludeWorkflowId: mine.id,
          }),
        ).toEqual([]);
      });

      it('searchReports treats query syntax as plain words and returns nothing for an empty query', async () => {
        await completeWithReport('https://s.example/q', 'standard', T0, {
          title: 'Quotes',
          searchText: 'He said "NEAR" AND OR * (parentheses) are words here.',
        });
        await expect(store.searchReports('"NEAR" AND (OR', { limit: 5 })).resolves.toBeInstanceOf(Array);
        expect(await store.searchReports('   ', { limit: 5 })).toEqual([]);
        expect(await store.searchReports('nonexistentword', { limit: 5 })).toEqual([]);
      });
    });

    describe('delivery outbox', () => {
      it('adds parts once, lists them in seq order, and leaves existing parts untouched', async () => {
        const id = await create();
        await store.addDeliveryParts(id, [
          { partKey: 'report:1', seq: 1, payload: { content: 'second' } },
          { partKey: 'report:0', seq: 0, payload: { content: 'first' } },
        ]);
        await store.markPartSent(id, 'report:0', { target: 'interaction', messageId: 'm-0', now: T0 + 1 });
        await store.addDeliveryParts(id, [
          { partKey: 'report:0', seq: 0, payload: { content: 'CHANGED' } },
          { partKey: 'report:2', seq: 2, payload: { content: 'third' } },
        ]);
        const parts = await store.listDeliveryParts(id);
        expect(parts.map((p) => p.partKey)).toEqual(['report:0', 'report:1', 'report:2']);
        expect(parts[0]).toMatchObject({
          workflowId: id,
          payload: { content: 'first' },
          status: 'sent',
          target: 'interaction',
          messageId: 'm-0',
          sentAt: T0 + 1,
        });
        expect(parts[1]).toMatchObject({
          status: 'pending',
          target: null,
          messageId: null,
          attempts: 0,
          lastError: null,
        });
      });

      it('markPartAttempt counts attempts, keeps the last error, and marks failed only when told', async () => {
        const id = await create();
        await store.addDeliveryParts(id, [{ partKey: 'p', seq: 0, payload: {} }]);
        const error = { code: 'discord.rate_limited', message: 'Rate limited' };
        await store.markPartAttempt(id, 'p', { error, failed: false, now: T0 + 1 });
        expect((await store.listDeliveryParts(id))[0]).toMatchObject({
          status: 'pending',
          attempts: 1,
          lastError: error,
        });
        await store.markPartAttempt(id, 'p', { error, failed: true, now: T0 + 2 });
        expect((await store.listDeliveryParts(id))[0]).toMatchObject({ status: 'failed', attempts: 2 });
      });

      it('setDeliveryState is visible on the workflow', async () => {
        const id = await create();
        await store.setDeliveryState(id, 'delivering', { error: null, now: T0 + 1 });
        expect(await store.getWorkflow(id)).toMatchObject({
          deliveryState: 'delivering',
          deliveryError: null,
        });
        const error = { code: 'delivery.no_target', message: 'No way to reach the channel.' };
        await store.setDeliveryState(id, 'failed', { error, now: T0 + 2 });
        expect(await store.getWorkflow(id)).toMatchObject({ deliveryState: 'failed', deliveryError: error });
      });

      it('the progress card is saved and replaced', async () => {
        const id = await create();
        expect(await store.getProgressCard(id)).toBeNull();
        await store.saveProgressCard({
          workflowId: id,
          target: 'interaction',
          messageId: null,
          lastEditAt: T0,
          lastPercent: 0,
        });
        const card = {
          workflowId: id,
          target: 'channel',
          messageId: 'm-9',
          lastEditAt: T0 + 5,
          lastPercent: 55.5,
        };
        await store.saveProgressCard(card);
        expect(await store.getProgressCard(id)).toEqual(card);
      });
    });

    describe('guild settings and interaction claims', () => {
      it('stores and replaces the sealed guild webhook', async () => {
        expect(await store.getGuildWebhook('g')).toBeNull();
        await store.setGuildWebhook('g', 'v1:first', T0);
        await store.setGuildWebhook('g', 'v1:second', T0 + 1);
        expect(await store.getGuildWebhook('g')).toBe('v1:second');
      });

      it('claimInteraction: the first caller wins, every later one loses', async () => {
        const results = await Promise.all(['a', 'b', 'c'].map((o) => store.claimInteraction('int-1', o, T0)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.claimInteraction('int-1', 'd', T0 + 1)).toBe(false);
        expect(await store.claimInteraction('int-2', 'd', T0 + 1)).toBe(true);
      });

      it('an intake stored with the winning claim stays open until completed; a losing claim never replaces it', async () => {
        expect(await store.claimInteraction('int-a', 'p1', T0, 'sealed-a')).toBe(true);
        expect(await store.claimInteraction('int-a', 'p2', T0 + 1, 'sealed-other')).toBe(false);
        expect(await store.claimInteraction('int-b', 'p1', T0 + 10, 'sealed-b')).toBe(true);
        expect(await store.claimInteraction('int-c', 'p1', T0 + 5)).toBe(true);
        expect(await store.listOpenIntakes({ before: T0 + 10, limit: 10 })).toEqual([
          { interactionId: 'int-a', intake: 'sealed-a', claimedAt: T0 },
          { interactionId: 'int-b', intake: 'sealed-b', claimedAt: T0 + 10 },
        ]);
        expect(await store.listOpenIntakes({ before: T0 + 9, limit: 10 })).toHaveLength(1);
        await store.completeIntake('int-a');
        expect(
          (await store.listOpenIntakes({ before: T0 + 10, limit: 10 })).map((x) => x.interactionId),
        ).toEqual(['int-b']);
      });
    });

    describe('purge', () => {
      it('deletes finished workflows older than `before` with their reports, checkpoints and parts; keeps the rest', async () => {
        const old = await completeWithReport('https://p.example/old', 'standard', T0, {
          title: 'Old zebra report',
          searchText: 'zebra',
        });
        await store.saveCheckpoint(old.id, 's', { x: 1 }, T0);
        await store.addDeliveryParts(old.id, [{ partKey: 'p', seq: 0, payload: {} }]);
        const recent = await completeWithReport('https://p.example/new', 'standard', T0 + 10_000, {
          title: 'New zebra report',
          searchText: 'zebra',
        });
        const queued = await create({}, T0 - 50_000);
        const running = await create({}, T0 - 50_000);
        await store.claim(running, { owner: 'w', now: T0 - 50_000, leaseMs: LEASE });

        expect(await store.purgeFinishedBefore(T0 + 5000)).toBe(1);
        expect(await store.getWorkflow(old.id)).toBeNull();
        expect(await store.getReport(old.reportId)).toBeNull();
        expect(await store.getCheckpoints(old.id)).toEqual({});
        expect(await store.listDeliveryParts(old.id)).toEqual([]);
        expect((await store.searchReports('zebra', { limit: 10 })).map((h) => h.workflowId)).toEqual([
          recent.id,
        ]);
        expect(await store.getWorkflow(recent.id)).not.toBeNull();
        expect(await store.getWorkflow(queued)).not.toBeNull();
        expect(await store.getWorkflow(running)).not.toBeNull();
        expect(await store.purgeFinishedBefore(T0 + 5000)).toBe(0);
      });
    });
  });
}
