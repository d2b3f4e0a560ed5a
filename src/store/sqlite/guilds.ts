// The SQLite GuildSettingsStore: per-guild settings (the sealed delivery webhook).
import type { Statement } from 'better-sqlite3';
import type { GuildSettingsStore } from '../store.js';
import type { SqliteContext } from './context.js';

export class SqliteGuildSettings implements GuildSettingsStore {
  readonly #c: SqliteContext;

  constructor(context: SqliteContext) {
    this.#c = context;
  }

  #stmt(sql: string): Statement {
    return this.#c.stmt(sql);
  }

  async setGuildWebhook(guildId: string, webhookSealed: string, now: number): Promise<void> {
    this.#stmt(
      `INSERT INTO guild_settings (guild_id, webhook_sealed, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (guild_id) DO UPDATE SET webhook_sealed = excluded.webhook_sealed, updated_at = excluded.updated_at`,
    ).run(guildId, webhookSealed, now);
  }

  async getGuildWebhook(guildId: string): Promise<string | null> {
    const row = this.#stmt('SELECT webhook_sealed FROM guild_settings WHERE guild_id = ?').get(guildId) as
      { webhook_sealed: string | null } | undefined;
    return row?.webhook_sealed ?? null;
  }
}
