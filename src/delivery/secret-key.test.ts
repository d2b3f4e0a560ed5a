// Key hygiene: the key from the environment, a key file (refused when world-readable), or a generated one kept
// private in a private data dir; every failure says which file and what to do.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecretKey } from './secret-key.js';

const KEY = 'k'.repeat(64);

describe('loadOrCreateSecretKey', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'autointel-key-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('creates a missing data dir 0700 and the generated key 0600', () => {
    const dataDir = join(tmp(), 'data');
    const key = loadOrCreateSecretKey({ dataDir });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecretKey({ dataDir })).toBe(key);
  });

  it('tightens a generated key file someone made readable by others', () => {
    const dataDir = tmp();
    loadOrCreateSecretKey({ dataDir });
    chmodSync(join(dataDir, 'secret.key'), 0o644);
    loadOrCreateSecretKey({ dataDir });
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('reads the key from AUTOINTEL_SECRET_KEY_FILE (group-readable is fine) and never touches the data dir', () => {
    const dir = tmp();
    const file = join(dir, 'autointel_key');
    writeFileSync(file, `${KEY}\n`, { mode: 0o640 });
    chmodSync(file, 0o640);
    const dataDir = join(dir, 'data');
    expect(loadOrCreateSecretKey({ dataDir, keyFile: file })).toBe(KEY);
    expect(() => statSync(join(dataDir, 'secret.key'))).toThrow();
  });

  it('refuses a world-readable key file, naming it and how to fix it', () => {
    const file = join(tmp(), 'key');
    writeFileSync(file, KEY);
    chmodSync(file, 0o644);
    expect(() => loadOrCreateSecretKey({ dataDir: tmp(), keyFile: file })).toThrow(
      new RegExp(`${file} is readable by every user \\(mode 644\\): restrict it \\(chmod 600`),
    );
  });

  it('says clearly when the key file is missing or too short, or when both key settings are given', () => {
    const dir = tmp();
    const missing = join(dir, 'nope');
    expect(() => loadOrCreateSecretKey({ dataDir: dir, keyFile: missing })).toThrow(
      `AUTOINTEL_SECRET_KEY_FILE ${missing} cannot be read (ENOENT)`,
    );
    const short = join(dir, 'short');
    writeFileSync(short, 'abc', { mode: 0o600 });
    expect(() => loadOrCreateSecretKey({ dataDir: dir, keyFile: short })).toThrow(/at least 32 characters/);
    expect(() => loadOrCreateSecretKey({ dataDir: dir, key: KEY, keyFile: short })).toThrow(
      /Both AUTOINTEL_SECRET_KEY and AUTOINTEL_SECRET_KEY_FILE are set/,
    );
    expect(loadOrCreateSecretKey({ dataDir: dir, key: KEY })).toBe(KEY);
  });

  it('says clearly when the generated key cannot be written or read', () => {
    const dir = tmp();
    // A data dir that is a file: nothing can be created under it (this holds even for root).
    const notADir = join(dir, 'file');
    writeFileSync(notADir, 'x');
    expect(() => loadOrCreateSecretKey({ dataDir: notADir })).toThrow(
      new RegExp(
        `Cannot create the secret key file ${join(notADir, 'secret.key')} \\(E[A-Z]+\\): give the service user write access`,
      ),
    );
    // A key path that is a directory: it exists but cannot be read as a key.
    const dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'secret.key'), { recursive: true });
    expect(() => loadOrCreateSecretKey({ dataDir })).toThrow(
      new RegExp(`The secret key file ${join(dataDir, 'secret.key')} cannot be read \\(EISDIR\\)`),
    );
  });
});
