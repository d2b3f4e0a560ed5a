// Chunk audio on the embedded SQLite database: a BLOB per chunk (its own connection to the same WAL file; table from
// migration 7). The store's purge deletes a purged workflow's chunks.
import type Database from 'better-sqlite3';
import { toAppError } from '../../core/errors.js';
import {
  checkChunkKey,
  isChunkAudioFormat,
  readChunkError,
  type ChunkAudioStore,
  type ChunkAudio,
  type ChunkError,
  type ChunkKey,
  type ChunkState,
  type StoredChunk,
} from '../chunk-audio.js';
import { openSqliteFile } from './context.js';

type Db = InstanceType<typeof Database>;

export interface SqliteChunkAudioStoreOptions {
  /** The store's database file, already migrated (`SqliteWorkflowStore.migrate`). */
  readonly filename: string;
  readonly busyTimeoutMs?: number;
}

interface Row {
  chunk_index: number;
  format: string;
  audio?: Buffer | null;
  has_audio: number;
  has_result: number;
  result?: string | null;
  error: string | null;
}

export class SqliteChunkAudioStore implements ChunkAudioStore {
  readonly #db: Db;

  constructor(options: SqliteChunkAudioStoreOptions) {
    this.#db = openSqliteFile('SqliteChunkAudioStore', options);
  }

  put(key: ChunkKey, audio: ChunkAudio, now: number): Promise<void> {
    return this.#run(() => {
      checkChunkKey(key);
      this.#db
        .prepare(
          `INSERT INTO chunk_audio (workflow_id, chunk_index, format, audio_bytes, audio, result, error, updated_at)
           VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)
           ON CONFLICT (workflow_id, chunk_index) DO UPDATE
             SET format = excluded.format, audio_bytes = excluded.audio_bytes, audio = excluded.audio, error = NULL,
                 updated_at = excluded.updated_at
             WHERE chunk_audio.result IS NULL`,
        )
        .run(key.workflowId, key.index, audio.format, audio.data.length, audio.data, now);
    });
  }

  get(key: ChunkKey): Promise<StoredChunk | null> {
    return this.#run(() => {
      checkChunkKey(key);
      const row = this.#db
        .prepare(
          `SELECT chunk_index, format, audio, audio IS NOT NULL AS has_audio, result IS NOT NULL AS has_result,
                  result, error
           FROM chunk_audio WHERE workflow_id = ? AND chunk_index = ?`,
        )
        .get(key.workflowId, key.index) as Row | undefined;
      if (row === undefined) return null;
      const state = toState(row);
      const audio =
        row.audio == null || !isChunkAudioFormat(row.format) ? null : { format: row.format, data: row.audio };
      const result = row.result == null ? null : (JSON.parse(row.result) as unknown);
      return { ...state, hasAudio: audio !== null, audio, result };
    });
  }

  list(workflowId: string): Promise<ChunkState[]> {
    return this.#run(() =>
      (
        this.#db
          .prepare(
            `SELECT chunk_index, format, audio_bytes > 0 AS has_audio, result IS NOT NULL AS has_result, error
             FROM chunk_audio WHERE workflow_id = ? ORDER BY chunk_index`,
          )
          .all(workflowId) as Row[]
      ).map(toState),
    );
  }

  results(workflowId: string, indices: readonly number[]): Promise<Map<number, unknown>> {
    return this.#run(() => {
      const out = new Map<number, unknown>();
      if (indices.length === 0) return out;
      const rows = this.#db
        .prepare(
          `SELECT chunk_index, result FROM chunk_audio
           WHERE workflow_id = ? AND result IS NOT NULL AND chunk_index IN (SELECT value FROM json_each(?))`,
        )
        .all(workflowId, JSON.stringify(indices)) as { chunk_index: number; result: string }[];
      for (const r of rows) out.set(r.chunk_index, JSON.parse(r.result) as unknown);
      return out;
    });
  }

  saveResult(key: ChunkKey, result: unknown, now: number): Promise<boolean> {
    return this.#run(() => {
      checkChunkKey(key);
      const r = this.#db
        .prepare(
          `UPDATE chunk_audio SET result = ?, audio = NULL, audio_bytes = 0, error = NULL, updated_at = ?
           WHERE workflow_id = ? AND chunk_index = ? AND result IS NULL`,
        )
        .run(JSON.stringify(result ?? null), now, key.workflowId, key.index);
      return r.changes === 1;
    });
  }

  saveError(key: ChunkKey, error: ChunkError, now: number): Promise<boolean> {
    return this.#run(() => {
      checkChunkKey(key);
      const r = this.#db
        .prepare(
          `UPDATE chunk_audio SET error = ?, updated_at = ?
           WHERE workflow_id = ? AND chunk_index = ? AND result IS NULL`,
        )
        .run(JSON.stringify(error), now, key.workflowId, key.index);
      return r.changes === 1;
    });
  }

  clearError(key: ChunkKey): Promise<void> {
    return this.#run(() => {
      checkChunkKey(key);
      this.#db
        .prepare('UPDATE chunk_audio SET error = NULL WHERE workflow_id = ? AND chunk_index = ?')
        .run(key.workflowId, key.index);
    });
  }

  deleteWorkflow(workflowId: string): Promise<number> {
    return this.#run(
      () => this.#db.prepare('DELETE FROM chunk_audio WHERE workflow_id = ?').run(workflowId).changes,
    );
  }

  close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return Promise.resolve();
  }

  #run<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (e: unknown) {
      if (e instanceof RangeError) return Promise.reject(e);
      return Promise.reject(toAppError(e, 'store.sqlite'));
    }
  }
}

function toState(row: Row): ChunkState {
  return {
    index: row.chunk_index,
    hasAudio: row.has_audio === 1,
    hasResult: row.has_result === 1,
    error: row.error === null ? null : readChunkError(JSON.parse(row.error) as unknown),
  };
}
