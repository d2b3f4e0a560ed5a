// The PostgreSQL WorkflowLeaseStore: workflow rows, the runs that claim them (fencing run ids, attempt limit, SKIP
// LOCKED claims, per-guild limits under an advisory lock), retention.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import { RetryLaterError } from '../../core/errors.js';
import type { Depth } from '../../core/stage.js';
import {
  scopeParams,
  type ClaimNextOptions,
  type ClaimOptions,
  type DeliveryRef,
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
import { json, num, numOrNull, type PgContext } from './context.js';

/** How many times claimNext re-picks after losing a per-guild race before reporting nothing claimable. */
const CLAIM_ROUNDS = 8;

interface WorkflowRow extends QueryResultRow {
  id: string;
  url: string;
  depth: string;
  requester_id: string | null;
  guild_id: string | null;
  channel_id: string | null;
  interaction_id: string | null;
  origin: string;
  delivery: DeliveryRef;
  status: WorkflowStatus;
  progress: WorkflowProgress | null;
  attempts: number;
  last_error: StoredError | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  run_after: string;
  lease_owner: string | null;
  run_id: string | null;
  lease_expires_at: string | null;
  cancel_requested: boolean;
  report_id: string | null;
  delivery_state: DeliveryState | null;
  delivery_error: StoredError | null;
}

function toRecord(r: WorkflowRow): WorkflowRecord {
  const request: WorkflowRequest = {
    url: r.url,
    depth: r.depth as Depth,
    requesterId: r.requester_id,
    guildId: r.guild_id,
    channelId: r.channel_id,
    interactionId: r.interaction_id,
    origin: r.origin === 'cli' ? 'cli' : 'discord',
    delivery: r.delivery,
  };
  return {
    id: r.id,
    request,
    status: r.status,
    progress: r.progress,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    startedAt: numOrNull(r.started_at),
    finishedAt: numOrNull(r.finished_at),
    runAfter: num(r.run_after),
    leaseOwner: r.lease_owner,
    runId: r.run_id,
    leaseExpiresAt: numOrNull(r.lease_expires_at),
    cancelRequested: r.cancel_requested,
    reportId: r.report_id,
    deliveryState: r.delivery_state,
    deliveryError: r.delivery_error,
  };
}

const CLAIMABLE = `((status = 'queued' AND run_after <= $1) OR (status = 'running' AND lease_expires_at <= $1))`;

export class PgWorkflowLeases implements WorkflowLeaseStore {
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

  #transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.#c.transaction(fn);
  }

  get #schema(): string | undefined {
    return this.#c.schema;
  }

  async createWorkflow(input: {
    readonly id: string;
    readonly request: WorkflowRequest;
    readonly now: number;
  }): Promise<{ readonly workflow: WorkflowRecord; readonly created: boolean }> {
    const r = input.request;
    const inserted = await this.#query<WorkflowRow>(
      `INSERT INTO workflows (id, url, depth, requester_id, guild_id, channel_id, interaction_id, origin, delivery,
                              status, created_at, updated_at, run_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10, $10, $10)
       ON CONFLICT DO NOTHING
       RETURNING *`,
      [
        input.id,
        r.url,
        r.depth,
        r.requesterId,
        r.guildId,
        r.channelId,
        r.interactionId,
        r.origin,
        JSON.stringify(r.delivery),
        input.now,
      ],
    );
    const row = inserted.rows[0];
    if (row !== undefined) return { workflow: toRecord(row), created: true };
    const existing = await this.#query<WorkflowRow>(
      `SELECT * FROM workflows WHERE ($1::text IS NOT NULL AND interaction_id = $1) OR id = $2
       ORDER BY (interaction_id IS NOT DISTINCT FROM $1) DESC LIMIT 1`,
      [r.interactionId, input.id],
    );
    const found = existing.rows[0];
    if (found === undefined) {
      throw new RetryLaterError('store.conflict', 'The workflow insert conflicted but no row was found', {
        context: { workflowId: input.id },
      });
    }
    return { workflow: toRecord(found), created: false };
  }

  async getWorkflow(id: string): Promise<WorkflowRecord | null> {
    const r = await this.#query<WorkflowRow>(`SELECT * FROM workflows WHERE id = $1`, [id]);
    const row = r.rows[0];
    return row === undefined ? null : toRecord(row);
  }

  async getWorkflowByInteraction(interactionId: string): Promise<WorkflowRecord | null> {
    const r = await this.#query<WorkflowRow>(`SELECT * FROM workflows WHERE interaction_id = $1`, [
      interactionId,
    ]);
    const row = r.rows[0];
    return row === undefined ? null : toRecord(row);
  }

  async listWorkflows(filter: {
    readonly statuses?: readonly WorkflowStatus[];
    readonly guildId?: string;
    readonly limit?: number;
  }): Promise<WorkflowRecord[]> {
    const r = await this.#query<WorkflowRow>(
      `SELECT * FROM workflows
       WHERE ($1::text[] IS NULL OR status = ANY($1)) AND ($2::text IS NULL OR guild_id = $2)
       ORDER BY created_at, id
       LIMIT $3`,
      [filter.statuses ?? null, filter.guildId ?? null, filter.limit ?? null],
    );
    return r.rows.map(toRecord);
  }

  /**
   * Leases the locked row `id` to a new run, or fails it when it has used up its attempts (then returns null).
   * Taking over an expired lease records why the run before it ended, so the attempt limit can name it.
   */
  async #lease(c: PoolClient, id: string, options: ClaimOptions): Promise<WorkflowRecord | null> {
    const current = (await this.#query<WorkflowRow>(`SELECT * FROM workflows WHERE id = $1`, [id], c))
      .rows[0];
    if (current === undefined) return null;
    const takeover = current.status === 'running';
    const previous = takeover ? workerLost(current.progress?.stage ?? null) : current.last_error;
    if (options.maxAttempts !== undefined && current.attempts >= options.maxAttempts) {
      await this.#query(
        `UPDATE workflows
         SET status = 'failed', lease_owner = NULL, run_id = NULL, lease_expires_at = NULL, last_error = $2,
             finished_at = $3, updated_at = $3
         WHERE id = $1`,
        [id, JSON.stringify(attemptsExhausted(current.attempts, previous)), options.now],
        c,
      );
      return null;
    }
    const claimed = await this.#query<WorkflowRow>(
      `UPDATE workflows
       SET status = 'running', lease_owner = $2, run_id = $3, lease_expires_at = $4, attempts = attempts + 1,
           started_at = COALESCE(started_at, $5), updated_at = $5,
           last_error = CASE WHEN $6 THEN $7::jsonb ELSE last_error END
       WHERE id = $1
       RETURNING *`,
      [id, options.owner, randomUUID(), options.now + options.leaseMs, options.now, takeover, json(previous)],
      c,
    );
    const row = claimed.rows[0];
    return row === undefined ? null : toRecord(row);
  }

  async claimNext(options: ClaimNextOptions): Promise<WorkflowRecord | null> {
    const limit = options.perGuildLimit ?? null;
    const busy = [...(options.busy ?? [])];
    return this.#transaction(async (c) => {
      const fullGuilds: string[] = [];
      // A round ends in a lease, a full guild set aside, or a row failed for exhausted attempts (no longer
      // claimable): each makes progress, so the rounds are bounded.
      for (let round = 0; round < CLAIM_ROUNDS; round++) {
        // SKIP LOCKED: concurrent claimers each take a different row instead of queueing behind one.
        const pick = await this.#query<{ id: string; guild_id: string | null }>(
          `SELECT id, guild_id FROM workflows w
           WHERE ${CLAIMABLE} AND NOT (w.id = ANY($4::text[]))
             AND ($2::int IS NULL OR w.guild_id IS NULL OR (
                   NOT (w.guild_id = ANY($3::text[]))
                   AND (SELECT count(*) FROM workflows r
                        WHERE r.status = 'running' AND r.guild_id = w.guild_id
                          AND r.lease_expires_at > $1 AND r.id <> w.id) < $2))
           ORDER BY created_at, id
           LIMIT 1
           FOR UPDATE SKIP LOCKED`,
          [options.now, limit, fullGuilds, busy],
          c,
        );
        const candidate = pick.rows[0];
        if (candidate === undefined) return null;
        if (limit !== null && candidate.guild_id !== null) {
          // The count above can race with another claimer of the same guild: serialise per guild, then recount.
          await this.#query(
            `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
            [`autointel:guild:${this.#schema ?? ''}:${candidate.guild_id}`],
            c,
          );
          const running = await this.#query<{ n: string }>(
            `SELECT count(*) AS n FROM workflows
             WHERE status = 'running' AND guild_id = $1 AND lease_expires_at > $2 AND id <> $3`,
            [candidate.guild_id, options.now, candidate.id],
            c,
          );
          if (num(running.rows[0]?.n ?? '0') >= limit) {
            fullGuilds.push(candidate.guild_id);
            continue;
          }
        }
        const leased = await this.#lease(c, candidate.id, options);
        if (leased !== null) return leased;
      }
      return null;
    });
  }

  async claim(id: string, options: ClaimOptions): Promise<WorkflowRecord | null> {
    return this.#transaction(async (c) => {
      // The row lock makes a concurrent claimer wait, then re-check the WHERE and find the row taken.
      const pick = await this.#query<{ id: string }>(
        `SELECT id FROM workflows WHERE id = $2 AND ${CLAIMABLE} FOR UPDATE`,
        [options.now, id],
        c,
      );
      return pick.rows[0] === undefined ? null : this.#lease(c, id, options);
    });
  }

  async heartbeat(
    run: RunLease,
    options: { readonly now: number; readonly leaseMs: number },
  ): Promise<HeartbeatResult> {
    const r = await this.#query<{ cancel_requested: boolean }>(
      `UPDATE workflows SET lease_expires_at = $3, updated_at = $4
       WHERE id = $1 AND run_id = $2 AND status = 'running'
       RETURNING cancel_requested`,
      [run.workflowId, run.runId, options.now + options.leaseMs, options.now],
    );
    const row = r.rows[0];
    if (row !== undefined) return { held: true, cancelRequested: row.cancel_requested };
    const current = await this.#query<{ cancel_requested: boolean }>(
      `SELECT cancel_requested FROM workflows WHERE id = $1`,
      [run.workflowId],
    );
    return { held: false, cancelRequested: current.rows[0]?.cancel_requested ?? false };
  }

  async updateProgress(run: RunLease, progress: WorkflowProgress): Promise<void> {
    await this.#query(
      `UPDATE workflows SET progress = $3, updated_at = $4
       WHERE id = $1 AND run_id = $2 AND status = 'running'`,
      [run.workflowId, run.runId, JSON.stringify(progress), progress.updatedAt],
    );
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
    const r = await this.#query(
      `UPDATE workflows
       SET status = 'queued', run_after = $3, last_error = COALESCE($4, last_error), lease_owner = NULL,
           run_id = NULL, lease_expires_at = NULL, updated_at = $5,
           attempts = CASE WHEN $6 AND attempts > 0 THEN attempts - 1 ELSE attempts END
       WHERE id = $1 AND run_id = $2 AND status = 'running'`,
      [
        run.workflowId,
        run.runId,
        options.runAfter,
        json(options.error),
        options.now,
        options.refund === true,
      ],
    );
    return r.rowCount === 1;
  }

  async complete(
    run: RunLease,
    options: { readonly now: number; readonly reportId: string },
  ): Promise<boolean> {
    const r = await this.#query(
      `UPDATE workflows
       SET status = 'completed', report_id = $3, finished_at = $4, updated_at = $4, lease_owner = NULL,
           run_id = NULL, lease_expires_at = NULL
       WHERE id = $1 AND run_id = $2 AND status = 'running'`,
      [run.workflowId, run.runId, options.reportId, options.now],
    );
    return r.rowCount === 1;
  }

  async fail(
    run: RunLease,
    options: { readonly now: number; readonly error: StoredError },
  ): Promise<boolean> {
    const r = await this.#query(
      `UPDATE workflows
       SET status = 'failed', last_error = $3, finished_at = $4, updated_at = $4, lease_owner = NULL,
           run_id = NULL, lease_expires_at = NULL
       WHERE id = $1 AND run_id = $2 AND status = 'running'`,
      [run.workflowId, run.runId, JSON.stringify(options.error), options.now],
    );
    return r.rowCount === 1;
  }

  async requestCancel(id: string, now: number): Promise<WorkflowRecord | null> {
    // SET expressions read the row as it was, so `status = 'queued'` tests the pre-update status.
    const r = await this.#query<WorkflowRow>(
      `UPDATE workflows
       SET cancel_requested = TRUE, updated_at = $2,
           status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
           finished_at = CASE WHEN status = 'queued' THEN $2 ELSE finished_at END
       WHERE id = $1 AND status IN ('queued', 'running')
       RETURNING *`,
      [id, now],
    );
    const row = r.rows[0];
    return row === undefined ? this.getWorkflow(id) : toRecord(row);
  }

  async markCancelled(run: RunLease, now: number): Promise<boolean> {
    const r = await this.#query(
      `UPDATE workflows
       SET status = 'cancelled', finished_at = $3, updated_at = $3, lease_owner = NULL, run_id = NULL,
           lease_expires_at = NULL
       WHERE id = $1 AND run_id = $2 AND status = 'running'`,
      [run.workflowId, run.runId, now],
    );
    return r.rowCount === 1;
  }

  async countRunning(filter: { readonly guildId?: string }): Promise<number> {
    const r = await this.#query<{ n: string }>(
      `SELECT count(*) AS n FROM workflows WHERE status = 'running' AND ($1::text IS NULL OR guild_id = $1)`,
      [filter.guildId ?? null],
    );
    return num(r.rows[0]?.n ?? '0');
  }

  async countCreatedSince(filter: { readonly requesterId: string; readonly since: number }): Promise<number> {
    const r = await this.#query<{ n: string }>(
      `SELECT count(*) AS n FROM workflows WHERE requester_id = $1 AND created_at >= $2`,
      [filter.requesterId, filter.since],
    );
    return num(r.rows[0]?.n ?? '0');
  }

  async findLatestResult(input: {
    readonly url: string;
    readonly depth: Depth;
    readonly since: number;
    readonly scope: ReportScope;
  }): Promise<LatestResult | null> {
    const scope = scopeParams(input.scope);
    const r = await this.#query<{ id: string; report_id: string; finished_at: string }>(
      `SELECT id, report_id, finished_at FROM workflows
       WHERE status = 'completed' AND url = $1 AND depth = $2 AND finished_at >= $3 AND report_id IS NOT NULL
         AND ($4 = 'operator'
              OR ($4 = 'guild' AND guild_id = $5)
              OR ($4 = 'direct' AND guild_id IS NULL AND requester_id = $5))
       ORDER BY finished_at DESC LIMIT 1`,
      [input.url, input.depth, input.since, scope.kind, scope.id],
    );
    const row = r.rows[0];
    return row === undefined
      ? null
      : { workflowId: row.id, reportId: row.report_id, finishedAt: num(row.finished_at) };
  }

  async purgeFinishedBefore(before: number): Promise<number> {
    // One statement: every data-modifying CTE runs, so a workflow never outlives its reports or parts.
    const r = await this.#query<{ n: string }>(
      `WITH gone AS (
         DELETE FROM workflows
         WHERE status IN ('completed', 'failed', 'cancelled') AND finished_at < $1
         RETURNING id),
       c AS (DELETE FROM checkpoints WHERE workflow_id IN (SELECT id FROM gone)),
       r AS (DELETE FROM reports WHERE workflow_id IN (SELECT id FROM gone)),
       d AS (DELETE FROM delivery_parts WHERE workflow_id IN (SELECT id FROM gone)),
       p AS (DELETE FROM progress_cards WHERE workflow_id IN (SELECT id FROM gone)),
       a AS (DELETE FROM chunk_audio WHERE workflow_id IN (SELECT id FROM gone)),
       i AS (DELETE FROM interaction_claims
             WHERE claimed_at < $1 AND (intake IS NULL OR intake_done))
       SELECT count(*) AS n FROM gone`,
      [before],
    );
    return num(r.rows[0]?.n ?? '0');
  }
}
