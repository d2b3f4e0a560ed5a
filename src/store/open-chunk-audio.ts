// Opens the chunk audio store beside the workflow store the configuration chose (after that store has migrated).
import type { Config } from '../config/config.js';
import type { ChunkAudioStore } from './chunk-audio.js';
import { PostgresChunkAudioStore } from './postgres/postgres-chunk-audio.js';
import { sqliteFile } from './select.js';
import { SqliteChunkAudioStore } from './sqlite/sqlite-chunk-audio.js';

export function openChunkAudioStore(config: Config): ChunkAudioStore {
  return config.databaseUrl !== undefined
    ? new PostgresChunkAudioStore({ connectionString: config.databaseUrl })
    : new SqliteChunkAudioStore({ filename: sqliteFile(config) });
}
