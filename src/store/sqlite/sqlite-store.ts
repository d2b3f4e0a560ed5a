// The embedded WorkflowStore: one SQLite file (WAL) holding workflows, leases, checkpoints, reports and the outbox.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { SystemClock, type Clock } from '../../core/clock.js';
import type { Depth } from '../../core/stage.js';
import type {
  ClaimOptions,
  DeliveryPart,
  DeliveryState,
  HeartbeatResult,
  LeaseOptions,
  ProgressCard,
  ReportSearchHit,
  StoredError,
  StoredReport,
  WorkflowProgress,
  WorkflowRecord,
  WorkflowRequest,
  WorkflowStatus,
  WorkflowStore,
} from '../store.js';
import type { DeadIntake, IntakeDeadReason, IntakeStore, OpenIntake } from '../intake-store.js';
import { SqliteIntakes } from './intakes.js';
import { SQLITE_MIGRATIONS, type Migration } from './migrations.js';

/** Where the embedded store lives under `AUTOINTEL_DATA_DIR`; every entry point opens this one file. */
export const sqliteStorePath = (dataDir: string): string => join(dataDir, 'autointel.db');

export interface SqliteWorkflowStoreOptions {
  /** A file path, or `:memory:` for a private in-memory database. */
  readonly filename: string;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
  readonly migrations?: readonly Migration[];
  /** Stamps `schema_migrations.applied_at` only; every workflow time is passed in by the caller. */
  readonly clock?: Clock;
}

export const DefaultSqliteWorkflowStoreOptions = {
  busyTimeoutMs: 5000,
} as const satisfies Partial<SqliteWorkflowStoreOptions>;

interface WorkflowRow {
  id: string;
  request: string;
  status: WorkflowStatus;
  progress: string | null;
  attempts: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  run_after: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  cancel_requested: number;
  report_id: string | null;
  delivery_state: DeliveryState | null;
  delivery_error: string | null;
}

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

const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function toRecord(row: WorkflowRow): WorkflowRecord {
  return {
    id: row.id,
    request: JSON.parse(row.request) as WorkflowRequest,
    status: row.status,
    progress: parseJson<WorkflowProgress>(row.progress),
    attempts: row.attempts,
    lastError: parseJson<StoredError>(row.last_error),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    runAfter: row.run_after,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequested: row.cancel_requested === 1,
    reportId: row.report_id,
    deliveryState: row.delivery_state,
    deliveryError: parseJson<StoredError>(row.delivery_error),
  };
}

/** Only the fields of an error that are safe to persist (code + user-facing message). */
const errorJson = (e: StoredError | null): string | null =>
  e === null ? null : JSON.stringify({ code: e.code, message: e.message });

/**
 * Turns free text into an FTS5 query of quoted terms (all must match), so user input can never be parsed as
 * FTS syntax (`AND`, `NEAR`, `"`, `*`, column filters).
 */
export function toFtsQuery(text: string): string | null {
  const terms = text
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((t) => t.length > 0)
    .slice(0, 32);
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t}"`).join(' ');
}

// A live lease of the same guild counts against its limit; a dead worker's expired lease does not.
const GUILD_HAS_ROOM = `(@limit IS NULL OR w.guild_id IS NULL OR (
  SELECT COUNT(*) FROM workflows r
  WHERE r.guild_id = w.guild_id AND r.status = 'running' AND r.lease_expires_at > @now) < @limit)`;

export class SqliteWorkflowStore implements WorkflowStore {
  readonly #db: Db;
  readonly #migrations: readonly Migration[];
  readonly #stmts = new Map<string, Statement>();
  readonly #clock: Clock;
  readonly #intakes: SqliteIntakes;

  constructor(options: SqliteWorkflowStoreOptions) {
    if (typeof options.filename !== 'string' || options.filename.length === 0) {
      throw new RangeError(
        `SqliteWorkflowStore: filename must be a non-empty string, received ${String(options.filename)}`,
      );
    }
    const busy = options.busyTimeoutMs ?? DefaultSqliteWorkflowStoreOptions.busyTimeoutMs;
    if (!Number.isInteger(busy) || busy < 0) {
      throw new RangeError(
        `SqliteWorkflowStore: busyTimeoutMs must be a non-negative integer, received ${busy}`,
      );
    }
    this.#db = new Database(options.filename);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`busy_timeout = ${busy}`);
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('foreign_keys = ON');
    this.#migrations = options.migrations ?? SQLITE_MIGRATIONS;
    this.#clock = options.clock ?? new SystemClock();
    this.#intakes = new SqliteIntakes(this.#db);
  }

  #stmt(sql: string): Statement {
    let s = this.#stmts.get(sql);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  #row(id: string): WorkflowRow | undefined {
    return this.#stmt('SELECT * FROM workflows WHERE id = ?').get(id) as WorkflowRow | undefined;
  }

  async migrate(): Promise<void> {
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const apply = this.#db.transaction((m: Migration) => {
      const done = this.#db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
      if (done !== undefined) return;
      this.#db.exec(m.sql);
      this.#db
        .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(m.version, m.name, this.#clock.now());
    });
    for (const m of [...this.#migrations].sort((a, b) => a.version - b.version)) apply.immediate(m);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  async createWorkflow(input: {
    readonly id: string;
    readonly request: WorkflowRequest;
    readonly now: number;
  }): Promise<{ readonly workflow: WorkflowRecord; readonly created: boolean }> {
    const { id, request, now } = input;
    const tx = this.#db.transaction(() => {
      if (request.interactionId !== null) {
        const existing = this.#stmt('SELECT * FROM workflows WHERE interaction_id = ?').get(
          request.interactionId,
        ) as WorkflowRow | undefined;
        if (existing !== undefined) return { workflow: toRecord(existing), created: false };
      }
      this.#stmt(
        `INSERT INTO workflows (id, request, url, depth, requester_id, guild_id, interaction_id, status, created_at,
           updated_at, run_after)
         VALUES (@id, @request, @url, @depth, @requesterId, @guildId, @interactionId, 'queued', @now, @now, @now)`,
      ).run({
        id,
        request: JSON.stringify(request),
        url: request.url,
        depth: request.depth,
        requesterId: request.requesterId,
        guildId: request.guildId,
        interactionId: request.interactionId,
        now,
      });
      return { workflow: toRecord(this.#row(id) as WorkflowRow), created: true };
    });
    return tx.immediate();
  }

  async getWorkflow(id: string): Promise<WorkflowRecord | null> {
    const row = this.#row(id);
    return row === undefined ? null : toRecord(row);
  }

  async listWorkflows(filter: {
    readonly statuses?: readonly WorkflowStatus[];
    readonly guildId?: string;
    readonly limit?: number;
  }): Promise<WorkflowRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.statuses !== undefined) {
      if (filter.statuses.length === 0) return [];
      where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
      params.push(...filter.statuses);
    }
    if (filter.guildId !== undefined) {
      where.push('guild_id = ?');
      params.push(filter.guildId);
    }
    let sql = 'SELECT * FROM workflows';
    if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
    sql += ' ORDER BY created_at, rowid';
    if (filter.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(filter.limit);
    }
    return (this.#db.prepare(sql).all(...params) as WorkflowRow[]).map(toRecord);
  }

  #lease(id: string, options: LeaseOptions): WorkflowRecord {
    this.#stmt(
      `UPDATE workflows SET status = 'running', lease_owner = @owner, lease_expires_at = @expires,
         attempts = attempts + 1, started_at = COALESCE(started_at, @now), updated_at = @now
       WHERE id = @id`,
    ).run({ id, owner: options.owner, expires: options.now + options.leaseMs, now: options.now });
    return toRecord(this.#row(id) as WorkflowRow);
  }

  async claimNext(options: ClaimOptions): Promise<WorkflowRecord | null> {
    const limit = options.perGuildLimit ?? null;
    const tx = this.#db.transaction(() => {
      // Two index walks instead of one OR: queued rows in creation order stop at the first that fits, and
      // expired leases (a dead worker's rows) are few. The older of the two candidates wins.
      const params = { now: options.now, limit };
      const queued = this.#stmt(
        `SELECT w.id, w.created_at, w.rowid AS seq FROM workflows w INDEXED BY workflows_queue_order
         WHERE w.status = 'queued' AND w.run_after <= @now AND ${GUILD_HAS_ROOM}
         ORDER BY w.created_at, w.rowid LIMIT 1`,
      ).get(params) as { id: string; created_at: number; seq: number } | undefined;
      const expired = this.#stmt(
        `SELECT w.id, w.created_at, w.rowid AS seq FROM workflows w INDEXED BY workflows_lease_expiry
         WHERE w.status = 'running' AND w.lease_expires_at <= @now AND ${GUILD_HAS_ROOM}
         ORDER BY w.created_at, w.rowid LIMIT 1`,
      ).get(params) as { id: string; created_at: number; seq: number } | undefined;
      const pick =
        queued === undefined
          ? expired
          : expired === undefined
            ? queued
            : expired.created_at < queued.created_at ||
                (expired.created_at === queued.created_at && expired.seq < queued.seq)
              ? expired
              : queued;
      return pick === undefined ? null : this.#lease(pick.id, options);
    });
    return tx.immediate();
  }

  async claim(id: string, options: LeaseOptions): Promise<WorkflowRecord | null> {
    const tx = this.#db.transaction(() => {
      // The queue that hands out this id owns its timing, so `run_after` is not consulted here.
      const row = this.#stmt(
        `SELECT w.id FROM workflows w
         WHERE w.id = @id AND (w.status = 'queued' OR (w.status = 'running' AND w.lease_expires_at <= @now))`,
      ).get({ id, now: options.now }) as { id: string } | undefined;
      return row === undefined ? null : this.#lease(row.id, options);
    });
    return tx.immediate();
  }

  async heartbeat(id: string, options: LeaseOptions): Promise<HeartbeatResult> {
    const info = this.#stmt(
      `UPDATE workflows SET lease_expires_at = @expires
       WHERE id = @id AND status = 'running' AND lease_owner = @owner`,
    ).run({ id, owner: options.owner, expires: options.now + options.leaseMs });
    const row = this.#stmt('SELECT cancel_requested FROM workflows WHERE id = ?').get(id) as
      { cancel_requested: number } | undefined;
    return { held: info.changes === 1, cancelRequested: row?.cancel_requested === 1 };
  }

  async updateProgress(id: string, owner: string, progress: WorkflowProgress): Promise<void> {
    this.#stmt(
      `UPDATE workflows SET progress = @progress, updated_at = @now
       WHERE id = @id AND status = 'running' AND lease_owner = @owner`,
    ).run({ id, owner, progress: JSON.stringify(progress), now: progress.updatedAt });
  }

  async saveCheckpoint(id: string, stage: string, output: unknown, now: number): Promise<void> {
    this.#stmt(
      `INSERT INTO checkpoints (workflow_id, stage, output, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (workflow_id, stage) DO NOTHING`,
    ).run(id, stage, JSON.stringify(output ?? null), now);
  }

  async getCheckpoints(id: string): Promise<Record<string, unknown>> {
    const rows = this.#stmt(
      'SELECT stage, output FROM checkpoints WHERE workflow_id = ? ORDER BY created_at, rowid',
    ).all(id) as { stage: string; output: string }[];
    const out: Record<string, unknown> = {};
    for (const r of rows) out[r.stage] = JSON.parse(r.output);
    return out;
  }

  async release(
    id: string,
    owner: string,
    options: { readonly now: number; readonly runAfter: number; readonly error: StoredError | null },
  ): Promise<void> {
    this.#stmt(
      `UPDATE workflows SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, run_after = @runAfter,
         last_error = COALESCE(@error, last_error), updated_at = @now
       WHERE id = @id AND status = 'running' AND lease_owner = @owner`,
    ).run({ id, owner, now: options.now, runAfter: options.runAfter, error: errorJson(options.error) });
  }

  async complete(
    id: string,
    owner: string,
    options: { readonly now: number; readonly reportId: string },
  ): Promise<void> {
    this.#stmt(
      `UPDATE workflows SET status = 'completed', lease_owner = NULL, lease_expires_at = NULL, report_id = @reportId,
         finished_at = @now, updated_at = @now
       WHERE id = @id AND status = 'running' AND lease_owner = @owner`,
    ).run({ id, owner, now: options.now, reportId: options.reportId });
  }

  async fail(
    id: string,
    owner: string,
    options: { readonly now: number; readonly error: StoredError },
  ): Promise<void> {
    this.#stmt(
      `UPDATE workflows SET status = 'failed', lease_owner = NULL, lease_expires_at = NULL, last_error = @error,
         finished_at = @now, updated_at = @now
       WHERE id = @id AND status = 'running' AND lease_owner = @owner`,
    ).run({ id, owner, now: options.now, error: errorJson(options.error) });
  }

  async requestCancel(id: string, now: number): Promise<WorkflowRecord | null> {
    const tx = this.#db.transaction(() => {
      const row = this.#row(id);
      if (row === undefined) return null;
      if (row.status === 'queued') {
        this.#stmt(
          `UPDATE workflows SET status = 'cancelled', cancel_requested = 1, finished_at = @now, updated_at = @now
           WHERE id = @id`,
        ).run({ id, now });
      } else if (row.status === 'running') {
        this.#stmt('UPDATE workflows SET cancel_requested = 1, updated_at = @now WHERE id = @id').run({
          id,
          now,
        });
      }
      return toRecord(this.#row(id) as WorkflowRow);
    });
    return tx.immediate();
  }

  async markCancelled(id: string, owner: string, now: number): Promise<void> {
    this.#stmt(
      `UPDATE workflows SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, finished_at = @now,
         updated_at = @now
       WHERE id = @id AND status = 'running' AND lease_owner = @owner`,
    ).run({ id, owner, now });
  }

  async countRunning(filter: { readonly guildId?: string }): Promise<number> {
    const row =
      filter.guildId === undefined
        ? this.#stmt("SELECT COUNT(*) AS n FROM workflows WHERE status = 'running'").get()
        : this.#stmt("SELECT COUNT(*) AS n FROM workflows WHERE status = 'running' AND guild_id = ?").get(
            filter.guildId,
          );
    return (row as { n: number }).n;
  }

  async countCreatedSince(filter: { readonly requesterId: string; readonly since: number }): Promise<number> {
    const row = this.#stmt(
      'SELECT COUNT(*) AS n FROM workflows WHERE requester_id = ? AND created_at >= ?',
    ).get(filter.requesterId, filter.since) as { n: number };
    return row.n;
  }

  async findFreshResult(input: {
    readonly url: string;
    readonly depth: Depth;
    readonly since: number;
  }): Promise<{ readonly workflowId: string; readonly reportId: string } | null> {
    const row = this.#stmt(
      `SELECT id, report_id FROM workflows
       WHERE url = ? AND depth = ? AND status = 'completed' AND report_id IS NOT NULL AND finished_at >= ?
       ORDER BY finished_at DESC, rowid DESC LIMIT 1`,
    ).get(input.url, input.depth, input.since) as { id: string; report_id: string } | undefined;
    return row === undefined ? null : { workflowId: row.id, reportId: row.report_id };
  }

  async saveReport(
    input: StoredReport & { readonly title: string; readonly searchText: string },
  ): Promise<void> {
    const tx = this.#db.transaction(() => {
      const info = this.#stmt(
        `INSERT INTO reports (id, workflow_id, url, depth, report, title, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      ).run(
        input.id,
        input.workflowId,
        input.url,
        input.depth,
        JSON.stringify(input.report),
        input.title,
        input.createdAt,
      );
      // Indexed once, with the report row: a repeated save leaves both untouched.
      if (info.changes === 1) {
        this.#stmt('INSERT INTO reports_fts (report_id, title, body) VALUES (?, ?, ?)').run(
          input.id,
          input.title,
          input.searchText,
        );
      }
    });
    tx.immediate();
  }

  async getReport(id: string): Promise<StoredReport | null> {
    const row = this.#stmt(
      'SELECT id, workflow_id, url, depth, report, created_at FROM reports WHERE id = ?',
    ).get(id) as
      | { id: string; workflow_id: string; url: string; depth: Depth; report: string; created_at: number }
      | undefined;
    if (row === undefined) return null;
    return {
      id: row.id,
      workflowId: row.workflow_id,
      url: row.url,
      depth: row.depth,
      report: JSON.parse(row.report) as unknown,
      createdAt: row.created_at,
    };
  }

  async searchReports(
    query: string,
    options: { readonly limit: number; readonly excludeWorkflowId?: string; readonly guildId?: string },
  ): Promise<ReportSearchHit[]> {
    const fts = toFtsQuery(query);
    if (fts === null || options.limit <= 0) return [];
    const rows = this.#stmt(
      `SELECT r.id AS report_id, r.workflow_id, r.url, r.title,
              snippet(reports_fts, 2, '**', '**', '…', 16) AS snippet, bm25(reports_fts) AS rank
       FROM reports_fts JOIN reports r ON r.id = reports_fts.report_id
       WHERE reports_fts MATCH @q AND (@exclude IS NULL OR r.workflow_id <> @exclude)
         AND (@guild IS NULL OR r.workflow_id IN (SELECT id FROM workflows WHERE guild_id = @guild))
       ORDER BY rank LIMIT @limit`,
    ).all({
      q: fts,
      exclude: options.excludeWorkflowId ?? null,
      guild: options.guildId ?? null,
      limit: options.limit,
    }) as {
      report_id: string;
      workflow_id: string;
      url: string;
      title: string;
      snippet: string;
      rank: number;
    }[];
    // bm25 is lower-is-better and negative; the port's rank is higher-is-better.
    return rows.map((r) => ({
      reportId: r.report_id,
      workflowId: r.workflow_id,
      url: r.url,
      title: r.title,
      snippet: r.snippet,
      rank: -r.rank,
    }));
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
    options: { readonly error: StoredError | null; readonly failed: boolean; readonly now: number },
  ): Promise<void> {
    this.#stmt(
      `UPDATE delivery_parts SET attempts = attempts + 1, last_error = ?,
         status = CASE WHEN ? = 1 THEN 'failed' ELSE status END
       WHERE workflow_id = ? AND part_key = ? AND status <> 'sent'`,
    ).run(errorJson(options.error), options.failed ? 1 : 0, workflowId, partKey);
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

  async setGuildWebhook(guildId: string, webhookSealed: string, now: number): Promise<void> {
    this.#stmt(
      `INSERT INTO guild_settings (guild_id, webhook_sealed, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (guild_id) DO UPDATE SET webhook_sealed = excluded.webhook_sealed, updated_at = excluded.updated_at`,
    ).run(guildId, webhookSealed, now);
  }

  async getGuildWebhook(guildId: string): Promise<string | null> {
    const row = this.#stmt('SELECT webhook_sealed FROM guild_settings WHERE guild_id = ?').get(guildId) as
      { webhook_sealed: string | null } | undefined;
    return row?.webhook_sealed ?? null;
  }

  claimInteraction(interactionId: string, owner: string, now: number, intake?: string): Promise<boolean> {
    return this.#intakes.claimInteraction(interactionId, owner, now, intake);
  }

  completeIntake(interactionId: string): Promise<void> {
    return this.#intakes.completeIntake(interactionId);
  }

  listOpenIntakes(options: Parameters<IntakeStore['listOpenIntakes']>[0]): Promise<OpenIntake[]> {
    return this.#intakes.listOpenIntakes(options);
  }

  deadLetterIntake(interactionId: string, reason: IntakeDeadReason, now: number): Promise<void> {
    return this.#intakes.deadLetterIntake(interactionId, reason, now);
  }

  listDeadIntakes(options: { readonly limit: number }): Promise<DeadIntake[]> {
    return this.#intakes.listDeadIntakes(options);
  }

  async purgeFinishedBefore(before: number): Promise<number> {
    const tx = this.#db.transaction(() => {
      const ids = this.#stmt(
        `SELECT id FROM workflows WHERE status IN ('completed', 'failed', 'cancelled') AND finished_at < ?`,
      ).all(before) as { id: string }[];
      const delFts = this.#stmt(
        'DELETE FROM reports_fts WHERE report_id IN (SELECT id FROM reports WHERE workflow_id = ?)',
      );
      const delReports = this.#stmt('DELETE FROM reports WHERE workflow_id = ?');
      const delWorkflow = this.#stmt('DELETE FROM workflows WHERE id = ?');
      for (const { id } of ids) {
        delFts.run(id);
        delReports.run(id);
        delWorkflow.run(id);
      }
      // Interaction claims only matter within the interaction's 15-minute life.
      this.#stmt('DELETE FROM interaction_claims WHERE claimed_at < ?').run(before);
      return ids.length;
    });
    return tx.immediate();
  }
}
