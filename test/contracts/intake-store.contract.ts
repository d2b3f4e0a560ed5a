// The IntakeStore contract: claims, cursor paging of open intakes and dead letters, for every store adapter.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IntakeStore } from '../../src/store/intake-store.js';

export interface IntakeStoreUnderTest {
  readonly store: IntakeStore & { migrate(): Promise<void> };
  cleanup(): Promise<void>;
}

const T0 = 1_700_000_000_000;

export function describeIntakeStoreContract(name: string, make: () => Promise<IntakeStoreUnderTest>): void {
  describe(`IntakeStore contract: ${name}`, () => {
    let sut: IntakeStoreUnderTest;
    let store: IntakeStoreUnderTest['store'];

    beforeEach(async () => {
      sut = await make();
      store = sut.store;
      await store.migrate();
    });
    afterEach(async () => {
      await sut.cleanup();
    });

    it('pages through every open intake oldest first, ties by id, each exactly once', async () => {
      // Five share one claimed_at: a cursor on time alone would skip or repeat rows at a page boundary.
      const ids = ['e', 'c', 'a', 'd', 'b'];
      for (const id of ids) expect(await store.claimInteraction(id, 'p', T0 + 5, `sealed-${id}`)).toBe(true);
      expect(await store.claimInteraction('z-old', 'p', T0, 'sealed-old')).toBe(true);
      expect(await store.claimInteraction('late', 'p', T0 + 100, 'sealed-late')).toBe(true);
      expect(await store.claimInteraction('no-intake', 'p', T0 + 1)).toBe(true);

      const seen: string[] = [];
      let after: { claimedAt: number; interactionId: string } | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.listOpenIntakes({
          before: T0 + 50,
          limit: 2,
          ...(after === undefined ? {} : { after }),
        });
        if (page.length === 0) break;
        seen.push(...page.map((r) => r.interactionId));
        const last = page.at(-1);
        if (last === undefined) break;
        after = { claimedAt: last.claimedAt, interactionId: last.interactionId };
      }
      expect(seen).toEqual(['z-old', 'a', 'b', 'c', 'd', 'e']);
    });

    it('a dead-lettered intake keeps its reason and is never listed as open again', async () => {
      await store.claimInteraction('bad', 'p', T0, 'sealed-with-an-old-key');
      await store.claimInteraction('good', 'p', T0 + 1, 'sealed-good');
      await store.deadLetterIntake(
        'bad',
        { code: 'intake.unreadable', message: 'sealed with another key' },
        T0 + 9,
      );
      expect(
        (await store.listOpenIntakes({ before: T0 + 10, limit: 10 })).map((r) => r.interactionId),
      ).toEqual(['good']);
      expect(await store.listDeadIntakes({ limit: 10 })).toEqual([
        {
          interactionId: 'bad',
          claimedAt: T0,
          deadAt: T0 + 9,
          reason: { code: 'intake.unreadable', message: 'sealed with another key' },
        },
      ]);
    });

    it('dead-lettering a completed intake changes nothing; a claim for a dead id still loses', async () => {
      await store.claimInteraction('done', 'p', T0, 'sealed');
      await store.completeIntake('done');
      await store.deadLetterIntake('done', { code: 'intake.malformed', message: 'x' }, T0 + 1);
      expect(await store.listDeadIntakes({ limit: 10 })).toEqual([]);
      await store.claimInteraction('dead', 'p', T0, 'sealed');
      await store.deadLetterIntake('dead', { code: 'intake.malformed', message: 'x' }, T0 + 1);
      expect(await store.claimInteraction('dead', 'q', T0 + 2, 'sealed-again')).toBe(false);
      expect(await store.listOpenIntakes({ before: T0 + 10, limit: 10 })).toEqual([]);
    });
  });
}
