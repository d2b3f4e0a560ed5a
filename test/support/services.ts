// Finds the PostgreSQL and Redis servers the scale-out suites need; skips with instructions, or fails under CI.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export const postgresTestUrl = (): string =>
  process.env['AUTOINTEL_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisTestUrl = (): string => process.env['AUTOINTEL_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** CI sets AUTOINTEL_REQUIRE_SERVICES=1: a missing server is then a failure, never a silent skip. */
export const servicesRequired = (): boolean => process.env['AUTOINTEL_REQUIRE_SERVICES'] === '1';

export type ServiceCheck =
  | { readonly available: true; readonly url: string }
  | { readonly available: false; readonly url: string; readonly reason: string };

async function probePostgres(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (e: unknown) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probeRedis(url: string): Promise<string | null> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (e: unknown) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    redis.disconnect();
  }
}

function settle(url: string, reason: string | null, how: string): ServiceCheck {
  if (reason === null) return { available: true, url };
  const message = `${url} is not reachable (${reason}). ${how}`;
  if (servicesRequired()) throw new Error(`AUTOINTEL_REQUIRE_SERVICES=1 but ${message}`);
  return { available: false, url, reason: message };
}

/** Call at the top of a test file (top-level await), then `describe.skipIf(!check.available)`. */
export async function checkPostgres(): Promise<ServiceCheck> {
  const url = postgresTestUrl();
  return settle(
    url,
    await probePostgres(url),
    'To run these tests start PostgreSQL (Debian: `apt install postgresql && service postgresql start`) and set ' +
      'AUTOINTEL_TEST_DATABASE_URL (or DATABASE_URL for the bot) to a database you may create schemas in.',
  );
}

export async function checkRedis(): Promise<ServiceCheck> {
  const url = redisTestUrl();
  return settle(
    url,
    await probeRedis(url),
    'To run these tests start Redis (Debian: `apt install redis-server && service redis-server start`) and set ' +
      'AUTOINTEL_TEST_REDIS_URL (or REDIS_URL for the bot).',
  );
}

export interface TestSchema {
  readonly schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** A fresh, uniquely named schema so concurrent test files never see each other's rows. */
export async function createTestSchema(url = postgresTestUrl()): Promise<TestSchema> {
  const schema = `autointel_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  return {
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A key prefix unique to one test, so BullMQ queues of concurrent test files never meet. */
export const uniqueRedisPrefix = (): string => `autointel-test-${randomBytes(6).toString('hex')}`;

function probeBinary(command: string, versionFlag: string): string | null {
  const r = spawnSync(command, [versionFlag], { stdio: 'ignore', timeout: 10_000 });
  if (r.error !== undefined) return r.error.message;
  return r.status === 0 ? null : `exited with ${String(r.status)}`;
}

/** yt-dlp and ffmpeg for the media suites: skipped with instructions where they are missing, a failure under CI. */
export function checkMediaBinaries(): ServiceCheck {
  const missing = (
    [
      ['yt-dlp', '--version'],
      ['ffmpeg', '-version'],
    ] as const
  )
    .filter(([b, flag]) => probeBinary(b, flag) !== null)
    .map(([b]) => b);
  return settle(
    missing.join(' and ') || 'yt-dlp and ffmpeg',
    missing.length === 0 ? null : 'not found on PATH',
    'To run the media tests install them (Debian: `apt-get install yt-dlp ffmpeg`).',
  );
}
