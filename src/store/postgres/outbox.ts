// The PostgreSQL OutboxStore: delivery parts recorded once each, the progress card, each workflow's delivery state.
import type pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import type {
  DeliveryPart,
  DeliveryState,
  OutboxStore,
  ProgressCard,
  RunLease,
  StoredError,
} from '../store.js';
import { json, num, numOrNull, type PgContext } from './context.js';

export class PgOutbox implements OutboxStore {
  readonly #c: PgContext;

  constructor(context: PgContext) {
    this.#c = context;
  }

  #query<R extends QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
    client?: PoolClient,
  ): Promise<pg.QueryResult<R>> {
    return this.#c.query<R>(text, values, client);
  }

  async addDeliveryParts(
    workflowId: string,
    parts: readonly { readonly partKey: string; readonly seq: number; readonly payload: unknown }[],
  ): Promise<void> {
    if (parts.length === 0) return;
    await this.#query(
      `INSERT INTO delivery_parts (workflow_id, part_key, seq, payload, status)
       SELECT $1, p.part_key, p.seq, p.payload::json, 'pending'
       FROM unnest($2::text[], $3::int[], $4::text[]) AS p(part_key, seq, payload)
       ON CONFLICT (workflow_id, part_key) DO NOTHING`,
      [
        workflowId,
        parts.map((p) => p.partKey),
        parts.map((p) => p.seq),
        parts.map((p) => JSON.stringify(p.payload ?? null)),
      ],
    );
  }

  async listDeliveryParts(workflowId: string): Promise<DeliveryPart[]> {
    const r = await this.#query<{
      workflow_id: string;
      part_key: string;
      seq: number;
      payload: unknown;
      status: DeliveryPart['status'];
      target: string | null;
      message_id: string | null;
      attempts: number;
      last_error: StoredError | null;
      sent_at: string | null;
    }>(`SELECT * FROM delivery_parts WHERE workflow_id = $1 ORDER BY seq, part_key`, [workflowId]);
    return r.rows.map((row) => ({
      workflowId: row.workflow_id,
      partKey: row.part_key,
      seq: row.seq,
      payload: row.payload,
      status: row.status,
      target: row.target,
      messageId: row.message_id,
      attempts: row.attempts,
      lastError: row.last_error,
      sentAt: numOrNull(row.sent_at),
    }));
  }

  async markPartSent(
    workflowId: string,
    partKey: string,
    options: { readonly target: string; readonly messageId: string; readonly now: number },
  ): Promise<void> {
    await this.#query(
      `UPDATE delivery_parts
       SET status = 'sent', target = $3, message_id = $4, sent_at = $5, attempts = attempts + 1, last_error = NULL
       WHERE workflow_id = $1 AND part_key = $2`,
      [workflowId, partKey, options.target, options.messageId, options.now],
    );
  }

  async markPartAttempt(
    workflowId: string,
    partKey: string,
    options: {
      readonly error: StoredError | null;
      readonly failed: boolean;
      readonly now: number;
      readonly run?: RunLease | null;
    },
  ): Promise<boolean> {
    // One statement: the update happens only while the run (when given) holds the lease; `held` answers either way.
    const r = await this.#query<{ held: boolean }>(
      `WITH held AS (
         SELECT 1 WHERE $5::text IS NULL
            OR EXISTS (SELECT 1 FROM workflows WHERE id = $1 AND run_id = $5 AND status = 'running')),
       upd AS (
         UPDATE delivery_parts
         SET attempts = attempts + 1, last_error = $3,
             status = CASE WHEN status = 'sent' THEN status WHEN $4 THEN 'failed' ELSE status END
         WHERE workflow_id = $1 AND part_key = $2 AND EXISTS (SELECT 1 FROM held))
       SELECT EXISTS (SELECT 1 FROM held) AS held`,
      [workflowId, partKey, json(options.error), options.failed, options.run?.runId ?? null],
    );
    return r.rows[0]?.held === true;
  }

  async setDeliveryState(
    workflowId: string,
    state: DeliveryState,
    options: { readonly error: StoredError | null; readonly now: number },
  ): Promise<void> {
    await this.#query(
      `UPDATE workflows SET delivery_state = $2, delivery_error = $3, updated_at = $4 WHERE id = $1`,
      [workflowId, state, json(options.error), options.now],
    );
  }

  async getProgressCard(workflowId: string): Promise<ProgressCard | null> {
    const r = await this.#query<{
      workflow_id: string;
      target: string;
      message_id: string | null;
      last_edit_at: string;
      last_percent: number;
    }>(`SELECT * FROM progress_cards WHERE workflow_id = $1`, [workflowId]);
    const row = r.rows[0];
    if (row === undefined) return null;
    return {
      workflowId: row.workflow_id,
      target: row.target,
      messageId: row.message_id,
      lastEditAt: num(row.last_edit_at),
      lastPercent: row.last_percent,
    };
  }

  async saveProgressCard(card: ProgressCard): Promise<void> {
    await this.#query(
      `INSERT INTO progress_cards (workflow_id, target, message_id, last_edit_at, last_percent)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workflow_id) DO UPDATE SET target = EXCLUDED.target, message_id = EXCLUDED.message_id,
         last_edit_at = EXCLUDED.last_edit_at, last_percent = EXCLUDED.last_percent`,
      [card.workflowId, card.target, card.messageId, card.lastEditAt, card.lastPercent],
    );
  }
}
