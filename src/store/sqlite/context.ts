// What every concern of the SQLite store shares: one connection, its statement cache, the JSON and error encodings.
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import type { RunLease, StoredError } from '../store.js';

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const parseJson = <T>(text: string | null): T | null =>
  text === null ? null : (JSON.parse(text) as T);

/** Only the fields of an error that are safe to persist (code + user-facing message). */
export const errorJson = (e: StoredError | null): string | null =>
  e === null ? null : JSON.stringify({ code: e.code, message: e.message });

/** One open database and its prepared statements, handed to each per-concern part of the store. */
export class SqliteContext {
  readonly db: Db;
  readonly #stmts = new Map<string, Statement>();

  constructor(db: Db) {
    this.db = db;
  }

  stmt(sql: string): Statement {
    let s = this.#stmts.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  /** Whether `run` still holds its workflow's lease: the fence of every write a run makes. */
  holds(run: RunLease): boolean {
    return (
      this.stmt(`SELECT 1 FROM workflows WHERE id = ? AND status = 'running' AND run_id = ?`).get(
        run.workflowId,
        run.runId,
      ) !== undefined
    );
  }
}

/**
 * A second connection to the store's SQLite file for one of the side stores (`owner` names it in errors), its options
 * checked: WAL like the main connection, waiting up to `busyTimeoutMs` for the file's write lock.
 */
export function openSqliteFile(
  owner: string,
  options: { readonly filename: string; readonly busyTimeoutMs?: number | undefined },
): Db {
  if (typeof options.filename !== 'string' || options.filename === '') {
    throw new RangeError(`${owner}: option \`filename\` must be a non-empty path`);
  }
  const busy = options.busyTimeoutMs ?? 5_000;
  if (!Number.isInteger(busy) || busy < 0) {
    throw new RangeError(
      `${owner}: option \`busyTimeoutMs\` must be a non-negative integer, received ${busy}`,
    );
  }
  const db = new Database(options.filename);
  db.pragma('journal_mode = WAL');
  db.pragma(`busy_timeout = ${busy}`);
  return db;
}
