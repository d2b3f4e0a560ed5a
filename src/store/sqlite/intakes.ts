// The IntakeStore's SQL for SQLite: claims with their sealed intake, cursor paging of open ones, dead letters.
import type { Database as Db, Statement } from 'better-sqlite3';
import {
  parseDeadReason,
  type DeadIntake,
  type IntakeCursor,
  type IntakeDeadReason,
  type IntakeStore,
  type OpenIntake,
} from '../intake-store.js';

const SQL = {
  claim:
    'INSERT INTO interaction_claims (interaction_id, owner, claimed_at, intake) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  complete: 'UPDATE interaction_claims SET intake_done = 1 WHERE interaction_id = ?',
  // The row-value comparison walks the (claimed_at, interaction_id) index from the cursor on.
  openFirst: `SELECT interaction_id, intake, claimed_at FROM interaction_claims
    WHERE intake IS NOT NULL AND intake_done = 0 AND claimed_at <= ?
    ORDER BY claimed_at, interaction_id LIMIT ?`,
  openAfter: `SELECT interaction_id, intake, claimed_at FROM interaction_claims
    WHERE intake IS NOT NULL AND intake_done = 0 AND claimed_at <= ? AND (claimed_at, interaction_id) > (?, ?)
    ORDER BY claimed_at, interaction_id LIMIT ?`,
  deadLetter: `UPDATE interaction_claims SET intake_done = 1, dead_reason = ?, dead_at = ?
    WHERE interaction_id = ? AND intake_done = 0`,
  dead: `SELECT interaction_id, claimed_at, dead_at, dead_reason FROM interaction_claims
    WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, interaction_id LIMIT ?`,
} as const;

interface OpenRow {
  interaction_id: string;
  intake: string;
  claimed_at: number;
}

interface DeadRow {
  interaction_id: string;
  claimed_at: number;
  dead_at: number;
  dead_reason: string | null;
}

/** The intake methods over one better-sqlite3 connection (the adapter's), statements prepared once. */
export class SqliteIntakes implements IntakeStore {
  readonly #db: Db;
  readonly #stmts = new Map<string, Statement>();

  constructor(db: Db) {
    this.#db = db;
  }

  #stmt(sql: string): Statement {
    let s = this.#stmts.get(sql);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  async claimInteraction(
    interactionId: string,
    owner: string,
    now: number,
    intake?: string,
  ): Promise<boolean> {
    return this.#stmt(SQL.claim).run(interactionId, owner, now, intake ?? null).changes === 1;
  }

  async completeIntake(interactionId: string): Promise<void> {
    this.#stmt(SQL.complete).run(interactionId);
  }

  async listOpenIntakes(options: {
    readonly before: number;
    readonly limit: number;
    readonly after?: IntakeCursor;
  }): Promise<OpenIntake[]> {
    const a = options.after;
    const rows = (
      a === undefined
        ? this.#stmt(SQL.openFirst).all(options.before, options.limit)
        : this.#stmt(SQL.openAfter).all(options.before, a.claimedAt, a.interactionId, options.limit)
    ) as OpenRow[];
    return rows.map((r) => ({ interactionId: r.interaction_id, intake: r.intake, claimedAt: r.claimed_at }));
  }

  async deadLetterIntake(interactionId: string, reason: IntakeDeadReason, now: number): Promise<void> {
    const stored = JSON.stringify({ code: reason.code, message: reason.message });
    this.#stmt(SQL.deadLetter).run(stored, now, interactionId);
  }

  async listDeadIntakes(options: { readonly limit: number }): Promise<DeadIntake[]> {
    const rows = this.#stmt(SQL.dead).all(options.limit) as DeadRow[];
    return rows.map((r) => ({
      interactionId: r.interaction_id,
      claimedAt: r.claimed_at,
      deadAt: r.dead_at,
      reason: parseDeadReason(r.dead_reason),
    }));
  }
}
