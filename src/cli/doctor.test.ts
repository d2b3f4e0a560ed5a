// doctor against a live local Discord (the emulator), real PostgreSQL/Redis when present, and broken setups.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPostgres, checkRedis, createTestSchema } from '../../test/support/services.js';
import { DiscordEmulator } from '@autointel/discord-emulator';
import { POSTGRES_SCHEMA_VERSION } from '../store/postgres/migrations.js';
import { PostgresWorkflowStore } from '../store/postgres/postgres-store.js';
import { renderChecks, runChecks, type Check } from './doctor.js';

const postgres = await checkPostgres();
const redis = await checkRedis();
const KEY = 's'.repeat(40);

describe('autointel doctor', () => {
  let emulator: DiscordEmulator;
  let dataDir: string;
  beforeAll(async () => {
    emulator = await DiscordEmulator.start({ port: 0 });
    dataDir = mkdtempSync(join(tmpdir(), 'autointel-doctor-'));
  });
  afterAll(async () => {
    await emulator.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const baseEnv = (): Record<string, string> => ({
    DISCORD_API_BASE: emulator.apiBase,
    DISCORD_TOKEN: emulator.application.botToken,
    AUTOINTEL_DATA_DIR: dataDir,
  });
  const byName = (checks: readonly Check[], name: string): Check[] => checks.filter((c) => c.name === name);

  it('passes an embedded setup with a valid token, and never prints the token', async () => {
    const checks = await runChecks({ env: baseEnv() });
    expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(byName(checks, 'Discord token')[0]?.status).toBe('ok');
    expect(byName(checks, 'Database (SQLite)')[0]?.status).toBe('ok');
    expect(byName(checks, 'Redis')[0]?.status).toBe('skip');
    const text = renderChecks(checks);
    expect(text).toContain('All required checks passed');
    expect(text).not.toContain(emulator.application.botToken);
  });

  it('fails a token Discord rejects, with what to do', async () => {
    const checks = await runChecks({
      env: { ...baseEnv(), DISCORD_TOKEN: 'not-the-token-0123456789abcdef' },
    });
    const token = byName(checks, 'Discord token')[0];
    expect(token?.status).toBe('fail');
    expect(token?.fix).toMatch(/Reset Token/);
    expect(renderChecks(checks)).toMatch(/✖ Discord token/);
  });

  it('fails an unreachable Discord API when a token is configured', async () => {
    const checks = await runChecks({
      env: { ...baseEnv(), DISCORD_API_BASE: 'http://127.0.0.1:9' },
      timeoutMs: 2000,
    });
    expect(byName(checks, 'Discord API')[0]?.status).toBe('fail');
  });

  it('reports invalid configuration keys and stops there', async () => {
    const checks = await runChecks({ env: { ...baseEnv(), PORT: 'eighty' } });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'Configuration', status: 'fail' });
    expect(checks[0]?.detail).toContain('PORT');
  });

  it('refuses REDIS_URL without DATABASE_URL', async () => {
    const checks = await runChecks({
      env: { ...baseEnv(), REDIS_URL: 'redis://127.0.0.1:6379', AUTOINTEL_SECRET_KEY: KEY },
    });
    const problems = byName(checks, 'Deployment');
    expect(problems.map((p) => p.detail)).toContain('BullMQ needs the PostgreSQL store: set DATABASE_URL');
    expect(problems.every((p) => p.status === 'fail')).toBe(true);
  });

  it.skipIf(!postgres.available || !redis.available)(
    'checks the PostgreSQL schema version and Redis of a scale-out setup',
    async () => {
      const schema = await createTestSchema(postgres.url);
      const store = new PostgresWorkflowStore({ connectionString: postgres.url, schema: schema.schema });
      try {
        await store.migrate();
        const url = `${postgres.url}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;
        const env = { ...baseEnv(), DATABASE_URL: url, REDIS_URL: redis.url, AUTOINTEL_SECRET_KEY: KEY };
        const checks = await runChecks({ env });
        expect(byName(checks, 'Database (PostgreSQL)')[0]).toMatchObject({
          status: 'ok',
          detail: expect.stringContaining(`schema ${POSTGRES_SCHEMA_VERSION}`) as unknown,
        });
        expect(byName(checks, 'Redis')[0]?.status).toMatch(/ok|warn/);
        expect(byName(checks, 'Deployment')[0]?.status).toBe('ok');
      } finally {
        await store.close();
        await schema.drop();
      }
    },
  );

  it('fails an unreachable PostgreSQL with how to start it', async () => {
    const env = {
      ...baseEnv(),
      DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none',
      AUTOINTEL_SECRET_KEY: KEY,
    };
    const db = byName(await runChecks({ env, timeoutMs: 2000 }), 'Database (PostgreSQL)')[0];
    expect(db?.status).toBe('fail');
    expect(db?.fix).toMatch(/Start PostgreSQL/);
  });
});
