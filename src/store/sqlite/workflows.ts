// The SQLite WorkflowLeaseStore: workflow rows, the runs that claim them (fencing run ids, attempt limit), retention.
import { randomUUID } from 'node:crypto';
import type { Database as Db, Statement } from 'better-sqlite3';
import type { Depth } from '../../core/stage.js';
import {
  scopeParams,
  type ClaimNextOptions,
  type ClaimOptions,
  type DeliveryState,
  type HeartbeatResult,
  type RunLease,
  type StoredError,
  type WorkflowLeaseStore,
  type WorkflowProgress,
  type WorkflowRecord,
  type WorkflowRequest,
  type WorkflowStatus,
  type LatestResult,
  type ReportScope,
} from '../store.js';
import { attemptsExhausted, workerLost } from '../run-rules.js';
import { errorJson, parseJson, type SqliteContext } from './context.js';

export interface WorkflowRow {
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
  run_id: string | null;
  lease_expires_at: number | null;
  cancel_requested: number;
  report_id: string | null;
  delivery_state: DeliveryState | null;
  delivery_error: string | null;
}

export function toRecord(row: WorkflowRow): WorkflowRecord {
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
    runId: row.run_id,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequested: row.cancel_requested === 1,
    reportId: row.report_id,
    deliveryState: row.delivery_state,
    deliveryError: parseJson<StoredError>(row.delivery_error),
  };
}

// A live lease of the same guild counts against its limit; a dead worker's expired lease does not. The claimer's
// own live runs (`busy`) are never handed back to it.
const GUILD_HAS_ROOM = `w.id NOT IN (SELECT value FROM json_each(@busy)) AND (@limit IS NULL OR w.guild_id IS NULL OR (
  SELECT COUNT(*) FROM workflows r
  WHERE r.guild_id = w.guild_id AND r.status = 'running' AND r.lease_expires_at > @now) < @limit)`;

/** Rows failed for exhausted attempts by one claimNext before it gives up for this call. */
const EXHAUSTED_PER_CLAIM = 16;

export class SqliteWorkflowLeases implements WorkflowLeaseStore {
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

  #row(id: string): WorkflowRow | undefined {
    return this.#stmt('SELECT * FROM workflows WHERE id = ?').get(id) as WorkflowRow | undefined;
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

  async getWorkflowByInteraction(interactionId: string): Promise<WorkflowRecord | null> {
    const row = this.#stmt('SELECT * FROM workflows WHERE interaction_id = ?').get(interactionId) as
      WorkflowRow | undefined;
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

  /**
   * Leases `id` to a new run, or fails it when it has used up its attempts (then returns null). Taking over an
   * expired lease records why the run before it ended, so the attempt limit can name it.
   */
  #lease(id: string, options: ClaimOptions): WorkflowRecord | null {
    const row = this.#row(id) as WorkflowRow;
    const takeover = row.status === 'running';
    const previous = takeover
      ? workerLost(parseJson<WorkflowProgress>(row.progress)?.stage ?? null)
      : parseJson<StoredError>(row.last_error);
    if (options.maxAttempts !== undefined && row.attempts >= options.maxAttempts) {
      this.#stmt(
        `UPDATE workflows SET status = 'failed', lease_owner = NULL, run_id = NULL, lease_expires_at = NULL,
           last_error = @error, finished_at = @now, updated_at = @now
         WHERE id = @id`,
      ).run({ id, now: options.now, error: errorJson(attemptsExhausted(row.attempts, previous)) });
      return null;
    }
    this.#stmt(
      `UPDATE workflows SET status = 'running', lease_owner = @owner, run_id = @run, lease_expires_at = @expires,
         attempts = attempts + 1, started_at = COALESCE(started_at, @now), updated_at = @now,
         last_error = CASE WHEN @takeover = 1 THEN @lost ELSE last_error END
       WHERE id = @id`,
    ).run({
      id,
      owner: options.owner,
      run: randomUUID(),
      expires: options.now + options.leaseMs,
      now: options.now,
      takeover: takeover ? 1 : 0,
      lost: errorJson(previous),
    });
    return toRecord(this.#row(id) as WorkflowRow);
  }

  async claimNext(options: ClaimNextOptions): Promise<WorkflowRecord | null> {
    const limit = options.perGuildLimit ?? null;
    const busy = JSON.stringify(options.busy ?? []);
    const tx = this.#db.transaction(() => {
      // Each round either leases a row or fails one that used up its attempts (no longer claimable), so the
      // loop ends; a backlog of exhausted rows is worked off over the next claims.
      for (let round = 0; round < EXHAUSTED_PER_CLAIM; round++) {
        // Two index walks instead of one OR: queued rows in creation order stop at the first that fits, and
        // expired leases (a dead worker's rows) are few. The older of the two candidates wins.
        const params = { now: options.now, limit, busy };
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
        if (pick === undefined) return null;
        const leased = this.#lease(pick.id, options);
        if (leased !== null) return leased;
      }
      return null;
    });
    return tx.immediate();
  }

  async claim(id: string, options: ClaimOptions): Promise<WorkflowRecord | null> {
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

  async heartbeat(
    run: RunLease,
    options: { readonly now: number; readonly leaseMs: number },
  ): Promise<HeartbeatResult> {
    const info = this.#stmt(
      `UPDATE workflows SET lease_expires_at = @expires
       WHERE id = @id AND status = 'running' AND run_id = @run`,
    ).run({ id: run.workflowId, run: run.runId, expires: options.now + options.leaseMs });
    const row = this.#stmt('SELECT cancel_requested FROM workflows WHERE id = ?').get(run.workflowId) as
      { cancel_requested: number } | undefined;
    return { held: info.changes === 1, cancelRequested: row?.cancel_requested === 1 };
  }

  async updateProgress(run: RunLease, progress: WorkflowProgress): Promise<void> {
    this.#stmt(
      `UPDATE workflows SET progress = @progress, updated_at = @now
       WHERE id = @id AND status = 'running' AND run_id = @run`,
    ).run({
      id: run.workflowId,
      run: run.runId,
      progress: JSON.stringify(progress),
      now: progress.updatedAt,
    });
  }

  async release(
    run: RunLease,
    options: {
      readonly now: number;
      readonly runAfter: number;
      readonly error: StoredError | null;
      readonly refund?: boolean;
    },
  ): Promise<boolean> {
    const info = this.#stmt(
      `UPDATE workflows SET status = 'queued', lease_owner = NULL, run_id = NULL, lease_expires_at = NULL,
         run_after = @runAfter, last_error = COALESCE(@error, last_error), updated_at = @now,
         attempts = CASE WHEN @refund = 1 AND attempts > 0 THEN attempts - 1 ELSE attempts END
       WHERE id = @id AND status = 'running' AND run_id = @run`,
    ).run({
      id: run.workflowId,
      run: run.runId,
      now: options.now,
      runAfter: options.runAfter,
      error: errorJson(options.error),
      refund: options.refund === true ? 1 : 0,
    });
    return info.changes === 1;
  }

  async complete(
    run: RunLease,
    options: { readonly now: number; readonly reportId: string },
  ): Promise<boolean> {
    const info = this.#stmt(
      `UPDATE workflows SET status = 'completed', lease_owner = NULL, run_id = NULL, lease_expires_at = NULL,
         report_id = @reportId, finished_at = @now, updated_at = @now
       WHERE id = @id AND status = 'running' AND run_id = @run`,
    ).run({ id: run.workflowId, run: run.runId, now: options.now, reportId: options.reportId });
    return info.changes === 1;
  }

  async fail(
    run: RunLease,
    options: { readonly now: number; readonly error: StoredError },
  ): Promise<boolean> {
    const info = this.#stmt(
      `UPDATE workflows SET status = 'failed', lease_owner = NULL, run_id = NULL, lease_expires_at = NULL,
         last_error = @error, finished_at = @now, updated_at = @now
       WHERE id = @id AND status = 'running' AND run_id = @run`,
    ).run({ id: run.workflowId, run: run.runId, now: options.now, error: errorJson(options.error) });
    return info.changes === 1;
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

  async markCancelled(run: RunLease, now: number): Promise<boolean> {
    const info = this.#stmt(
      `UPDATE workflows SET status = 'cancelled', lease_owner = NULL, run_id = NULL, lease_expires_at = NULL,
         finished_at = @now, updated_at = @now
       WHERE id = @id AND status = 'running' AND run_id = @run`,
    ).run({ id: run.workflowId, run: run.runId, now });
    return info.changes === 1;
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

  async findLatestResult(input: {
    readonly url: string;
    readonly depth: Depth;
    readonly since: number;
    readonly scope: ReportScope;
  }): Promise<LatestResult | null> {
    const scope = scopeParams(input.scope);
    const row = this.#stmt(
      `SELECT id, report_id, finished_at FROM workflows
       WHERE url = @url AND depth = @depth AND status = 'completed' AND report_id IS NOT NULL
         AND finished_at >= @since
         AND (@scope = 'operator'
              OR (@scope = 'guild' AND guild_id = @scopeId)
              OR (@scope = 'direct' AND guild_id IS NULL AND requester_id = @scopeId))
       ORDER BY finished_at DESC, rowid DESC LIMIT 1`,
    ).get({
      url: input.url,
      depth: input.depth,
      since: input.since,
      scope: scope.kind,
      scopeId: scope.id,
    }) as { id: string; report_id: string; finished_at: number } | undefined;
    return row === undefined
      ? null
      : { workflowId: row.id, reportId: row.report_id, finishedAt: row.finished_at };
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
      // chunk_audio has no foreign key (as in PostgreSQL): its rows go here, with the workflow.
      const delChunks = this.#stmt('DELETE FROM chunk_audio WHERE workflow_id = ?');
      for (const { id } of ids) {
        delFts.run(id);
        delReports.run(id);
        delChunks.run(id);
        delWorkflow.run(id);
      }
      return ids.length;
    });
    return tx.immediate();
  }
}
