// The model ledger port: the cache of model answers (content hash + prompt version + model) and the spend record
// behind budgets. SQLite and PostgreSQL adapters sit beside the other store adapters; MemoryLlmLedger is for
// one-shot runs (the CLI) and tests.

export interface LlmCacheEntry {
  /** The validated answer, as JSON. */
  readonly value: unknown;
  readonly model: string;
  /** What the answer cost when it was paid for (a cache hit costs nothing). */
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface LlmSpendEntry {
  readonly guildId: string | null;
  readonly workflowId: string;
  readonly stage: string;
  readonly model: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Clock time of the call (ms since the epoch), passed in: the ledger never reads the time. */
  readonly at: number;
}

export interface LlmSpendTotal {
  readonly calls: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
}

export interface LlmLedger {
  getCached(key: string): Promise<LlmCacheEntry | null>;
  /** Saving the same key again keeps the first entry: both answered the same request. */
  putCached(key: string, entry: LlmCacheEntry, now: number): Promise<void>;
  recordSpend(entry: LlmSpendEntry): Promise<void>;
  /** A guild's spend in [since, until). */
  guildSpend(guildId: string, since: number, until: number): Promise<LlmSpendTotal>;
  workflowSpend(workflowId: string): Promise<LlmSpendTotal>;
  close(): Promise<void>;
}

export const ZERO_SPEND: LlmSpendTotal = { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };

export class MemoryLlmLedger implements LlmLedger {
  readonly #cache = new Map<string, LlmCacheEntry>();
  readonly #spend: LlmSpendEntry[] = [];

  getCached(key: string): Promise<LlmCacheEntry | null> {
    const e = this.#cache.get(key);
    return Promise.resolve(e === undefined ? null : (JSON.parse(JSON.stringify(e)) as LlmCacheEntry));
  }

  putCached(key: string, entry: LlmCacheEntry): Promise<void> {
    if (!this.#cache.has(key)) this.#cache.set(key, JSON.parse(JSON.stringify(entry)) as LlmCacheEntry);
    return Promise.resolve();
  }

  recordSpend(entry: LlmSpendEntry): Promise<void> {
    this.#spend.push({ ...entry });
    return Promise.resolve();
  }

  guildSpend(guildId: string, since: number, until: number): Promise<LlmSpendTotal> {
    return Promise.resolve(
      total(this.#spend.filter((s) => s.guildId === guildId && s.at >= since && s.at < until)),
    );
  }

  workflowSpend(workflowId: string): Promise<LlmSpendTotal> {
    return Promise.resolve(total(this.#spend.filter((s) => s.workflowId === workflowId)));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function total(list: readonly LlmSpendEntry[]): LlmSpendTotal {
  return list.reduce(
    (t, s) => ({
      calls: t.calls + 1,
      promptTokens: t.promptTokens + s.promptTokens,
      completionTokens: t.completionTokens + s.completionTokens,
      costUsd: t.costUsd + s.costUsd,
    }),
    ZERO_SPEND,
  );
}
