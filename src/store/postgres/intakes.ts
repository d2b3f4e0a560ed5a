// The IntakeStore's SQL for PostgreSQL: claims with their sealed intake, cursor paging of open ones, dead letters.
import type pg from 'pg';
import {
  parseDeadReason,
  type DeadIntake,
  type IntakeCursor,
  type IntakeDeadReason,
  type IntakeStore,
  type OpenIntake,
} from '../intake-store.js';

/** The adapter's query function (its pool, its schema search path, its error mapping). */
export type PgQuery = <R extends pg.QueryResultRow>(
  text: string,
  values?: readonly unknown[],
) => Promise<pg.QueryResult<R>>;

export class PostgresIntakes implements IntakeStore {
  readonly #query: PgQuery;

  constructor(query: PgQuery) {
    this.#query = query;
  }

  async claimInteraction(
    interactionId: string,
    owner: string,
    now: number,
    intake?: string,
  ): Promise<boolean> {
    const r = await this.#query(
      `INSERT INTO interaction_claims (interaction_id, owner, claimed_at, intake) VALUES ($1, $2, $3, $4)
       ON CONFLICT (interaction_id) DO NOTHING`,
      [interactionId, owner, now, intake ?? null],
    );
    return r.rowCount === 1;
  }

  async completeIntake(interactionId: string): Promise<void> {
    await this.#query('UPDATE interaction_claims SET intake_done = true WHERE interaction_id = $1', [
      interactionId,
    ]);
  }

  async listOpenIntakes(options: {
    readonly before: number;
    readonly limit: number;
    readonly after?: IntakeCursor;
  }): Promise<OpenIntake[]> {
    const a = options.after;
    // Without a cursor, the lowest possible (claimed_at, id) pair: one statement serves both cases.
    const r = await this.#query<{ interaction_id: string; intake: string; claimed_at: string }>(
      `SELECT interaction_id, intake, claimed_at FROM interaction_claims
       WHERE intake IS NOT NULL AND NOT intake_done AND claimed_at <= $1
         AND ($2::bigint IS NULL OR (claimed_at, interaction_id) > ($2::bigint, $3::text))
       ORDER BY claimed_at, interaction_id LIMIT $4`,
      [options.before, a?.claimedAt ?? null, a?.interactionId ?? '', options.limit],
    );
    return r.rows.map((row) => ({
      interactionId: row.interaction_id,
      intake: row.intake,
      claimedAt: Number(row.claimed_at),
    }));
  }

  async deadLetterIntake(interactionId: string, reason: IntakeDeadReason, now: number): Promise<void> {
    await this.#query(
      `UPDATE interaction_claims SET intake_done = true, dead_reason = $1::jsonb, dead_at = $2
       WHERE interaction_id = $3 AND NOT intake_done`,
      [JSON.stringify({ code: reason.code, message: reason.message }), now, interactionId],
    );
  }

  async listDeadIntakes(options: { readonly limit: number }): Promise<DeadIntake[]> {
    const r = await this.#query<{
      interaction_id: string;
      claimed_at: string;
      dead_at: string;
      dead_reason: unknown;
    }>(
      `SELECT interaction_id, claimed_at, dead_at, dead_reason FROM interaction_claims
       WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, interaction_id LIMIT $1`,
      [options.limit],
    );
    return r.rows.map((row) => ({
      interactionId: row.interaction_id,
      claimedAt: Number(row.claimed_at),
      deadAt: Number(row.dead_at),
      reason: parseDeadReason(row.dead_reason),
    }));
  }
}
