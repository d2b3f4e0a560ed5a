// The IntakeStore's SQL for SQLite: claims with their sealed intake, cursor paging of open ones, dead letters.
// The claims live in a database file of their own (see sqlite-store.ts): the claim is the one write before an
// acknowledgement, and in that file it never waits for the engine's or a worker's write lock on the main file.
import type { Database as Db } from 'better-sqlite3';
import {
  parseDeadReason,
  type DeadIntake,
  type IntakeCursor,
  type IntakeDeadReason,
  type IntakeStore,
  type OpenIntake,
} from '../intake-store.js';
import type { SqliteContext } from './context.js';

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
  purge: 'DELETE FROM interaction_claims WHERE claimed_at < ? AND (intake IS NULL OR intake_done = 1)',
} as const;

/** The schema version of the claims file (its `PRAGMA user_version`). */
export const INTAKES_SCHEMA_VERSION = 1;

/** The claims file's schema: the main file's `interaction_claims` as migrations 1, 3 and 5 left it. */
const INTAKES_SCHEMA_V1 = `
  CREATE TABLE IF NOT EXISTS interaction_claims (
    interaction_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    intake TEXT,
    intake_done INTEGER NOT NULL DEFAULT 0,
    dead_reason TEXT,
    dead_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS interaction_claims_at ON interaction_claims (claimed_at);
  CREATE INDEX IF NOT EXISTS interaction_claims_open ON interaction_claims (intake_done, claimed_at)
    WHERE intake IS NOT NULL;
  CREATE INDEX IF NOT EXISTS interaction_claims_open_order ON interaction_claims (claimed_at, interaction_id)
    WHERE intake IS NOT NULL AND intake_done = 0;
  CREATE INDEX IF NOT EXISTS interaction_claims_dead ON interaction_claims (dead_at) WHERE dead_at IS NOT NULL;
`;

/** The columns both the claims file and the main file's old table hold, in one order. */
const CLAIM_COLUMNS = 'interaction_id, owner, claimed_at, intake, intake_done, dead_reason, dead_at';

/** Creates the claims file's schema where it is missing (idempotent; a newer file is refused). */
export function migrateIntakesFile(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > INTAKES_SCHEMA_VERSION)
    throw new Error(
      `the interaction-claims file has schema version ${version}, newer than this build knows (${INTAKES_SCHEMA_VERSION}); run the newer build`,
    );
  if (version === INTAKES_SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(INTAKES_SCHEMA_V1);
    db.pragma(`user_version = ${INTAKES_SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * Copies the claims an older build kept in the main file into the claims file (rows already there are kept). It
 * commits before the main file's table is dropped, so a crash in between copies again, never loses a row.
 */
export function copyClaimsFrom(main: Db, claims: Db): number {
  const rows = main.prepare(`SELECT ${CLAIM_COLUMNS} FROM interaction_claims`).raw().all() as unknown[][];
  const insert = claims.prepare(
    `INSERT INTO interaction_claims (${CLAIM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  claims
    .transaction(() => {
      for (const r of rows) insert.run(...r);
    })
    .immediate();
  return rows.length;
}

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

/** The intake methods over the claims file's connection (its own context: statements prepared once). */
export class SqliteIntakes implements IntakeStore {
  readonly #ctx: SqliteContext;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
  }

  async claimInteraction(
    interactionId: string,
    owner: string,
    now: number,
    intake?: string,
  ): Promise<boolean> {
    return this.#ctx.stmt(SQL.claim).run(interactionId, owner, now, intake ?? null).changes === 1;
  }

  async completeIntake(interactionId: string): Promise<void> {
    this.#ctx.stmt(SQL.complete).run(interactionId);
  }

  async listOpenIntakes(options: {
    readonly before: number;
    readonly limit: number;
    readonly after?: IntakeCursor;
  }): Promise<OpenIntake[]> {
    const a = options.after;
    const rows = (
      a === undefined
        ? this.#ctx.stmt(SQL.openFirst).all(options.before, options.limit)
        : this.#ctx.stmt(SQL.openAfter).all(options.before, a.claimedAt, a.interactionId, options.limit)
    ) as OpenRow[];
    return rows.map((r) => ({ interactionId: r.interaction_id, intake: r.intake, claimedAt: r.claimed_at }));
  }

  async deadLetterIntake(interactionId: string, reason: IntakeDeadReason, now: number): Promise<void> {
    const stored = JSON.stringify({ code: reason.code, message: reason.message });
    this.#ctx.stmt(SQL.deadLetter).run(stored, now, interactionId);
  }

  /**
   * Claims only matter within their interaction's 15-minute life: those claimed before `before` go, except a request
   * still waiting to be started (an open intake), which stays until recovery starts or dead-letters it.
   */
  purgeClaimsBefore(before: number): number {
    return this.#ctx.stmt(SQL.purge).run(before).changes;
  }

  async listDeadIntakes(options: { readonly limit: number }): Promise<DeadIntake[]> {
    const rows = this.#ctx.stmt(SQL.dead).all(options.limit) as DeadRow[];
    return rows.map((r) => ({
      interactionId: r.interaction_id,
      claimedAt: r.claimed_at,
      deadAt: r.dead_at,
      reason: parseDeadReason(r.dead_reason),
    }));
  }
}
