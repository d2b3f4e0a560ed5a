// The model ledger on the embedded SQLite database (its own connection to the same WAL file; tables from migration 6).
import type Database from 'better-sqlite3';
import { toAppError } from '../../core/errors.js';
import type { LlmCacheEntry, LlmLedger, LlmSpendEntry, LlmSpendTotal } from '../llm-ledger.js';
import { openSqliteFile } from './context.js';

type Db = InstanceType<typeof Database>;

export interface SqliteLlmLedgerOptions {
  /** The store's database file, already migrated (`SqliteWorkflowStore.migrate`). */
  readonly filename: string;
  readonly busyTimeoutMs?: number;
}

interface TotalRow {
  calls: number;
  prompt: number | null;
  completion: number | null;
  cost: number | null;
}

export class SqliteLlmLedger implements LlmLedger {
  readonly #db: Db;

  constructor(options: SqliteLlmLedgerOptions) {
    this.#db = openSqliteFile('SqliteLlmLedger', options);
  }

  getCached(key: string): Promise<LlmCacheEntry | null> {
    return this.#run(() => {
      const row = this.#db
        .prepare('SELECT value, model, prompt_tokens, completion_tokens FROM llm_cache WHERE key = ?')
        .get(key) as
        { value: string; model: string; prompt_tokens: number; completion_tokens: number } | undefined;
      return row === undefined
        ? null
        : {
            value: JSON.parse(row.value) as unknown,
            model: row.model,
            promptTokens: row.prompt_tokens,
            completionTokens: row.completion_tokens,
          };
    });
  }

  putCached(key: string, entry: LlmCacheEntry, now: number): Promise<void> {
    return this.#run(() => {
      this.#db
        .prepare(
          `INSERT INTO llm_cache (key, model, value, prompt_tokens, completion_tokens, created_at)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
        )
        .run(key, entry.model, JSON.stringify(entry.value), entry.promptTokens, entry.completionTokens, now);
    });
  }

  recordSpend(e: LlmSpendEntry): Promise<void> {
    return this.#run(() => {
      this.#db
        .prepare(
          `INSERT INTO llm_spend (guild_id, workflow_id, stage, model, prompt_tokens, completion_tokens, cost_usd, at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(e.guildId, e.workflowId, e.stage, e.model, e.promptTokens, e.completionTokens, e.costUsd, e.at);
    });
  }

  guildSpend(guildId: string, since: number, until: number): Promise<LlmSpendTotal> {
    return this.#run(() =>
      toTotal(
        this.#db
          .prepare(
            `SELECT count(*) AS calls, sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion,
                    sum(cost_usd) AS cost FROM llm_spend WHERE guild_id = ? AND at >= ? AND at < ?`,
          )
          .get(guildId, since, until) as TotalRow,
      ),
    );
  }

  workflowSpend(workflowId: string): Promise<LlmSpendTotal> {
    return this.#run(() =>
      toTotal(
        this.#db
          .prepare(
            `SELECT count(*) AS calls, sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion,
                    sum(cost_usd) AS cost FROM llm_spend WHERE workflow_id = ?`,
          )
          .get(workflowId) as TotalRow,
      ),
    );
  }

  close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return Promise.resolve();
  }

  #run<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (e: unknown) {
      return Promise.reject(toAppError(e, 'store.sqlite'));
    }
  }
}

const toTotal = (r: TotalRow): LlmSpendTotal => ({
  calls: r.calls,
  promptTokens: r.prompt ?? 0,
  completionTokens: r.completion ?? 0,
  costUsd: r.cost ?? 0,
});
