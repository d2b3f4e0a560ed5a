// Numbered schema migrations for the embedded SQLite store; applied in order, each exactly once.

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The migration that drops the main file's claims table, once its rows are in the claims file (sqlite-store.ts). */
export const CLAIMS_MOVED_VERSION = 8;

/** Append only: never edit a migration that has shipped; add the next number instead. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'workflows, checkpoints, reports, outbox, guild settings',
    sql: `
      CREATE TABLE workflows (
        id TEXT PRIMARY KEY,
        request TEXT NOT NULL,
        url TEXT NOT NULL,
        depth TEXT NOT NULL,
        requester_id TEXT,
        guild_id TEXT,
        interaction_id TEXT,
        status TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled')),
        progress TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        run_after INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        report_id TEXT,
        delivery_state TEXT,
        delivery_error TEXT
      );
      CREATE UNIQUE INDEX workflows_interaction ON workflows (interaction_id) WHERE interaction_id IS NOT NULL;
      CREATE INDEX workflows_claimable ON workflows (status, run_after, created_at);
      CREATE INDEX workflows_guild_running ON workflows (guild_id, status);
      CREATE INDEX workflows_requester ON workflows (requester_id, created_at);
      CREATE INDEX workflows_fresh ON workflows (url, depth, status, finished_at);
      CREATE INDEX workflows_finished ON workflows (status, finished_at);

      CREATE TABLE checkpoints (
        workflow_id TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
        stage TEXT NOT NULL,
        output TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (workflow_id, stage)
      );

      CREATE TABLE reports (
        id TEXT PRIMARY KEY,
        workflow_id TEXT NOT NULL,
        url TEXT NOT NULL,
        depth TEXT NOT NULL,
        report TEXT NOT NULL,
        title TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX reports_workflow ON reports (workflow_id);
      CREATE VIRTUAL TABLE reports_fts USING fts5 (report_id UNINDEXED, title, body, tokenize = 'porter unicode61');

      CREATE TABLE delivery_parts (
        workflow_id TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
        part_key TEXT NOT NULL,
        seq INTEGER NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
        target TEXT,
        message_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at INTEGER,
        PRIMARY KEY (workflow_id, part_key)
      );

      CREATE TABLE progress_cards (
        workflow_id TEXT PRIMARY KEY REFERENCES workflows (id) ON DELETE CASCADE,
        target TEXT NOT NULL,
        message_id TEXT,
        last_edit_at INTEGER NOT NULL,
        last_percent REAL NOT NULL
      );

      CREATE TABLE guild_settings (
        guild_id TEXT PRIMARY KEY,
        webhook_sealed TEXT,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE interaction_claims (
        interaction_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        claimed_at INTEGER NOT NULL
      );
      CREATE INDEX interaction_claims_at ON interaction_claims (claimed_at);
    `,
  },
  {
    version: 2,
    name: 'claim order indexes: walk queued rows oldest first, find expired leases directly',
    sql: `
      CREATE INDEX workflows_queue_order ON workflows (status, created_at);
      CREATE INDEX workflows_lease_expiry ON workflows (status, lease_expires_at);
    `,
  },
  {
    version: 3,
    name: 'interaction intake: the request stored with its claim, so a crash after the acknowledgement loses nothing',
    sql: `
      ALTER TABLE interaction_claims ADD COLUMN intake TEXT;
      ALTER TABLE interaction_claims ADD COLUMN intake_done INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX interaction_claims_open ON interaction_claims (intake_done, claimed_at) WHERE intake IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: 'a lease names its run (fencing token); a heartbeat row for the health probe',
    sql: `
      ALTER TABLE workflows ADD COLUMN run_id TEXT;
      CREATE TABLE store_health (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        token TEXT NOT NULL,
        beat_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'intake dead letters and cursor order: an unreadable intake is set aside with its reason, never starving newer ones',
    sql: `
      ALTER TABLE interaction_claims ADD COLUMN dead_reason TEXT;
      ALTER TABLE interaction_claims ADD COLUMN dead_at INTEGER;
      CREATE INDEX interaction_claims_open_order ON interaction_claims (claimed_at, interaction_id)
        WHERE intake IS NOT NULL AND intake_done = 0;
      CREATE INDEX interaction_claims_dead ON interaction_claims (dead_at) WHERE dead_at IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'model ledger: cached model answers and the spend behind budgets',
    sql: `
      CREATE TABLE llm_cache (
        key TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        value TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE llm_spend (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        guild_id TEXT,
        workflow_id TEXT NOT NULL,
        stage TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX llm_spend_guild ON llm_spend (guild_id, at);
      CREATE INDEX llm_spend_workflow ON llm_spend (workflow_id);
    `,
  },
  {
    version: 7,
    name: 'chunk audio: each speech chunk of a recording being transcribed, and the result its chunk job left',
    sql: `
      -- The BLOB is the last column and its size is kept beside it: reading the other columns (the owning run polls
      -- them) then never walks the audio's overflow pages.
      CREATE TABLE chunk_audio (
        workflow_id TEXT NOT NULL,
        chunk_index INTEGER NOT NULL,
        format TEXT NOT NULL,
        audio_bytes INTEGER NOT NULL DEFAULT 0,
        result TEXT,
        error TEXT,
        updated_at INTEGER NOT NULL,
        audio BLOB,
        PRIMARY KEY (workflow_id, chunk_index)
      );
    `,
  },
  {
    version: CLAIMS_MOVED_VERSION,
    name: "interaction claims in a file of their own (their rows were copied there first): the claim before an acknowledgement never waits for this file's write lock",
    sql: `DROP TABLE IF EXISTS interaction_claims;`,
  },
];
