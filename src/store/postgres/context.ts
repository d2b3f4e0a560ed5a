// What every concern of the PostgreSQL store shares: the pool, its schema, queries and transactions with typed errors.
import pg from 'pg';
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

/** A schema name that may go into the connection's startup options unquoted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A connection pool for one of the PostgreSQL adapters (`owner` names it in errors), its options checked: a
 * postgres:// URL, an optional schema (set as the search path), a positive pool size. An idle client losing its
 * server connection must not crash the process; the next query reconnects.
 */
export function openPgPool(
  owner: string,
  options: {
    readonly connectionString: string;
    readonly schema?: string | undefined;
    readonly maxConnections?: number | undefined;
  },
  defaults: { readonly maxConnections: number; readonly applicationName: string },
): pg.Pool {
  if (!/^postgres(ql)?:\/\//.test(options.connectionString)) {
    throw new RangeError(
      `${owner}: option \`connectionString\` must be a postgres:// URL, received something else`,
    );
  }
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new RangeError(
      `${owner}: option \`schema\` must match ${String(SCHEMA_NAME)}, received ${JSON.stringify(options.schema)}`,
    );
  }
  const max = options.maxConnections ?? defaults.maxConnections;
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`${owner}: option \`maxConnections\` must be a positive integer, received ${max}`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max,
    application_name: defaults.applicationName,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  pool.on('error', () => undefined);
  return pool;
}
