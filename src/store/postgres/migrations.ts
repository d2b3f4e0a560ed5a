// Numbered PostgreSQL migrations: applied in order, each once, recorded in `schema_migrations`.
// Times are epoch milliseconds in BIGINT columns, always written from the engine's Clock (never `now()` in SQL).
// Opaque JSON blobs (checkpoints, reports, message payloads) use `json`, not `jsonb`: the text is kept as written,
// and `json` accepts the `\u0000` escapes that a transcript may contain while `jsonb` rejects them.

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'workflows, checkpoints, reports, delivery outbox, guild settings, interaction claims',
    sql: `
CREATE TABLE workflows (
  id               TEXT PRIMARY KEY,
  url              TEXT NOT NULL,
  depth            TEXT NOT NULL,
  requester_id     TEXT,
  guild_id         TEXT,
  channel_id       TEXT,
  interaction_id   TEXT UNIQUE,
  origin           TEXT NOT NULL,
  delivery         JSONB NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
  progress         JSONB,
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       JSONB,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  started_at       BIGINT,
  finished_at      BIGINT,
  run_after        BIGINT NOT NULL,
  lease_owner      TEXT,
  lease_expires_at BIGINT,
  cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
  report_id        TEXT,
  delivery_state   TEXT,
  delivery_error   JSONB
);
-- claimNext scans claimable rows oldest first; partial indexes keep that scan small when history grows.
CREATE INDEX workflows_queued_idx ON workflows (created_at, id) WHERE status = 'queued';
CREATE INDEX workflows_running_idx ON workflows (lease_expires_at) WHERE status = 'running';
CREATE INDEX workflows_guild_running_idx ON workflows (guild_id) WHERE status = 'running';
CREATE INDEX workflows_requester_idx ON workflows (requester_id, created_at);
CREATE INDEX workflows_fresh_idx ON workflows (url, depth, finished_at) WHERE status = 'completed';
CREATE INDEX workflows_finished_idx ON workflows (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX workflows_status_idx ON workflows (status, created_at);

CREATE TABLE checkpoints (
  workflow_id TEXT NOT NULL,
  stage       TEXT NOT NULL,
  output      JSON,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (workflow_id, stage)
);

CREATE TABLE reports (
  id          TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  url         TEXT NOT NULL,
  depth       TEXT NOT NULL,
  report      JSON NOT NULL,
  title       TEXT NOT NULL,
  search_text TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  search      TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', search_text), 'B')
  ) STORED
);
CREATE INDEX reports_search_idx ON reports USING GIN (search);
CREATE INDEX reports_workflow_idx ON reports (workflow_id);

CREATE TABLE delivery_parts (
  workflow_id TEXT NOT NULL,
  part_key    TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  payload     JSON NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  target      TEXT,
  message_id  TEXT,
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  JSONB,
  sent_at     BIGINT,
  PRIMARY KEY (workflow_id, part_key)
);

CREATE TABLE progress_cards (
  workflow_id  TEXT PRIMARY KEY,
  target       TEXT NOT NULL,
  message_id   TEXT,
  last_edit_at BIGINT NOT NULL,
  last_percent DOUBLE PRECISION NOT NULL
);

CREATE TABLE guild_settings (
  guild_id       TEXT PRIMARY KEY,
  webhook_sealed TEXT,
  updated_at     BIGINT NOT NULL
);

CREATE TABLE interaction_claims (
  interaction_id TEXT PRIMARY KEY,
  owner          TEXT NOT NULL,
  claimed_at     BIGINT NOT NULL
);
CREATE INDEX interaction_claims_at_idx ON interaction_claims (claimed_at);
`,
  },
  {
    version: 2,
    name: 'interaction intake: the request stored with its claim, so a crash after the acknowledgement loses nothing',
    sql: `
ALTER TABLE interaction_claims ADD COLUMN intake TEXT;
ALTER TABLE interaction_claims ADD COLUMN intake_done BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX interaction_claims_open_idx ON interaction_claims (claimed_at) WHERE intake IS NOT NULL AND NOT intake_done;
`,
  },
  {
    version: 3,
    name: 'a lease names its run (fencing token); a heartbeat row for the health probe',
    sql: `
ALTER TABLE workflows ADD COLUMN run_id TEXT;
CREATE TABLE store_health (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  token   TEXT NOT NULL,
  beat_at BIGINT NOT NULL
);
`,
  },
  {
    version: 4,
    name: 'intake dead letters and cursor order: an unreadable intake is set aside with its reason, never starving newer ones',
    sql: `
ALTER TABLE interaction_claims ADD COLUMN dead_reason JSONB;
ALTER TABLE interaction_claims ADD COLUMN dead_at BIGINT;
CREATE INDEX interaction_claims_open_order_idx ON interaction_claims (claimed_at, interaction_id)
  WHERE intake IS NOT NULL AND NOT intake_done;
CREATE INDEX interaction_claims_dead_idx ON interaction_claims (dead_at) WHERE dead_at IS NOT NULL;
`,
  },
  {
    version: 5,
    name: 'model ledger: cached model answers and the spend behind budgets',
    sql: `
CREATE TABLE llm_cache (
  key               TEXT PRIMARY KEY,
  model             TEXT NOT NULL,
  value             JSONB NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  created_at        BIGINT NOT NULL
);
CREATE TABLE llm_spend (
  id                BIGSERIAL PRIMARY KEY,
  guild_id          TEXT,
  workflow_id       TEXT NOT NULL,
  stage             TEXT NOT NULL,
  model             TEXT NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cost_usd          DOUBLE PRECISION NOT NULL,
  at                BIGINT NOT NULL
);
CREATE INDEX llm_spend_guild_idx ON llm_spend (guild_id, at);
CREATE INDEX llm_spend_workflow_idx ON llm_spend (workflow_id);
`,
  },
  {
    version: 6,
    name: 'chunk audio: each speech chunk of a recording being transcribed, and the result its chunk job left',
    sql: `
CREATE TABLE chunk_audio (
  workflow_id TEXT NOT NULL,
  chunk_index INTEGER NOT NULL,
  format      TEXT NOT NULL,
  audio       BYTEA,
  result      JSON,
  error       JSONB,
  updated_at  BIGINT NOT NULL,
  PRIMARY KEY (workflow_id, chunk_index)
);
`,
  },
];

/** The schema version this code expects; a database ahead of it was migrated by a newer release. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
