// The LlmLedger contract: every adapter (memory, SQLite, PostgreSQL) passes the same suite.
import { describe, expect, it } from 'vitest';
import type { LlmLedger } from '../../src/store/llm-ledger.js';

export interface LedgerFixture {
  readonly ledger: LlmLedger;
  cleanup(): Promise<void>;
}

const DAY = 86_400_000;
const T = Date.UTC(2026, 4, 1, 10);

export function describeLlmLedgerContract(name: string, make: () => Promise<LedgerFixture>): void {
  describe(`${name} (LlmLedger contract)`, () => {
    const withLedger = (fn: (l: LlmLedger) => Promise<void>) => async () => {
      const f = await make();
      try {
        await fn(f.ledger);
      } finally {
        await f.cleanup();
      }
    };

    it(
      'returns a cached answer as stored, null for an unknown key, and keeps the first entry for a key',
      withLedger(async (l) => {
        expect(await l.getCached('k1')).toBeNull();
        const value = {
          statements: [{ kind: 'tldr', text: 'é “quoted” 🚀', detail: null, quotes: ['a b c'] }],
        };
        await l.putCached('k1', { value, model: 'm-1', promptTokens: 120, completionTokens: 30 }, T);
        await l.putCached(
          'k1',
          { value: { other: true }, model: 'm-2', promptTokens: 1, completionTokens: 1 },
          T + 1,
        );
        expect(await l.getCached('k1')).toEqual({
          value,
          model: 'm-1',
          promptTokens: 120,
          completionTokens: 30,
        });
        expect(await l.getCached('k2')).toBeNull();
      }),
    );

    it(
      "sums a guild's spend within a time window and a workflow's spend, apart from other guilds and workflows",
      withLedger(async (l) => {
        const entry = (guildId: string | null, workflowId: string, at: number, costUsd: number) =>
          l.recordSpend({
            guildId,
            workflowId,
            stage: 'llm',
            model: 'm',
            promptTokens: 1000,
            completionTokens: 100,
            costUsd,
            at,
          });
        await entry('g1', 'w1', T - DAY, 5);
        await entry('g1', 'w2', T, 0.25);
        await entry('g1', 'w2', T + 1000, 0.5);
        await entry('g2', 'w3', T, 9);
        await entry(null, 'w4', T, 2);
        const today = await l.guildSpend('g1', T - 1, T + DAY);
        expect(today.calls).toBe(2);
        expect(today.costUsd).toBeCloseTo(0.75, 9);
        expect(today.promptTokens).toBe(2000);
        expect(today.completionTokens).toBe(200);
        // The window's end is exclusive.
        expect((await l.guildSpend('g1', T - 1, T + 1000)).calls).toBe(1);
        expect(await l.guildSpend('nobody', 0, T + DAY)).toEqual({
          calls: 0,
          promptTokens: 0,
          completionTokens: 0,
          costUsd: 0,
        });
        const w2 = await l.workflowSpend('w2');
        expect(w2.calls).toBe(2);
        expect(w2.costUsd).toBeCloseTo(0.75, 9);
        expect((await l.workflowSpend('w4')).costUsd).toBe(2);
      }),
    );
  });
}
