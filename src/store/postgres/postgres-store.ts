// The scale-out WorkflowStore on PostgreSQL (pg Pool): many front ends and workers share it; every claim is atomic.
import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import { SystemClock, type Clock } from '../../core/clock.js';
import { AppError, PermanentError, RetryLaterError, toAppError } from '../../core/errors.js';
import type { Depth } from '../../core/stage.js';
import type {
  ClaimOptions,
  DeliveryPart,
  DeliveryRef,
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
import { PostgresIntakes } from './intakes.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './migrations.js';

export interface PostgresWorkflowStoreOptions {
  /** `postgres://user@host:port/db`. */
  readonly connectionString: string;
  /**
   * Schema holding the tables (created by `migrate()` when missing). Lets tests, or several deployments,
   * share one database in isolation. Default: the server's `search_path` (normally `public`).
   */
  readonly schema?: string;
  /** Pool size per process. */
  readonly maxConnections?: number;
  /** Only used to stamp `schema_migrations.applied_at`; every other time arrives as a parameter. */
  readonly clock?: Clock;
  readonly applicationName?: string;
}

const DefaultPostgresWorkflowStoreOptions = {
  maxConnections: 10,
  applicationName: 'autointel',
} as const satisfies Partial<PostgresWorkflowStoreOptions>;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
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
  lease_expires_at: string | null;
  cancel_requested: boolean;
  report_id: string | null;
  delivery_state: DeliveryState | null;
  delivery_error: StoredError | null;
}

const num = (v: string | number): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: string | number | null): number | null => (v === null ? null : num(v));
const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));

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
    leaseExpiresAt: numOrNull(r.lease_expires_at),
    cancelRequested: r.cancel_requested,
    reportId: r.report_id,
    deliveryState: r.delivery_state,
    deliveryError: r.delivery_error,
  };
}

const CLAIMABLE = `((status = 'queued' AND run_after <= $1) OR (status = 'running' AND lease_expires_at <= $1))`;

export class PostgresWorkflowStore implements WorkflowStore {
  readonly #pool: pg.Pool;
  readonly #schema: string | undefined;
  readonly #clock: Clock;
  readonly #intakes = new PostgresIntakes((text, values) => this.#query(text, values));
  #closed = false;

  constructor(options: PostgresWorkflowStoreOptions) {
    if (!/^postgres(ql)?:\/\//.test(options.connectionString)) {
      throw new RangeError(
        'PostgresWorkflowStore: option `connectionString` must be a postgres:// URL, received something else',
      );
    }
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new RangeError(
        `PostgresWorkflowStore: option \`schema\` must match ${String(SCHEMA_NAME)}, received ${JSON.stringify(options.schema)}`,
      );
    }
    const max = options.maxConnections ?? DefaultPostgresWorkflowStoreOptions.maxConnections;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `PostgresWorkflowStore: option \`maxConnections\` must be a positive integer, received ${max}`,
      );
    }
    this.#schema = options.schema;
    this.#clock = options.clock ?? new SystemClock();
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max,
      application_name: options.applicationName ?? DefaultPostgresWorkflowStoreOptions.applicationName,
      // The schema is validated above, so it can be placed in the startup options without quoting.
      ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    });
    // An idle client losing its server connection must not crash the process; the next query reconnects.
    this.#pool.on('error', () => undefined);
  }

  async #query<R extends QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
    client?: PoolClient,
  ): Promise<pg.QueryResult<R>> {
    try {
      return await (client ?? this.#pool).query<R>(text, values as unknown[]);
    } catch (e: unknown) {
      throw storeError(e);
    }
  }

  async #transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e: unknown) {
      throw storeError(e);
    }
    try {
      await this.#query('BEGIN', [], client);
      const result = await fn(client);
      await this.#query('COMMIT', [], client);
      return result;
    } catch (e: unknown) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw toAppError(e, 'store.postgres');
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    await this.#transaction(async (c) => {
      // Concurrent starters queue here: the first applies the migrations, the others then find nothing to do.
      await this.#query(
        `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
        [`autointel:migrate:${this.#schema ?? ''}`],
        c,
      );
      if (this.#schema !== undefined) await this.#query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`, [], c);
      await this.#query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
        [],
        c,
      );
      const done = await this.#query<{ version: number }>(`SELECT version FROM schema_migrations`, [], c);
      const applied = new Set(done.rows.map((r) => r.version));
      const newest = Math.max(0, ...applied);
      if (newest > POSTGRES_SCHEMA_VERSION) throw schemaAhead(newest);
      for (const m of POSTGRES_MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await this.#query(m.sql, [], c);
        await this.#query(
          `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
          [m.version, m.name, this.#clock.now()],
          c,
        );
      }
    });
  }

  /** The newest applied migration (0 for an empty database); `doctor` compares it with the code's version. */
  async schemaVersion(): Promise<number> {
    const exists = await this.#query<{ t: string | null }>(
      `SELECT to_regclass('schema_migrations')::text AS t`,
    );
    if (exists.rows[0]?.t == null) return 0;
    const r = await this.#query<{ v: number | null }>(`SELECT max(version) AS v FROM schema_migrations`);
    return r.rows[0]?.v ?? 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
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

  async claimNext(options: ClaimOptions): Promise<WorkflowRecord | null> {
    const limit = options.perGuildLimit ?? null;
    return this.#transaction(async (c) => {
      const fullGuilds: string[] = [];
      for (let round = 0; round < CLAIM_ROUNDS; round++) {
        // SKIP LOCKED: concurrent claimers each take a different row instead of queueing behind one.
        const pick = await this.#query<{ id: string; guild_id: string | null }>(
          `SELECT id, guild_id FROM workflows w
           WHERE ${CLAIMABLE}
             AND ($2::int IS NULL OR w.guild_id IS NULL OR (
                   NOT (w.guild_id = ANY($3::text[]))
                   AND (SELECT count(*) FROM workflows r
                        WHERE r.status = 'running' AND r.guild_id = w.guild_id
                          AND r.lease_expires_at > $1 AND r.id <> w.id) < $2))
           ORDER BY created_at, id
           LIMIT 1
           FOR UPDATE SKIP LOCKED`,
          [options.now, limit, fullGuilds],
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
        const claimed = await this.#query<WorkflowRow>(
          `UPDATE workflows
           SET status = 'running', lease_owner = $2, lease_expires_at = $3, attempts = attempts + 1,
               started_at = COALESCE(started_at, $4), updated_at = $4
           WHERE id = $1
           RETURNING *`,
          [candidate.id, options.owner, options.now + options.leaseMs, options.now],
          c,
        );
        const row = claimed.rows[0];
        return row === undefined ? null : toRecord(row);
      }
      return null;
    });
  }

  async claim(id: string, options: LeaseOptions): Promise<WorkflowRecord | null> {
    // One statement: a concurrent claimer re-evaluates the WHERE after our commit and finds the row taken.
    const r = await this.#query<WorkflowRow>(
      `UPDATE workflows
       SET status = 'running', lease_owner = $3, lease_expires_at = $4, attempts = attempts + 1,
           started_at = COALESCE(started_at, $1), updated_at = $1
       WHERE id = $2 AND ${CLAIMABLE}
       RETURNING *`,
      [options.now, id, options.owner, options.now + options.leaseMs],
    );
    const row = r.rows[0];
    return row === undefined ? null : toRecord(row);
  }

  async heartbeat(id: string, options: LeaseOptions): Promise<HeartbeatResult> {
    const r = await this.#query<{ cancel_requested: boolean }>(
      `UPDATE workflows SET lease_expires_at = $3, updated_at = $4
       WHERE id = $1 AND lease_owner = $2 AND status = 'running'
       RETURNING cancel_requested`,
      [id, options.owner, options.now + options.leaseMs, options.now],
    );
    const row = r.rows[0];
    if (row !== undefined) return { held: true, cancelRequested: row.cancel_requested };
    const current = await this.#query<{ cancel_requested: boolean }>(
      `SELECT cancel_requested FROM workflows WHERE id = $1`,
      [id],
    );
    return { held: false, cancelRequested: current.rows[0]?.cancel_requested ?? false };
  }

  async updateProgress(id: string, owner: string, progress: WorkflowProgress): Promise<void> {
    await this.#query(
      `UPDATE workflows SET progress = $3, updated_at = $4
       WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
      [id, owner, JSON.stringify(progress), progress.updatedAt],
    );
  }

  async saveCheckpoint(id: string, stage: string, output: unknown, now: number): Promise<void> {
    await this.#query(
      `INSERT INTO checkpoints (workflow_id, stage, output, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (workflow_id, stage) DO NOTHING`,
      [id, stage, json(output), now],
    );
  }

  async getCheckpoints(id: string): Promise<Record<string, unknown>> {
    const r = await this.#query<{ stage: string; output: unknown }>(
      `SELECT stage, output FROM checkpoints WHERE workflow_id = $1 ORDER BY created_at, stage`,
      [id],
    );
    const out: Record<string, unknown> = {};
    for (const row of r.rows) out[row.stage] = row.output;
    return out;
  }

  async release(
    id: string,
    owner: string,
    options: { readonly now: number; readonly runAfter: number; readonly error: StoredError | null },
  ): Promise<void> {
    await this.#query(
      `UPDATE workflows
       SET status = 'queued', run_after = $3, last_error = COALESCE($4, last_error), lease_owner = NULL,
           lease_expires_at = NULL, updated_at = $5
       WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
      [id, owner, options.runAfter, json(options.error), options.now],
    );
  }

  async complete(
    id: string,
    owner: string,
    options: { readonly now: number; readonly reportId: string },
  ): Promise<void> {
    await this.#query(
      `UPDATE workflows
       SET status = 'completed', report_id = $3, finished_at = $4, updated_at = $4, lease_owner = NULL,
           lease_expires_at = NULL
       WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
      [id, owner, options.reportId, options.now],
    );
  }

  async fail(
    id: string,
    owner: string,
    options: { readonly now: number; readonly error: StoredError },
  ): Promise<void> {
    await this.#query(
      `UPDATE workflows
       SET status = 'failed', last_error = $3, finished_at = $4, updated_at = $4, lease_owner = NULL,
           lease_expires_at = NULL
       WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
      [id, owner, JSON.stringify(options.error), options.now],
    );
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

  async markCancelled(id: string, owner: string, now: number): Promise<void> {
    await this.#query(
      `UPDATE workflows
       SET status = 'cancelled', finished_at = $3, updated_at = $3, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
      [id, owner, now],
    );
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

  async findFreshResult(input: {
    readonly url: string;
    readonly depth: Depth;
    readonly since: number;
  }): Promise<{ readonly workflowId: string; readonly reportId: string } | null> {
    const r = await this.#query<{ id: string; report_id: string }>(
      `SELECT id, report_id FROM workflows
       WHERE status = 'completed' AND url = $1 AND depth = $2 AND finished_at >= $3 AND report_id IS NOT NULL
       ORDER BY finished_at DESC LIMIT 1`,
      [input.url, input.depth, input.since],
    );
    const row = r.rows[0];
    return row === undefined ? null : { workflowId: row.id, reportId: row.report_id };
  }

  async saveReport(
    input: StoredReport & { readonly title: string; readonly searchText: string },
  ): Promise<void> {
    await this.#query(
      `INSERT INTO reports (id, workflow_id, url, depth, report, title, search_text, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET report = EXCLUDED.report, title = EXCLUDED.title,
         search_text = EXCLUDED.search_text`,
      [
        input.id,
        input.workflowId,
        input.url,
        input.depth,
        JSON.stringify(input.report),
        input.title,
        input.searchText,
        input.createdAt,
      ],
    );
  }

  async getReport(id: string): Promise<StoredReport | null> {
    const r = await this.#query<{
      id: string;
      workflow_id: string;
      url: string;
      depth: string;
      report: unknown;
      created_at: string;
    }>(`SELECT id, workflow_id, url, depth, report, created_at FROM reports WHERE id = $1`, [id]);
    const row = r.rows[0];
    if (row === undefined) return null;
    return {
      id: row.id,
      workflowId: row.workflow_id,
      url: row.url,
      depth: row.depth as Depth,
      report: row.report,
      createdAt: num(row.created_at),
    };
  }

  async searchReports(
    query: string,
    options: { readonly limit: number; readonly excludeWorkflowId?: string; readonly guildId?: string },
  ): Promise<ReportSearchHit[]> {
    if (query.trim() === '' || options.limit <= 0) return [];
    // websearch_to_tsquery accepts any user text (quotes, OR, -word) without syntax errors.
    const r = await this.#query<{
      id: string;
      workflow_id: string;
      url: string;
      title: string;
      snippet: string;
      rank: number;
    }>(
      `SELECT id, workflow_id, url, title,
              ts_headline('english', search_text, q,
                          'StartSel=**, StopSel=**, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "')
                AS snippet,
              ts_rank(search, q)::float8 AS rank
       FROM reports, websearch_to_tsquery('english', $1) AS q
       WHERE search @@ q AND ($3::text IS NULL OR workflow_id <> $3)
         AND ($4::text IS NULL OR workflow_id IN (SELECT id FROM workflows WHERE guild_id = $4))
       ORDER BY rank DESC, created_at DESC, id
       LIMIT $2`,
      [query, options.limit, options.excludeWorkflowId ?? null, options.guildId ?? null],
    );
    return r.rows.map((row) => ({
      reportId: row.id,
      workflowId: row.workflow_id,
      url: row.url,
      title: row.title,
      snippet: row.snippet,
      rank: row.rank,
    }));
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
    options: { readonly error: StoredError | null; readonly failed: boolean; readonly now: number },
  ): Promise<void> {
    await this.#query(
      `UPDATE delivery_parts
       SET attempts = attempts + 1, last_error = $3,
           status = CASE WHEN status = 'sent' THEN status WHEN $4 THEN 'failed' ELSE status END
       WHERE workflow_id = $1 AND part_key = $2`,
      [workflowId, partKey, json(options.error), options.failed],
    );
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

  async setGuildWebhook(guildId: string, webhookSealed: string, now: number): Promise<void> {
    await this.#query(
      `INSERT INTO guild_settings (guild_id, webhook_sealed, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (guild_id) DO UPDATE SET webhook_sealed = EXCLUDED.webhook_sealed, updated_at = EXCLUDED.updated_at`,
      [guildId, webhookSealed, now],
    );
  }

  async getGuildWebhook(guildId: string): Promise<string | null> {
    const r = await this.#query<{ webhook_sealed: string | null }>(
      `SELECT webhook_sealed FROM guild_settings WHERE guild_id = $1`,
      [guildId],
    );
    return r.rows[0]?.webhook_sealed ?? null;
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
       i AS (DELETE FROM interaction_claims WHERE claimed_at < $1)
       SELECT count(*) AS n FROM gone`,
      [before],
    );
    return num(r.rows[0]?.n ?? '0');
  }
}

function schemaAhead(found: number): PermanentError {
  return new PermanentError(
    'store.schema_ahead',
    `The database schema is at version ${found} but this build knows only up to ${POSTGRES_SCHEMA_VERSION}`,
    {
      userMessage: `The database was migrated by a newer autointel (schema ${found} > ${POSTGRES_SCHEMA_VERSION}): upgrade this process.`,
      context: { found, expected: POSTGRES_SCHEMA_VERSION },
    },
  );
}

/** Connection-level failures are transient; SQL errors (constraint, syntax) are bugs or bad data. */
function storeError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  // A SQLSTATE is five characters; anything else (ECONNREFUSED, a timeout) is a network-level failure.
  const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
  const transient =
    sqlstate === null ||
    sqlstate.startsWith('08') ||
    sqlstate.startsWith('57P') ||
    sqlstate === '40001' ||
    sqlstate === '40P01' ||
    sqlstate === '53300';
  const options = {
    cause: e,
    context: { sqlstate },
    userMessage: 'The database is not reachable right now.',
  };
  return transient
    ? new RetryLaterError('store.unavailable', `PostgreSQL: ${message}`, options)
    : new AppError('store.postgres', `PostgreSQL: ${message}`, { ...options, retryable: false });
}
