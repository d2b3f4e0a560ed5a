// Which deployments are refused, and with which words.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { POSTGRES_SCHEMA_VERSION } from './postgres/migrations.js';
import { assertDeployment, validateDeployment } from './select.js';

const KEY = 'k'.repeat(40);
const codes = (env: Record<string, string>, facts = {}): string[] => {
  const r = validateDeployment(loadConfig(env), facts);
  return r.ok ? [] : r.error.map((p) => p.code);
};

describe('validateDeployment', () => {
  it('accepts the embedded default with no server configured', () => {
    const r = validateDeployment(loadConfig({}));
    expect(r).toEqual({ ok: true, value: { store: 'sqlite', queue: 'embedded' } });
  });

  it('accepts PostgreSQL + Redis with a shared secret key as the BullMQ scale-out', () => {
    const r = validateDeployment(
      loadConfig({ DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://r:6379', AUTOINTEL_SECRET_KEY: KEY }),
    );
    expect(r).toEqual({ ok: true, value: { store: 'postgres', queue: 'bullmq' } });
  });

  it('refuses REDIS_URL without DATABASE_URL, saying BullMQ needs the PostgreSQL store', () => {
    const r = validateDeployment(loadConfig({ REDIS_URL: 'redis://r:6379', AUTOINTEL_SECRET_KEY: KEY }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error[0]?.message).toBe('BullMQ needs the PostgreSQL store: set DATABASE_URL');
  });

  it('refuses scale-out without AUTOINTEL_SECRET_KEY, and lists every problem at once', () => {
    expect(codes({ REDIS_URL: 'redis://r:6379' })).toEqual([
      'deployment.redis_without_postgres',
      'deployment.secret_key_missing',
    ]);
    expect(codes({ DATABASE_URL: 'postgres://db/x' })).toEqual(['deployment.secret_key_missing']);
  });

  it('refuses a database schema newer than the code, but not an older one (migrate upgrades it)', () => {
    const env = { DATABASE_URL: 'postgres://db/x', AUTOINTEL_SECRET_KEY: KEY };
    expect(codes(env, { schemaVersion: POSTGRES_SCHEMA_VERSION + 1 })).toEqual(['deployment.schema_ahead']);
    expect(codes(env, { schemaVersion: 0 })).toEqual([]);
  });

  it('refuses HTTP interactions mode without the public key', () => {
    expect(codes({ AUTOINTEL_MODE: 'http' })).toEqual(['deployment.public_key_missing']);
  });

  it('assertDeployment throws one error naming every problem', () => {
    expect(() => assertDeployment(loadConfig({ REDIS_URL: 'redis://r:6379' }))).toThrow(
      /BullMQ needs the PostgreSQL store[\s\S]*AUTOINTEL_SECRET_KEY/,
    );
  });
});
