// The PostgreSQL GuildSettingsStore: per-guild settings (the sealed delivery webhook).
import type pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import type { GuildSettingsStore } from '../store.js';
import type { PgContext } from './context.js';

export class PgGuildSettings implements GuildSettingsStore {
  readonly #c: PgContext;

  constructor(context: PgContext) {
    this.#c = context;
  }

  #query<R extends QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
    client?: PoolClient,
  ): Promise<pg.QueryResult<R>> {
    return this.#c.query<R>(text, values, client);
  }

  async setGuildWebhook(guildId: string, webhookSealed: string, now: number): Promise<void> {
    await this.#query(
      `INSERT INTO guild_settings (guild_id, webhook_sealed, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (guild_id) DO UPDATE SET webhook_sealed = EXCLUDED.webhook_sealed, updated_at = EXCLUDED.updated_at`,
      [guildId, webhookSealed, now],
    );
  }

  async getGuildWebhook(guildId: string): Promise<string | null> {
    const r = await this.#query<{ webhook_sealed: string | null }>(
      `SELECT webhook_sealed FROM guild_settings WHERE guild_id = $1`,
      [guildId],
    );
    return r.rows[0]?.webhook_sealed ?? null;
  }
}
