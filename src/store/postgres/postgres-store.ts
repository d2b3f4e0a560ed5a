// The scale-out WorkflowStore on PostgreSQL (pg Pool): many front ends and workers share it; every claim is atomic.
// Each port's SQL lives in its own file (workflows.ts, reports.ts, outbox.ts, guilds.ts, intakes.ts) over one
// pool (context.ts); this class opens the pool, migrates the schema, answers health probes, and presents the whole
// WorkflowStore.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import { SystemClock, type Clock } from '../../core/clock.js';
import { PermanentError, toAppError } from '../../core/errors.js';
import type {
  CheckpointReportStore,
  GuildSettingsStore,
  OutboxStore,
  StoreHealth,
  WorkflowLeaseStore,
  WorkflowStore,
} from '../store.js';
import type { IntakeStore } from '../intake-store.js';
import { openPgPool, PgContext } from './context.js';
import { PgGuildSettings } from './guilds.js';
import { PostgresIntakes } from './intakes.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './migrations.js';
import { PgOutbox } from './outbox.js';
import { PgCheckpointsReports } from './reports.js';
import { PgWorkflowLeases } from './workflows.js';

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

export class PostgresWorkflowStore implements WorkflowStore {
  readonly #pool: pg.Pool;
  readonly #schema: string | undefined;
  readonly #clock: Clock;
  readonly #context: PgContext;
  readonly #leases: PgWorkflowLeases;
  readonly #reports: PgCheckpointsReports;
  readonly #outbox: PgOutbox;
  readonly #guilds: PgGuildSettings;
  readonly #intakes: PostgresIntakes;
  #closed = false;

  constructor(options: PostgresWorkflowStoreOptions) {
    this.#pool = openPgPool('PostgresWorkflowStore', options, {
      maxConnections: DefaultPostgresWorkflowStoreOptions.maxConnections,
      applicationName: options.applicationName ?? DefaultPostgresWorkflowStoreOptions.applicationName,
    });
    this.#schema = options.schema;
    this.#clock = options.clock ?? new SystemClock();
    this.#context = new PgContext(this.#pool, this.#schema);
    this.#leases = new PgWorkflowLeases(this.#context);
    this.#reports = new PgCheckpointsReports(this.#context);
    this.#outbox = new PgOutbox(this.#context);
    this.#guilds = new PgGuildSettings(this.#context);
    this.#intakes = new PostgresIntakes((text, values) => this.#query(text, values));
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

  async health(now: number): Promise<StoreHealth> {
    const token = randomUUID();
    try {
      await this.#query(
        `INSERT INTO store_health (id, token, beat_at) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, beat_at = EXCLUDED.beat_at`,
        [token, now],
      );
    } catch (e: unknown) {
      return {
        ok: false,
        check: 'write',
        message: `the database cannot be written: ${toAppError(e).message}`,
      };
    }
    try {
      const r = await this.#query<{ token: string }>(`SELECT token FROM store_health WHERE id = 1`);
      if (r.rows[0]?.token !== token) {
        return {
          ok: false,
          check: 'read',
          message: 'the heartbeat row read back is not the one just written',
        };
      }
      await this.#query(`SELECT id FROM workflows ORDER BY created_at DESC LIMIT 1`);
    } catch (e: unknown) {
      return { ok: false, check: 'read', message: `the database cannot be read: ${toAppError(e).message}` };
    }
    return { ok: true };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #query<R extends QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
    client?: PoolClient,
  ): Promise<pg.QueryResult<R>> {
    return this.#context.query<R>(text, values, client);
  }

  #transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.#context.transaction(fn);
  }

  readonly createWorkflow: WorkflowLeaseStore['createWorkflow'] = (...a) => this.#leases.createWorkflow(...a);
  readonly getWorkflow: WorkflowLeaseStore['getWorkflow'] = (...a) => this.#leases.getWorkflow(...a);
  readonly getWorkflowByInteraction: WorkflowLeaseStore['getWorkflowByInteraction'] = (...a) =>
    this.#leases.getWorkflowByInteraction(...a);
  readonly listWorkflows: WorkflowLeaseStore['listWorkflows'] = (...a) => this.#leases.listWorkflows(...a);
  readonly claimNext: WorkflowLeaseStore['claimNext'] = (...a) => this.#leases.claimNext(...a);
  readonly claim: WorkflowLeaseStore['claim'] = (...a) => this.#leases.claim(...a);
  readonly heartbeat: WorkflowLeaseStore['heartbeat'] = (...a) => this.#leases.heartbeat(...a);
  readonly updateProgress: WorkflowLeaseStore['updateProgress'] = (...a) => this.#leases.updateProgress(...a);
  readonly release: WorkflowLeaseStore['release'] = (...a) => this.#leases.release(...a);
  readonly complete: WorkflowLeaseStore['complete'] = (...a) => this.#leases.complete(...a);
  readonly fail: WorkflowLeaseStore['fail'] = (...a) => this.#leases.fail(...a);
  readonly requestCancel: WorkflowLeaseStore['requestCancel'] = (...a) => this.#leases.requestCancel(...a);
  readonly markCancelled: WorkflowLeaseStore['markCancelled'] = (...a) => this.#leases.markCancelled(...a);
  readonly countRunning: WorkflowLeaseStore['countRunning'] = (...a) => this.#leases.countRunning(...a);
  readonly countCreatedSince: WorkflowLeaseStore['countCreatedSince'] = (...a) =>
    this.#leases.countCreatedSince(...a);
  readonly findLatestResult: WorkflowLeaseStore['findLatestResult'] = (...a) =>
    this.#leases.findLatestResult(...a);
  readonly purgeFinishedBefore: WorkflowLeaseStore['purgeFinishedBefore'] = (...a) =>
    this.#leases.purgeFinishedBefore(...a);

  readonly saveCheckpoint: CheckpointReportStore['saveCheckpoint'] = (...a) =>
    this.#reports.saveCheckpoint(...a);
  readonly seedCheckpoints: CheckpointReportStore['seedCheckpoints'] = (...a) =>
    this.#reports.seedCheckpoints(...a);
  readonly getCheckpoints: CheckpointReportStore['getCheckpoints'] = (...a) =>
    this.#reports.getCheckpoints(...a);
  readonly saveReport: CheckpointReportStore['saveReport'] = (...a) => this.#reports.saveReport(...a);
  readonly getReport: CheckpointReportStore['getReport'] = (...a) => this.#reports.getReport(...a);
  readonly searchReports: CheckpointReportStore['searchReports'] = (...a) =>
    this.#reports.searchReports(...a);

  readonly addDeliveryParts: OutboxStore['addDeliveryParts'] = (...a) => this.#outbox.addDeliveryParts(...a);
  readonly listDeliveryParts: OutboxStore['listDeliveryParts'] = (...a) =>
    this.#outbox.listDeliveryParts(...a);
  readonly markPartSent: OutboxStore['markPartSent'] = (...a) => this.#outbox.markPartSent(...a);
  readonly markPartAttempt: OutboxStore['markPartAttempt'] = (...a) => this.#outbox.markPartAttempt(...a);
  readonly setDeliveryState: OutboxStore['setDeliveryState'] = (...a) => this.#outbox.setDeliveryState(...a);
  readonly getProgressCard: OutboxStore['getProgressCard'] = (...a) => this.#outbox.getProgressCard(...a);
  readonly saveProgressCard: OutboxStore['saveProgressCard'] = (...a) => this.#outbox.saveProgressCard(...a);

  readonly setGuildWebhook: GuildSettingsStore['setGuildWebhook'] = (...a) =>
    this.#guilds.setGuildWebhook(...a);
  readonly getGuildWebhook: GuildSettingsStore['getGuildWebhook'] = (...a) =>
    this.#guilds.getGuildWebhook(...a);

  readonly claimInteraction: IntakeStore['claimInteraction'] = (...a) => this.#intakes.claimInteraction(...a);
  readonly completeIntake: IntakeStore['completeIntake'] = (...a) => this.#intakes.completeIntake(...a);
  readonly listOpenIntakes: IntakeStore['listOpenIntakes'] = (...a) => this.#intakes.listOpenIntakes(...a);
  readonly deadLetterIntake: IntakeStore['deadLetterIntake'] = (...a) => this.#intakes.deadLetterIntake(...a);
  readonly listDeadIntakes: IntakeStore['listDeadIntakes'] = (...a) => this.#intakes.listDeadIntakes(...a);
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
