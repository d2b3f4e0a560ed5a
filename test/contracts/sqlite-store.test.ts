// Runs the WorkflowStore contract against SQLite, plus the SQLite-only guarantees (file on disk, secrets sealed).
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/core/secrets.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { intakesFileOf, SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import { describeStoreContract, request } from './store.contract.js';

function tempStore(): { store: SqliteWorkflowStore; dir: string; file: string; cleanup(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'autointel-store-'));
  const file = join(dir, 'autointel.db');
  const store = new SqliteWorkflowStore({ filename: file });
  return {
    store,
    dir,
    file,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeStoreContract('SqliteWorkflowStore', async () => tempStore());

describe('SqliteWorkflowStore specifics', () => {
  it('records each applied migration once in schema_migrations and uses WAL', async () => {
    const t = tempStore();
    try {
      await t.store.migrate();
      await t.store.migrate();
      await t.store.close();
      const db = new Database(t.file, { readonly: true });
      const rows = db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[];
      expect(rows.map((r) => r.version)).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    } finally {
      await t.cleanup();
    }
  });

  it('never writes a raw interaction token or webhook URL to the database files', async () => {
    const t = tempStore();
    try {
      await t.store.migrate();
      const box = new SecretBox('k'.repeat(40));
      const rawToken = `aW50ZXJhY3Rpb246${randomUUID().replace(/-/g, '')}rawtokenmarker`;
      const rawWebhook = `https://discord.com/api/webhooks/123456789012345678/${randomUUID()}webhookmarker`;
      await t.store.createWorkflow({
        id: randomUUID(),
        request: request({
          interactionId: 'i-secret',
          delivery: {
            guildId: 'g',
            interaction: {
              id: 'i-secret',
              applicationId: 'app',
              tokenSealed: box.seal(rawToken),
              createdAt: 1,
            },
          },
        }),
        now: 1,
      });
      await t.store.setGuildWebhook('g', box.seal(rawWebhook), 2);
      await t.store.close();
      const bytes = readdirSync(t.dir)
        .map((f) => readFileSync(join(t.dir, f)).toString('latin1'))
        .join('\n');
      expect(bytes).toContain('i-secret');
      expect(bytes).not.toContain('rawtokenmarker');
      expect(bytes).not.toContain('webhookmarker');
    } finally {
      await t.cleanup();
    }
  });

  it('keeps the database file and its WAL/SHM private (0600), tightening a file others could read', async () => {
    const t = tempStore();
    try {
      await t.store.migrate();
      await t.store.createWorkflow({ id: randomUUID(), request: request(), now: 1 });
      for (const f of [t.file, `${t.file}-wal`, `${t.file}-shm`])
        expect(statSync(f).mode & 0o777).toBe(0o600);
      await t.store.close();
      chmodSync(t.file, 0o644);
      const again = new SqliteWorkflowStore({ filename: t.file });
      await again.migrate();
      expect(statSync(t.file).mode & 0o777).toBe(0o600);
      await again.close();
    } finally {
      await t.cleanup();
    }
  });

  it('rejects an empty filename at construction, naming the option', () => {
    expect(() => new SqliteWorkflowStore({ filename: '' })).toThrow(/filename/);
  });
});

describe('the interaction-claims file', () => {
  it('sits beside the store file, and in memory for an in-memory store', () => {
    expect(intakesFileOf('/data/autointel.db')).toBe('/data/autointel.intakes.db');
    expect(intakesFileOf('/data/v1.2/store')).toBe('/data/v1.2/store.intakes');
    expect(intakesFileOf('/data/.store')).toBe('/data/.store.intakes');
    expect(intakesFileOf(':memory:')).toBe(':memory:');
  });

  it('receives the claims an older build kept in the main file, once, and the old table goes', async () => {
    const t = tempStore();
    try {
      // The file as the build before the move left it: migrations 1-7, claims in the main file.
      const old = new SqliteWorkflowStore({
        filename: t.file,
        migrations: SQLITE_MIGRATIONS.filter((m) => m.version < 8),
      });
      await old.migrate();
      await old.close();
      // The old rows, written with SQL into the main file's table.
      const raw = new Database(t.file);
      const ins = raw.prepare(
        `INSERT INTO interaction_claims (interaction_id, owner, claimed_at, intake, intake_done, dead_reason, dead_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      ins.run('open-1', 'bot-a', 1_000, 'sealed-open', 0, null, null);
      ins.run('done-1', 'bot-a', 2_000, 'sealed-done', 1, null, null);
      ins.run('dead-1', 'bot-a', 3_000, 'sealed-dead', 1, '{"code":"intake.malformed","message":"m"}', 4_000);
      ins.run('plain-1', 'bot-a', 5_000, null, 0, null, null);
      raw.close();

      // A crash after the copy and before the drop: the copy runs again and keeps one row per claim.
      const first = new SqliteWorkflowStore({ filename: t.file });
      await first.migrate();
      await first.close();
      const again = new Database(t.file);
      again.exec(`CREATE TABLE interaction_claims (interaction_id TEXT PRIMARY KEY, owner TEXT NOT NULL,
        claimed_at INTEGER NOT NULL, intake TEXT, intake_done INTEGER NOT NULL DEFAULT 0, dead_reason TEXT,
        dead_at INTEGER)`);
      again
        .prepare(
          `INSERT INTO interaction_claims VALUES ('open-1', 'bot-a', 1000, 'sealed-open', 0, NULL, NULL)`,
        )
        .run();
      again.prepare('DELETE FROM schema_migrations WHERE version = 8').run();
      again.close();

      await t.store.migrate();
      expect(await t.store.listOpenIntakes({ before: 10_000, limit: 10 })).toEqual([
        { interactionId: 'open-1', intake: 'sealed-open', claimedAt: 1_000 },
      ]);
      expect(
        (await t.store.listDeadIntakes({ limit: 10 })).map((d) => [d.interactionId, d.reason.code]),
      ).toEqual([['dead-1', 'intake.malformed']]);
      // Claims keep deduplicating across the move.
      expect(await t.store.claimInteraction('plain-1', 'bot-b', 6_000)).toBe(false);
      expect(await t.store.claimInteraction('new-1', 'bot-b', 6_000)).toBe(true);
      const main = new Database(t.file, { readonly: true });
      expect(main.prepare(`SELECT name FROM sqlite_master WHERE name = 'interaction_claims'`).all()).toEqual(
        [],
      );
      main.close();
      const claims = new Database(intakesFileOf(t.file), { readonly: true });
      expect(claims.prepare('SELECT count(*) AS n FROM interaction_claims').get()).toEqual({ n: 5 });
      claims.close();
    } finally {
      await t.cleanup();
    }
  });

  it('purges old finished claims with the workflows, keeping an open intake however old', async () => {
    const t = tempStore();
    try {
      await t.store.migrate();
      await t.store.claimInteraction('old-plain', 'bot', 1_000);
      await t.store.claimInteraction('old-open', 'bot', 1_000, 'sealed');
      await t.store.claimInteraction('new-plain', 'bot', 9_000);
      await t.store.purgeFinishedBefore(5_000);
      expect(await t.store.claimInteraction('old-plain', 'bot', 10_000)).toBe(true);
      expect(await t.store.claimInteraction('old-open', 'bot', 10_000)).toBe(false);
      expect(await t.store.claimInteraction('new-plain', 'bot', 10_000)).toBe(false);
    } finally {
      await t.cleanup();
    }
  });
});
