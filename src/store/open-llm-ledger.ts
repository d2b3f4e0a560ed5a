// Opens the model ledger beside the workflow store the configuration chose (after that store has migrated).
import type { Config } from '../config/config.js';
import type { LlmLedger } from './llm-ledger.js';
import { PostgresLlmLedger } from './postgres/postgres-llm-ledger.js';
import { sqliteFile } from './select.js';
import { SqliteLlmLedger } from './sqlite/sqlite-llm-ledger.js';

export function openLlmLedger(config: Config): LlmLedger {
  return config.databaseUrl !== undefined
    ? new PostgresLlmLedger({ connectionString: config.databaseUrl })
    : new SqliteLlmLedger({ filename: sqliteFile(config) });
}
