// The SQLite OutboxStore: delivery parts recorded once each, the progress card, each workflow's delivery state.
import type { Database as Db, Statement } from 'better-sqlite3';
import type {
  DeliveryPart,
  DeliveryState,
  OutboxStore,
  ProgressCard,
  RunLease,
  StoredError,
} from '../store.js';
import { errorJson, parseJson, type SqliteContext } from './context.js';

interface PartRow {
  workflow_id: string;
  part_key: string;
  seq: number;
  payload: string;
  status: 'pending' | 'sent' | 'failed';
  target: string | null;
  message_id: string | null;
  attempts: number;
  last_error: string | null;
  sent_at: number | null;
}

export class SqliteOutbox implements OutboxStore {
  readonly #c: SqliteContext;

  constructor(context: SqliteContext) {
    this.#c = context;
  }

  get #db(): Db {
    return this.#c.db;
  }

  #stmt(sql: string): Statement {
    return this.#c.stmt(sql);
  }

  async addDeliveryParts(
    workflowId: string,
    parts: readonly { readonly partKey: string; readonly seq: number; readonly payload: unknown }[],
  ): Promise<void> {
    const insert = this.#stmt(
      `INSERT INTO delivery_parts (workflow_id, part_key, seq, payload) VALUES (?, ?, ?, ?)
       ON CONFLICT (workflow_id, part_key) DO NOTHING`,
    );
    this.#db
      .transaction(() => {
        for (const p of parts) insert.run(workflowId, p.partKey, p.seq, JSON.stringify(p.payload));
      })
      .immediate();
  }

  async listDeliveryParts(workflowId: string): Promise<DeliveryPart[]> {
    const rows = this.#stmt('SELECT * FROM delivery_parts WHERE workflow_id = ? ORDER BY seq, part_key').all(
      workflowId,
    ) as PartRow[];
    return rows.map((r) => ({
      workflowId: r.workflow_id,
      partKey: r.part_key,
      seq: r.seq,
      payload: JSON.parse(r.payload) as unknown,
      status: r.status,
      target: r.target,
      messageId: r.message_id,
      attempts: r.attempts,
      lastError: parseJson<StoredError>(r.last_error),
      sentAt: r.sent_at,
    }));
  }

  async markPartSent(
    workflowId: string,
    partKey: string,
    options: { readonly target: string; readonly messageId: string; readonly now: number },
  ): Promise<void> {
    this.#stmt(
      `UPDATE delivery_parts SET status = 'sent', target = ?, message_id = ?, sent_at = ?, attempts = attempts + 1
       WHERE workflow_id = ? AND part_key = ?`,
    ).run(options.target, options.messageId, options.now, workflowId, partKey);
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
    const run = options.run ?? null;
    // The fence and the write in one statement: the workflow row is read in the same write.
    const r = this.#stmt(
      `UPDATE delivery_parts SET attempts = attempts + 1, last_error = ?,
         status = CASE WHEN ? = 1 THEN 'failed' ELSE status END
       WHERE workflow_id = ? AND part_key = ? AND status <> 'sent'
         AND (? IS NULL OR EXISTS (SELECT 1 FROM workflows WHERE id = ? AND status = 'running' AND run_id = ?))`,
    ).run(
      errorJson(options.error),
      options.failed ? 1 : 0,
      workflowId,
      partKey,
      run?.runId ?? null,
      workflowId,
      run?.runId ?? null,
    );
    return r.changes > 0 || run === null || this.#c.holds(run);
  }

  async setDeliveryState(
    workflowId: string,
    state: DeliveryState,
    options: { readonly error: StoredError | null; readonly now: number },
  ): Promise<void> {
    this.#stmt(
      'UPDATE workflows SET delivery_state = ?, delivery_error = ?, updated_at = ? WHERE id = ?',
    ).run(state, errorJson(options.error), options.now, workflowId);
  }

  async getProgressCard(workflowId: string): Promise<ProgressCard | null> {
    const row = this.#stmt('SELECT * FROM progress_cards WHERE workflow_id = ?').get(workflowId) as
      | {
          workflow_id: string;
          target: string;
          message_id: string | null;
          last_edit_at: number;
          last_percent: number;
        }
      | undefined;
    if (row === undefined) return null;
    return {
      workflowId: row.workflow_id,
      target: row.target,
      messageId: row.message_id,
      lastEditAt: row.last_edit_at,
      lastPercent: row.last_percent,
    };
  }

  async saveProgressCard(card: ProgressCard): Promise<void> {
    this.#stmt(
      `INSERT INTO progress_cards (workflow_id, target, message_id, last_edit_at, last_percent) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (workflow_id) DO UPDATE SET target = excluded.target, message_id = excluded.message_id,
         last_edit_at = excluded.last_edit_at, last_percent = excluded.last_percent`,
    ).run(card.workflowId, card.target, card.messageId, card.lastEditAt, card.lastPercent);
  }
}
