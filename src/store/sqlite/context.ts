// What every concern of the SQLite store shares: one connection, its statement cache, the JSON and error encodings.
import type { Database as Db, Statement } from 'better-sqlite3';
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
