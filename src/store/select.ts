// Chooses the store for a configuration and refuses deployments whose parts cannot work together.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { PermanentError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { Config } from '../config/config.js';
import { POSTGRES_SCHEMA_VERSION } from './postgres/migrations.js';
import { PostgresWorkflowStore } from './postgres/postgres-store.js';
import { SqliteWorkflowStore } from './sqlite/sqlite-store.js';
import type { WorkflowStore } from './store.js';

export interface DeploymentPlan {
  readonly store: 'sqlite' | 'postgres';
  /** `bullmq` when REDIS_URL is set; otherwise leases in the store (one process, or several on PostgreSQL). */
  readonly queue: 'embedded' | 'bullmq';
}

export interface DeploymentProblem {
  /** Stable identifier, e.g. `deployment.redis_without_postgres`. */
  readonly code: string;
  readonly message: string;
  /** What to change. */
  readonly fix: string;
}

export interface DeploymentFacts {
  /** The newest migration applied to the database, when known (doctor and start-up read it). */
  readonly schemaVersion?: number;
}

/** Every problem at once, so an operator fixes the setup in one go. */
export function validateDeployment(
  config: Config,
  facts: DeploymentFacts = {},
): Result<DeploymentPlan, DeploymentProblem[]> {
  const problems: DeploymentProblem[] = [];
  const scaleOut = config.databaseUrl !== undefined || config.redisUrl !== undefined;
  if (config.redisUrl !== undefined && config.databaseUrl === undefined) {
    problems.push({
      code: 'deployment.redis_without_postgres',
      message: 'BullMQ needs the PostgreSQL store: set DATABASE_URL',
      fix: 'Set DATABASE_URL=postgres://… for every process, or unset REDIS_URL to run embedded on SQLite.',
    });
  }
  if (scaleOut && config.secretKey === undefined && config.secretKeyFile === undefined) {
    problems.push({
      code: 'deployment.secret_key_missing',
      message:
        'Scale-out needs AUTOINTEL_SECRET_KEY: every process must share the key that seals interaction tokens and webhooks',
      fix: 'Generate one key (`openssl rand -hex 32`) and give the same AUTOINTEL_SECRET_KEY (or AUTOINTEL_SECRET_KEY_FILE) to every bot and worker.',
    });
  }
  if (facts.schemaVersion !== undefined && facts.schemaVersion > POSTGRES_SCHEMA_VERSION) {
    problems.push({
      code: 'deployment.schema_ahead',
      message: `The database schema is at version ${facts.schemaVersion}, newer than this build (${POSTGRES_SCHEMA_VERSION})`,
      fix: 'A newer autointel migrated this database: upgrade this process to the same release.',
    });
  }
  if (config.mode === 'http' && config.publicKey === undefined) {
    problems.push({
      code: 'deployment.public_key_missing',
      message: 'HTTP interactions mode needs DISCORD_PUBLIC_KEY to verify request signatures',
      fix: 'Copy the public key from the Discord developer portal into DISCORD_PUBLIC_KEY.',
    });
  }
  if (problems.length > 0) return err(problems);
  return ok({
    store: config.databaseUrl === undefined ? 'sqlite' : 'postgres',
    queue: config.redisUrl === undefined ? 'embedded' : 'bullmq',
  });
}

/** Throws one PermanentError listing every problem, for start-up paths that must refuse to run. */
export function assertDeployment(config: Config, facts: DeploymentFacts = {}): DeploymentPlan {
  const r = validateDeployment(config, facts);
  if (r.ok) return r.value;
  const lines = r.error.map((p) => `${p.message}. ${p.fix}`);
  throw new PermanentError('deployment.invalid', `Refusing to start:\n- ${lines.join('\n- ')}`, {
    userMessage: lines.join(' '),
    context: { codes: r.error.map((p) => p.code) },
  });
}

export const sqliteFile = (config: Config): string => join(config.dataDir, 'autointel.db');

/**
 * How often a long-running process checkpoints the SQLite WAL off its event loop. Not every second: each checkpoint
 * that empties the WAL makes the next write restart it and fsync the new header inside that write, and the next
 * writer is as likely as not the front end's interaction claim on the loop that answers Discord (at 1 s, strace of the
 * gateway bench counted 49 such fsyncs on that loop in 10 bursts, 0.3-15 ms each). Ten seconds of WAL is a few MB.
 */
export const WAL_CHECKPOINT_INTERVAL_MS = 10_000;

/**
 * Opens (not migrates) the store the configuration asks for. `backgroundCheckpoints`: a long-running process (the
 * bot, a worker) checkpoints SQLite's WAL on a thread of its own, off the loop that answers Discord.
 */
export function openStore(
  config: Config,
  options: {
    readonly clock: Clock;
    readonly backgroundCheckpoints?: boolean;
    /** The process's loop answers Discord: SQLite lock waits before and after acknowledgements happen off it. */
    readonly frontEnd?: boolean;
  },
): WorkflowStore {
  if (config.databaseUrl !== undefined) {
    return new PostgresWorkflowStore({ connectionString: config.databaseUrl, clock: options.clock });
  }
  // Private to the service user: the database and the generated key live here.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  return new SqliteWorkflowStore({
    filename: sqliteFile(config),
    clock: options.clock,
    yieldOnBusy: options.frontEnd === true,
    ...(options.backgroundCheckpoints === true
      ? { backgroundCheckpoints: { intervalMs: WAL_CHECKPOINT_INTERVAL_MS } }
      : {}),
  });
}
