import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { pendingWalFrames } from './wal-index.js';

const dirs: string[] = [];
const dbs: Database.Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function walDb(): { db: Database.Database; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'autointel-walidx-'));
  dirs.push(dir);
  const file = join(dir, 'db.sqlite');
  const db = new Database(file);
  dbs.push(db);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  return { db, file };
}

describe('pendingWalFrames', () => {
  it('reads the frames waiting in the WAL as SQLite itself reports them, and 0 once checkpointed', () => {
    const { db, file } = walDb();
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    for (let i = 0; i < 40; i++) insert.run('x'.repeat(3000));
    const waiting = pendingWalFrames(file);
    expect(waiting).toBeGreaterThan(20);
    // Another connection's view: SQLite's own count of the WAL's frames, all of them copied back now.
    const other = new Database(file);
    dbs.push(other);
    const [r] = other.pragma('wal_checkpoint(PASSIVE)') as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    expect(r).toEqual({ busy: 0, log: waiting, checkpointed: waiting });
    expect(pendingWalFrames(file)).toBe(0);
    insert.run('y');
    // The write after a full checkpoint restarted the WAL: one transaction's frames wait again.
    const after = pendingWalFrames(file);
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(5);
  });

  it('says it cannot tell (null) without a wal-index, or with one it does not recognise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'autointel-walidx-'));
    dirs.push(dir);
    expect(pendingWalFrames(join(dir, 'missing.sqlite'))).toBeNull();
    writeFileSync(join(dir, 'junk.sqlite-shm'), Buffer.alloc(136, 7));
    expect(pendingWalFrames(join(dir, 'junk.sqlite'))).toBeNull();
    writeFileSync(join(dir, 'short.sqlite-shm'), Buffer.alloc(20));
    expect(pendingWalFrames(join(dir, 'short.sqlite'))).toBeNull();
  });
});
