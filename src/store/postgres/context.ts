// What every concern of the PostgreSQL store shares: the pool, its schema, queries and transactions with typed errors.
import type pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import { AppError, RetryLaterError, toAppError } from '../../core/errors.js';
import { jsonText } from '../../core/json.js';

export const num = (v: string | number): number => (typeof v === 'number' ? v : Number(v));
export const numOrNull = (v: string | number | null): number | null => (v === null ? null : num(v));
/** Parameter text of a JSON value (a SerializedJson as it is); null for undefined. */
export const json = (v: unknown): string | null => (v === undefined ? null : jsonText(v));

/** One pool (and schema) handed to each per-concern part of the store. */
export class PgContext {
  readonly pool: pg.Pool;
  readonly schema: string | undefined;

  constructor(pool: pg.Pool, schema: string | undefined) {
    this.pool = pool;
    this.schema = schema;
  }

  async query<R extends QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
    client?: PoolClient,
  ): Promise<pg.QueryResult<R>> {
    try {
      return await (client ?? this.pool).query<R>(text, values as unknown[]);
    } catch (e: unknown) {
      throw storeError(e);
    }
  }

  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e: unknown) {
      throw storeError(e);
    }
    try {
      await this.query('BEGIN', [], client);
      const result = await fn(client);
      await this.query('COMMIT', [], client);
      return result;
    } catch (e: unknown) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw toAppError(e, 'store.postgres');
    } finally {
      client.release();
    }
  }
}

/** Connection-level failures are transient; SQL errors (constraint, syntax) are bugs or bad data. */
export function storeError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  // A SQLSTATE is five characters; anything else (ECONNREFUSED, a timeout) is a network-level failure.
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
  const transient =
    sqlstate === null ||
    sqlstate.startsWith('08') ||
    sqlstate.startsWith('57P') ||
    sqlstate === '40001' ||
    sqlstate === '40P01' ||
    sqlstate === '53300';
  const options = {
    cause: e,
    context: { sqlstate },
    userMessage: 'The database is not reachable right now.',
  };
  return transient
    ? new RetryLaterError('store.unavailable', `PostgreSQL: ${message}`, options)
    : new AppError('store.postgres', `PostgreSQL: ${message}`, { ...options, retryable: false });
}
