// The embedded WorkflowStore: one SQLite file (WAL) and, beside it, a small one for interaction claims. Each port's
// SQL lives in its own file (workflows.ts, reports.ts, outbox.ts, guilds.ts over one shared connection, context.ts;
// intakes.ts over the claims file's connection); this class opens the files, migrates them, answers health and
// integrity probes, and presents the concerns together as the whole WorkflowStore.
// Why two files: SQLite has one write lock per file. The claim is the one write before an acknowledgement; in the
// main file it queued behind the engine's checkpoint and report writes (up to several ms, ~1.5 % of claims in a
// burst), which is exactly the acknowledgement tail. In its own file only other claims can hold it up.
import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { SystemClock, type Clock } from '../../core/clock.js';
import { compiledTwinUrl } from '../../core/worker-url.js';
import type {
  CheckpointReportStore,
  GuildSettingsStore,
  OutboxStore,
  StoreHealth,
  WorkflowLeaseStore,
  WorkflowStore,
} from '../store.js';
import type { IntakeStore } from '../intake-store.js';
import { messageOf, SqliteContext } from './context.js';
import { SqliteGuildSettings } from './guilds.js';
import { copyClaimsFrom, migrateIntakesFile, SqliteIntakes } from './intakes.js';
import { CLAIMS_MOVED_VERSION, SQLITE_MIGRATIONS, type Migration } from './migrations.js';
import { SqliteOutbox } from './outbox.js';
import { SqliteCheckpointsReports } from './reports.js';
import { SqliteWorkflowLeases } from './workflows.js';

export { toFtsQuery } from './reports.js';

/** Where the embedded store lives under `AUTOINTEL_DATA_DIR`; every entry point opens this one file. */
export const sqliteStorePath = (dataDir: string): string => join(dataDir, 'autointel.db');

/** An in-memory database (or a URI SQLite resolves itself), not a path of ours. */
const isMemory = (filename: string): boolean =>
  filename === ':memory:' || filename === '' || filename.startsWith('file:');

/**
 * The interaction-claims file beside a store file (`autointel.db` → `autointel.intakes.db`); a private in-memory
 * database for an in-memory store.
 */
export function intakesFileOf(filename: string): string {
  if (isMemory(filename)) return ':memory:';
  const slash = filename.lastIndexOf('/');
  const dot = filename.lastIndexOf('.');
  return dot > slash + 1 ? `${filename.slice(0, dot)}.intakes${filename.slice(dot)}` : `${filename}.intakes`;
}

export interface SqliteWorkflowStoreOptions {
  /** A file path, or `:memory:` for a private in-memory database. */
  readonly filename: string;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
  readonly migrations?: readonly Migration[];
  /** Stamps `schema_migrations.applied_at` only; every workflow time is passed in by the caller. */
  readonly clock?: Clock;
  /**
   * Opens the file read-only (inspection, or a database on read-only storage): reads work, every write fails
   * with SQLITE_READONLY, and `health()` says so.
   */
  readonly readonly?: boolean;
  /**
   * Checkpoints the WAL every `intervalMs` on a thread of its own (wal-checkpointer.ts) instead of inside whichever
   * write crosses SQLite's automatic threshold: the bot's loop then never copies the WAL or waits for its fsync.
   * Off by default (scripts, tests); should that thread stop, automatic checkpoints resume.
   */
  readonly backgroundCheckpoints?: { readonly intervalMs: number };
  /**
   * The front end's writes before and right after an acknowledgement (claim, workflow creation, intake completion)
   * wait for another connection's write lock off the loop: they try without waiting and retry on timers (within
   * `busyTimeoutMs`), instead of sleeping inside SQLite's busy handler while every other interaction waits behind them.
   * For a process whose loop answers Discord and shares the file with an engine or worker process.
   */
  readonly yieldOnBusy?: boolean;
}

/** SQLITE_BUSY and its extended codes: another connection holds the lock this statement needs. */
const isBusy = (e: unknown): boolean =>
  typeof (e as { code?: unknown } | null)?.code === 'string' &&
  (e as { code: string }).code.startsWith('SQLITE_BUSY');

export const DefaultSqliteWorkflowStoreOptions = {
  busyTimeoutMs: 5000,
  /** SQLite's own default threshold, in pages, restored when the checkpointer thread stops. */
  autoCheckpointPages: 1000,
  /** The WAL file is cut back to this size after a checkpoint lets it restart. */
  walSizeLimitBytes: 64 * 1024 * 1024,
} as const satisfies Partial<SqliteWorkflowStoreOptions> & Record<string, unknown>;

/**
 * Creates the database file 0600 before SQLite opens it, and tightens an existing one (and its WAL/SHM) that others
 * may read: it holds sealed tokens and everything users asked for. SQLite gives the WAL and SHM files the mode of the
 * database file, so they follow.
 */
function keepPrivate(filename: string): void {
  if (isMemory(filename)) return;
  closeSync(openSync(filename, 'a', 0o600));
  for (const f of [filename, `${filename}-wal`, `${filename}-shm`]) {
    if (existsSync(f) && (statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
  }
}

/**
 * `PRAGMA integrity_check` on an open database: an empty list when every page is sound, else SQLite's findings (at
 * most `limit` lines, or the error that stopped the check).
 */
export function integrityProblems(db: Db, limit = 20): string[] {
  try {
    const rows = db.pragma(`integrity_check(${Math.max(1, Math.floor(limit))})`) as {
      integrity_check: string;
    }[];
    const lines = rows.map((r) => r.integrity_check);
    return lines.length === 1 && lines[0] === 'ok' ? [] : lines;
  } catch (e: unknown) {
    return [messageOf(e)];
  }
}

export class SqliteWorkflowStore implements WorkflowStore {
  readonly #db: Db;
  readonly #context: SqliteContext;
  readonly #leases: SqliteWorkflowLeases;
  readonly #reports: SqliteCheckpointsReports;
  readonly #outbox: SqliteOutbox;
  readonly #guilds: SqliteGuildSettings;
  readonly #intakes: SqliteIntakes;
  /** The claims file's connection and its statement cache. */
  readonly #claims: SqliteContext;
  readonly #migrations: readonly Migration[];
  readonly #clock: Clock;
  readonly #busyMs: number;
  readonly #yieldOnBusy: boolean;
  #checkpointer: Worker | null = null;

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
    const readonly = options.readonly === true;
    const claimsFile = intakesFileOf(options.filename);
    if (!readonly) {
      keepPrivate(options.filename);
      keepPrivate(claimsFile);
    }
    this.#db = new Database(options.filename, { readonly });
    // A read-only store over a file whose claims file was never created reads no claims (and writes none).
    const claimsMissing = readonly && !isMemory(claimsFile) && !existsSync(claimsFile);
    const claimsDb = new Database(claimsMissing ? ':memory:' : claimsFile, {
      readonly: readonly && !claimsMissing,
    });
    if (claimsMissing) {
      migrateIntakesFile(claimsDb);
      claimsDb.pragma('query_only = ON');
    }
    this.#claims = new SqliteContext(claimsDb);
    for (const db of [this.#db, claimsDb]) {
      // A read-only connection cannot change the journal mode; the file keeps the WAL mode it was created with.
      if (!readonly) db.pragma('journal_mode = WAL');
      db.pragma(`busy_timeout = ${busy}`);
      db.pragma('synchronous = NORMAL');
    }
    this.#busyMs = busy;
    this.#yieldOnBusy = options.yieldOnBusy === true;
    this.#db.pragma('foreign_keys = ON');
    const bg = options.backgroundCheckpoints;
    if (bg !== undefined && !readonly && !isMemory(options.filename)) {
      if (!(Number.isFinite(bg.intervalMs) && bg.intervalMs > 0))
        throw new RangeError(
          `SqliteWorkflowStore: backgroundCheckpoints.intervalMs must be positive, received ${bg.intervalMs}`,
        );
      this.#checkpointer = this.#startCheckpointer([options.filename, claimsFile], bg.intervalMs, busy);
    }
    this.#context = new SqliteContext(this.#db);
    this.#leases = new SqliteWorkflowLeases(this.#context);
    this.#reports = new SqliteCheckpointsReports(this.#context);
    this.#outbox = new SqliteOutbox(this.#context);
    this.#guilds = new SqliteGuildSettings(this.#context);
    this.#intakes = new SqliteIntakes(this.#claims);
    this.#migrations = options.migrations ?? SQLITE_MIGRATIONS;
    this.#clock = options.clock ?? new SystemClock();
  }

  #stmt(sql: string): Statement {
    return this.#context.stmt(sql);
  }

  #startCheckpointer(filenames: readonly string[], intervalMs: number, busyTimeoutMs: number): Worker {
    const d = DefaultSqliteWorkflowStoreOptions;
    for (const db of [this.#db, this.#claims.db]) {
      db.pragma('wal_autocheckpoint = 0');
      db.pragma(`journal_size_limit = ${d.walSizeLimitBytes}`);
    }
    const worker = new Worker(compiledTwinUrl('wal-checkpointer.js', import.meta.url), {
      workerData: { filenames, intervalMs, busyTimeoutMs },
    });
    // Never what keeps the process alive.
    worker.unref();
    const resumeAutomatic = (): void => {
      if (this.#checkpointer !== worker) return;
      this.#checkpointer = null;
      for (const db of [this.#db, this.#claims.db])
        if (db.open) db.pragma(`wal_autocheckpoint = ${d.autoCheckpointPages}`);
    };
    worker.on('error', resumeAutomatic);
    worker.on('exit', resumeAutomatic);
    return worker;
  }

  async migrate(): Promise<void> {
    if (!this.#claims.db.readonly) migrateIntakesFile(this.#claims.db);
    const sorted = [...this.#migrations].sort((a, b) => a.version - b.version);
    // Nothing to apply means nothing to write: an up-to-date database migrates even on a read-only connection.
    if (this.#hasTable('schema_migrations')) {
      const applied = new Set(
        (this.#db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
          (r) => r.version,
        ),
      );
      if (sorted.every((m) => applied.has(m.version))) return;
    }
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
    for (const m of sorted) {
      // The claims an older build kept here move to the claims file before their table is dropped.
      if (m.version === CLAIMS_MOVED_VERSION && this.#hasTable('interaction_claims'))
        copyClaimsFrom(this.#db, this.#claims.db);
      apply.immediate(m);
    }
  }

  /** Whether the main file holds table `name`. */
  #hasTable(name: string): boolean {
    return (
      this.#db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !==
      undefined
    );
  }

  async close(): Promise<void> {
    const worker = this.#checkpointer;
    this.#checkpointer = null;
    if (worker !== null) {
      // Its last checkpoint runs before the main connection closes (the last connection removes the WAL).
      const exited = new Promise<void>((ok) => worker.once('exit', () => ok()));
      worker.postMessage({ type: 'stop' });
      await Promise.race([exited, new Promise<void>((ok) => setTimeout(ok, 5_000).unref())]);
      await worker.terminate();
    }
    if (this.#db.open) this.#db.close();
    if (this.#claims.db.open) this.#claims.db.close();
  }

  async health(now: number): Promise<StoreHealth> {
    const token = randomUUID();
    try {
      this.#stmt(
        `INSERT INTO store_health (id, token, beat_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET token = excluded.token, beat_at = excluded.beat_at`,
      ).run(token, now);
    } catch (e: unknown) {
      return { ok: false, check: 'write', message: `the database cannot be written: ${messageOf(e)}` };
    }
    try {
      const row = this.#stmt('SELECT token FROM store_health WHERE id = 1').get() as
        { token: string } | undefined;
      if (row?.token !== token) {
        return {
          ok: false,
          check: 'read',
          message: 'the heartbeat row read back is not the one just written',
        };
      }
      // One real row of the main table too: its pages are the ones a request would need first.
      this.#stmt('SELECT id FROM workflows ORDER BY rowid DESC LIMIT 1').get();
    } catch (e: unknown) {
      return { ok: false, check: 'read', message: `the database cannot be read: ${messageOf(e)}` };
    }
    try {
      this.#claims.stmt('SELECT claimed_at FROM interaction_claims ORDER BY claimed_at DESC LIMIT 1').get();
    } catch (e: unknown) {
      return {
        ok: false,
        check: 'read',
        message: `the interaction-claims file cannot be read: ${messageOf(e)}`,
      };
    }
    return { ok: true };
  }

  /**
   * SQLite's own page-by-page verification (`PRAGMA integrity_check`): an empty list when the file is sound, else
   * what it found (at most `limit` lines). Reads the whole file: for `doctor`, not for every health probe.
   */
  integrityCheck(limit = 20): string[] {
    return [
      ...integrityProblems(this.#db, limit),
      ...integrityProblems(this.#claims.db, limit).map((line) => `interaction-claims file: ${line}`),
    ];
  }

  /**
   * Runs one atomic write (a single statement, or one immediate transaction: nothing of it is applied when the lock
   * is refused, so a retry cannot apply anything twice). With `yieldOnBusy` it never sleeps inside SQLite: a refused
   * lock is retried after 1, 2, 4… 16 ms on a timer, up to the busy timeout, then the last refusal is thrown.
   */
  async #atomicWrite<T>(write: () => Promise<T>, ctx: SqliteContext = this.#context): Promise<T> {
    if (!this.#yieldOnBusy) return write();
    const deadline = performance.now() + this.#busyMs;
    for (let waitMs = 1; ; waitMs = Math.min(16, waitMs * 2)) {
      // Prepared once, from the store's statement cache: this runs around every claim.
      ctx.stmt('PRAGMA busy_timeout = 0').get();
      let attempt: Promise<T>;
      try {
        // The adapter's methods run their statements before their first await: the pragma covers all of them.
        attempt = write();
      } finally {
        ctx.stmt(`PRAGMA busy_timeout = ${this.#busyMs}`).get();
      }
      try {
        return await attempt;
      } catch (e: unknown) {
        if (!isBusy(e) || performance.now() + waitMs > deadline) throw e;
      }
      await sleep(waitMs);
    }
  }

  readonly createWorkflow: WorkflowLeaseStore['createWorkflow'] = (...a) =>
    this.#atomicWrite(() => this.#leases.createWorkflow(...a));
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
  readonly purgeFinishedBefore: WorkflowLeaseStore['purgeFinishedBefore'] = async (before) => {
    const purged = await this.#leases.purgeFinishedBefore(before);
    this.#intakes.purgeClaimsBefore(before);
    return purged;
  };

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

  readonly claimInteraction: IntakeStore['claimInteraction'] = (...a) =>
    this.#atomicWrite(() => this.#intakes.claimInteraction(...a), this.#claims);
  readonly completeIntake: IntakeStore['completeIntake'] = (...a) =>
    this.#atomicWrite(() => this.#intakes.completeIntake(...a), this.#claims);
  readonly listOpenIntakes: IntakeStore['listOpenIntakes'] = (...a) => this.#intakes.listOpenIntakes(...a);
  readonly deadLetterIntake: IntakeStore['deadLetterIntake'] = (...a) => this.#intakes.deadLetterIntake(...a);
  readonly listDeadIntakes: IntakeStore['listDeadIntakes'] = (...a) => this.#intakes.listDeadIntakes(...a);
}
