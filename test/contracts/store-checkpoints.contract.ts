// The CheckpointReportStore contract: checkpoints written only by the run holding the lease, seeded copies,
// stored reports and their full-text search.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SerializedJson } from '../../src/core/json.js';
import type { CheckpointReportStore, ReportScope, WorkflowLeaseStore } from '../../src/store/store.js';
import { ALL, claimRun, createIn, LEASE, must, T0, useStore, type PortUnderTest } from './store-support.js';
import { completeWithReport } from './store-workflows.contract.js';

/** Checkpoints belong to workflows and are fenced by their runs: the lease port seeds them. */
type Store = CheckpointReportStore & WorkflowLeaseStore;

export function describeCheckpointReportStoreContract(
  name: string,
  makeStore: () => Promise<PortUnderTest<Store>>,
): void {
  describe(`CheckpointReportStore contract: ${name}`, () => {
    const current = useStore(makeStore);

    describe('checkpoints', () => {
      it('saveCheckpoint is idempotent per (workflow, stage): the first output stays', async () => {
        const store = current();
        const id = await createIn(store);
        const run = await claimRun(store, id);
        expect(await store.saveCheckpoint(run, 'acquire', { text: 'first', n: [1, 2] }, T0)).toBe(true);
        expect(await store.saveCheckpoint(run, 'acquire', { text: 'second' }, T0 + 1)).toBe(true);
        expect(await store.saveCheckpoint(run, 'analyse', null, T0 + 2)).toBe(true);
        expect(await store.saveCheckpoint(run, 'transcribe#chunk:0', { words: 'one' }, T0 + 3)).toBe(true);
        expect(await store.getCheckpoints(id)).toEqual({
          acquire: { text: 'first', n: [1, 2] },
          analyse: null,
          'transcribe#chunk:0': { words: 'one' },
        });
        expect(await store.getCheckpoints(randomUUID())).toEqual({});
      });

      it('a checkpoint and a report given as SerializedJson are stored as their text and read back parsed', async () => {
        const store = current();
        const id = await createIn(store);
        const run = await claimRun(store, id);
        const output = { text: 'serialised off the loop', n: [1, 2], nested: { ok: true } };
        const text = new SerializedJson(JSON.stringify(output));
        expect(await store.saveCheckpoint(run, 'report', text, T0)).toBe(true);
        expect(await store.getCheckpoints(id)).toEqual({ report: output });
        await store.saveReport({
          id,
          workflowId: id,
          url: 'https://s.example/',
          depth: 'standard',
          report: text,
          createdAt: T0,
          title: 'Serialised',
          searchText: 'serialised off the loop',
        });
        expect((await store.getReport(id))?.report).toEqual(output);
      });

      it('a run that lost its lease cannot write a checkpoint', async () => {
        const store = current();
        const id = await createIn(store);
        const stale = await claimRun(store, id, 'a', T0);
        const fresh = await claimRun(store, id, 'b', T0 + LEASE);
        expect(await store.saveCheckpoint(stale, 'acquire', { by: 'stale' }, T0 + LEASE + 1)).toBe(false);
        expect(await store.getCheckpoints(id)).toEqual({});
        expect(await store.saveCheckpoint(fresh, 'acquire', { by: 'fresh' }, T0 + LEASE + 2)).toBe(true);
        await store.complete(fresh, { now: T0 + LEASE + 3, reportId: 'r' });
        // A finished workflow takes no more checkpoints, even from the run that finished it.
        expect(await store.saveCheckpoint(fresh, 'late', 1, T0 + LEASE + 4)).toBe(false);
        expect(await store.getCheckpoints(id)).toEqual({ acquire: { by: 'fresh' } });
      });

      it('seedCheckpoints copies outputs onto a workflow no run has claimed yet, and only then', async () => {
        const store = current();
        const id = await createIn(store);
        expect(await store.seedCheckpoints(id, { acquire: { a: 1 }, analyse: [2] }, T0)).toBe(true);
        expect(await store.getCheckpoints(id)).toEqual({ acquire: { a: 1 }, analyse: [2] });
        must(await store.claim(id, { owner: 'w', now: T0, leaseMs: LEASE }));
        expect(await store.seedCheckpoints(id, { report: 3 }, T0 + 1)).toBe(false);
        expect(await store.seedCheckpoints(randomUUID(), { report: 3 }, T0 + 1)).toBe(false);
        expect(Object.keys(await store.getCheckpoints(id)).sort()).toEqual(['acquire', 'analyse']);
      });
    });

    describe('reports and search', () => {
      it('saveReport then getReport returns the stored report', async () => {
        const store = current();
        const { id, reportId } = await completeWithReport(
          store,
          'https://r.example/',
          'comprehensive',
          T0 + 5,
        );
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
        const store = current();
        const a = await completeWithReport(store, 'https://s.example/a', 'standard', T0, {
          title: 'Volcanic activity in Iceland',
          searchText: 'Scientists measured magma pressure beneath the Reykjanes peninsula for months.',
        });
        const b = await completeWithReport(store, 'https://s.example/b', 'standard', T0, {
          title: 'Harbour report',
          searchText: 'Fishing boats returned early because magma warnings closed the harbour.',
        });
        await completeWithReport(store, 'https://s.example/c', 'standard', T0, {
          title: 'Unrelated',
          searchText: 'A recipe for bread with rye flour.',
        });
        const hits = await store.searchReports('magma', { limit: 10, scope: ALL });
        expect(hits.map((h) => h.workflowId).sort()).toEqual([a.id, b.id].sort());
        const hitA = hits.find((h) => h.workflowId === a.id);
        expect(hitA).toMatchObject({
          reportId: a.reportId,
          url: 'https://s.example/a',
          title: 'Volcanic activity in Iceland',
          depth: 'standard',
          createdAt: T0,
        });
        expect(hitA?.snippet.toLowerCase()).toContain('magma');
        expect(typeof hitA?.rank).toBe('number');
        expect(
          (await store.searchReports('Iceland', { limit: 10, scope: ALL })).map((h) => h.workflowId),
        ).toEqual([a.id]);
        const excluded = await store.searchReports('magma', {
          limit: 10,
          scope: ALL,
          excludeWorkflowId: a.id,
        });
        expect(excluded.map((h) => h.workflowId)).toEqual([b.id]);
        expect(await store.searchReports('magma', { limit: 1, scope: ALL })).toHaveLength(1);
      });

      it('searchReports sees only its scope: a guild, a member outside any guild, or (operator) everything', async () => {
        const store = current();
        const mine = await completeWithReport(
          store,
          'https://g.example/1',
          'comprehensive',
          T0,
          { title: 'Mine', searchText: 'The reservoir holds eleven billion litres.' },
          'guild-fc-1',
        );
        await completeWithReport(
          store,
          'https://g.example/2',
          'comprehensive',
          T0,
          { title: 'Theirs', searchText: 'The reservoir holds eleven billion litres, they said.' },
          'guild-fc-2',
        );
        const direct = await completeWithReport(
          store,
          'https://g.example/3',
          'comprehensive',
          T0,
          { title: 'No guild', searchText: 'The reservoir holds eleven billion litres too.' },
          null,
          'dm-user',
        );
        await completeWithReport(
          store,
          'https://g.example/4',
          'comprehensive',
          T0,
          { title: 'Someone else in a DM', searchText: 'The reservoir holds eleven billion litres, again.' },
          null,
          'other-dm-user',
        );
        const ids = async (scope: ReportScope, exclude?: string) =>
          (
            await store.searchReports('reservoir litres', {
              limit: 10,
              scope,
              ...(exclude === undefined ? {} : { excludeWorkflowId: exclude }),
            })
          ).map((h) => h.workflowId);
        expect(await ids(ALL)).toHaveLength(4);
        expect(await ids({ kind: 'guild', guildId: 'guild-fc-1' })).toEqual([mine.id]);
        expect(await ids({ kind: 'guild', guildId: 'guild-fc-1' }, mine.id)).toEqual([]);
        // A member outside any guild sees their own DM reports, never a guild's (even one they belong to).
        expect(await ids({ kind: 'direct', requesterId: 'dm-user' })).toEqual([direct.id]);
        expect(await ids({ kind: 'direct', requesterId: 'user-1' })).toEqual([]);
        expect(await ids({ kind: 'guild', guildId: 'guild-none' })).toEqual([]);
      });

      it('searchReports treats query syntax as plain words and returns nothing for an empty query', async () => {
        const store = current();
        await completeWithReport(store, 'https://s.example/q', 'standard', T0, {
          title: 'Quotes',
          searchText: 'He said "NEAR" AND OR * (parentheses) are words here.',
        });
        await expect(store.searchReports('"NEAR" AND (OR', { limit: 5, scope: ALL })).resolves.toBeInstanceOf(
          Array,
        );
        expect(await store.searchReports('   ', { limit: 5, scope: ALL })).toEqual([]);
        expect(await store.searchReports('nonexistentword', { limit: 5, scope: ALL })).toEqual([]);
      });
    });
  });
}
