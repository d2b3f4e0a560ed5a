// The IntakeStore contract: the one process that may answer an interaction, and the intakes it must not lose.
import { describe, expect, it } from 'vitest';
import type { IntakeStore } from '../../src/store/store.js';
import { T0, useStore, type PortUnderTest } from './store-support.js';

export function describeIntakeStoreContract(
  name: string,
  makeStore: () => Promise<PortUnderTest<IntakeStore>>,
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
  });
}
