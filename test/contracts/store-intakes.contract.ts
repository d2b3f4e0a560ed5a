// The IntakeStore contract: the one process that may answer an interaction, and the intakes it must not lose.
import { describe, expect, it } from 'vitest';
import type { IntakeStore, WorkflowLeaseStore } from '../../src/store/store.js';
import { T0, useStore, type PortUnderTest } from './store-support.js';

export function describeIntakeStoreContract(
  name: string,
  makeStore: () => Promise<PortUnderTest<IntakeStore & Pick<WorkflowLeaseStore, 'purgeFinishedBefore'>>>,
): void {
  describe(`IntakeStore contract: ${name}`, () => {
    const current = useStore(makeStore);

    it('claimInteraction: the first caller wins, every later one loses', async () => {
      const store = current();
      const results = await Promise.all(['a', 'b', 'c'].map((o) => store.claimInteraction('int-1', o, T0)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.claimInteraction('int-1', 'd', T0 + 1)).toBe(false);
      expect(await store.claimInteraction('int-2', 'd', T0 + 1)).toBe(true);
    });

    it('an intake stored with the winning claim stays open until completed; a losing claim never replaces it', async () => {
      const store = current();
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

    it('the retention purge drops old claims and finished intakes but never an intake still waiting to start', async () => {
      const store = current();
      expect(await store.claimInteraction('plain', 'p', T0)).toBe(true);
      expect(await store.claimInteraction('done', 'p', T0, 'sealed-done')).toBe(true);
      await store.completeIntake('done');
      expect(await store.claimInteraction('waiting', 'p', T0, 'sealed-waiting')).toBe(true);
      await store.purgeFinishedBefore(T0 + 1000);
      expect(
        (await store.listOpenIntakes({ before: T0 + 1000, limit: 10 })).map((x) => x.interactionId),
      ).toEqual(['waiting']);
      // Purged claims can be claimed again (nothing of them is left); the open one still cannot.
      expect(await store.claimInteraction('plain', 'q', T0 + 2000)).toBe(true);
      expect(await store.claimInteraction('done', 'q', T0 + 2000)).toBe(true);
      expect(await store.claimInteraction('waiting', 'q', T0 + 2000)).toBe(false);
    });
  });
}
