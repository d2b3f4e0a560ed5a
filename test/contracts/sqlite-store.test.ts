// Runs the WorkflowStore contract against SQLite, plus the SQLite-only guarantees (file on disk, secrets sealed).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/core/secrets.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
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

  it('rejects an empty filename at construction, naming the option', () => {
    expect(() => new SqliteWorkflowStore({ filename: '' })).toThrow(/filename/);
  });
});
