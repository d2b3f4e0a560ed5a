// Read-only commands over the store every command uses (`results`, `search`): the configuration, then the store —
// PostgreSQL with DATABASE_URL, else the SQLite file, which a read must never create as a side effect.
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type RawEnv } from '../config/config.js';
import { SystemClock } from '../core/clock.js';
import { openStore, sqliteFile } from '../store/select.js';
import type { WorkflowStore } from '../store/store.js';

export interface StoredIo {
  readonly env?: RawEnv;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

/**
 * Runs `use` with the migrated store and closes it. Exit code 2 for a bad configuration; `absent(where)`'s code
 * when there is no SQLite file yet. `where` never holds the database URL (it may carry a password).
 */
export async function withStoredData(
  io: StoredIo,
  absent: (where: string, dataDir: string) => number,
  use: (store: WorkflowStore, where: string) => Promise<number>,
): Promise<number> {
  const err = io.stderr ?? ((t: string) => void process.stderr.write(t));
  let config;
  try {
    config = loadConfig(io.env ?? process.env);
  } catch (e: unknown) {
    if (e instanceof ConfigError) {
      err(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const where = config.databaseUrl === undefined ? sqliteFile(config) : 'the PostgreSQL store (DATABASE_URL)';
  if (config.databaseUrl === undefined && !existsSync(where)) return absent(where, config.dataDir);
  const store = openStore(config, { clock: new SystemClock() });
  try {
    await store.migrate();
    return await use(store, where);
  } finally {
    await store.close();
  }
}
