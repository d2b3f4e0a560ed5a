// The model ledger on PostgreSQL (scale-out): a small pool of its own on the store's database and schema (migration 5).
import type pg from 'pg';
import { toAppError } from '../../core/errors.js';
import type { LlmCacheEntry, LlmLedger, LlmSpendEntry, LlmSpendTotal } from '../llm-ledger.js';
import { openPgPool } from './context.js';

export interface PostgresLlmLedgerOptions {
  readonly connectionString: string;
  /** The store's schema, when it has one (tests); migrated by `PostgresWorkflowStore.migrate`. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

interface TotalRow extends pg.QueryResultRow {
  calls: string;
  prompt: string | null;
  completion: string | null;
  cost: number | null;
}

export class PostgresLlmLedger implements LlmLedger {
  readonly #pool: pg.Pool;

  constructor(options: PostgresLlmLedgerOptions) {
    this.#pool = openPgPool('PostgresLlmLedger', options, {
      maxConnections: 2,
      applicationName: 'autointel-llm-ledger',
    });
  }

  async getCached(key: string): Promise<LlmCacheEntry | null> {
    const r = await this.#query<{
      value: unknown;
      model: string;
      prompt_tokens: number;
      completion_tokens: number;
    }>('SELECT value, model, prompt_tokens, completion_tokens FROM llm_cache WHERE key = $1', [key]);
    const row = r.rows[0];
    return row === undefined
      ? null
      : {
          value: row.value,
          model: row.model,
          promptTokens: row.prompt_tokens,
          completionTokens: row.completion_tokens,
        };
  }

  async putCached(key: string, entry: LlmCacheEntry, now: number): Promise<void> {
    await this.#query(
      `INSERT INTO llm_cache (key, model, value, prompt_tokens, completion_tokens, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING`,
      [key, entry.model, JSON.stringify(entry.value), entry.promptTokens, entry.completionTokens, now],
    );
  }

  async recordSpend(e: LlmSpendEntry): Promise<void> {
    await this.#query(
      `INSERT INTO llm_spend (guild_id, workflow_id, stage, model, prompt_tokens, completion_tokens, cost_usd, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [e.guildId, e.workflowId, e.stage, e.model, e.promptTokens, e.completionTokens, e.costUsd, e.at],
    );
  }

  async guildSpend(guildId: string, since: number, until: number): Promise<LlmSpendTotal> {
    const r = await this.#query<TotalRow>(
      `SELECT count(*) AS calls, sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion,
              sum(cost_usd)::float8 AS cost FROM llm_spend WHERE guild_id = $1 AND at >= $2 AND at < $3`,
      [guildId, since, until],
    );
    return toTotal(r.rows[0]);
  }

  async workflowSpend(workflowId: string): Promise<LlmSpendTotal> {
    const r = await this.#query<TotalRow>(
      `SELECT count(*) AS calls, sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion,
              sum(cost_usd)::float8 AS cost FROM llm_spend WHERE workflow_id = $1`,
      [workflowId],
    );
    return toTotal(r.rows[0]);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #query<R extends pg.QueryResultRow>(
    text: string,
    values: readonly unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.#pool.query<R>(text, values as unknown[]);
    } catch (e: unknown) {
      throw toAppError(e, 'store.postgres');
    }
  }
}

const toTotal = (r: TotalRow | undefined): LlmSpendTotal => ({
  calls: Number(r?.calls ?? 0),
  promptTokens: Number(r?.prompt ?? 0),
  completionTokens: Number(r?.completion ?? 0),
  costUsd: r?.cost ?? 0,
});
