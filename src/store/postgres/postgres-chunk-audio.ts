// Chunk audio on PostgreSQL (scale-out): a bytea per chunk, read by whichever worker takes the chunk's job (table
// from migration 6; a small pool of its own on the store's database and schema).
import type pg from 'pg';
import { openPgPool, storeError } from './context.js';
import {
  checkChunkKey,
  isChunkAudioFormat,
  readChunkError,
  type ChunkAudio,
  type ChunkAudioStore,
  type ChunkError,
  type ChunkKey,
  type ChunkState,
  type StoredChunk,
} from '../chunk-audio.js';

export interface PostgresChunkAudioStoreOptions {
  readonly connectionString: string;
  /** The store's schema, when it has one (tests); migrated by `PostgresWorkflowStore.migrate`. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

interface Row extends pg.QueryResultRow {
  chunk_index: number;
  format: string;
  audio?: Buffer | null;
  has_audio: boolean;
  has_result: boolean;
  result?: unknown;
  error: unknown;
}

export class PostgresChunkAudioStore implements ChunkAudioStore {
  readonly #pool: pg.Pool;

  constructor(options: PostgresChunkAudioStoreOptions) {
    this.#pool = openPgPool('PostgresChunkAudioStore', options, {
      maxConnections: 4,
      applicationName: 'autointel-chunk-audio',
    });
  }

  async put(key: ChunkKey, audio: ChunkAudio, now: number): Promise<void> {
    checkChunkKey(key);
    await this.#query(
      `INSERT INTO chunk_audio (workflow_id, chunk_index, format, audio, result, error, updated_at)
       VALUES ($1, $2, $3, $4, NULL, NULL, $5)
       ON CONFLICT (workflow_id, chunk_index) DO UPDATE
         SET format = excluded.format, audio = excluded.audio, error = NULL, updated_at = excluded.updated_at
         WHERE chunk_audio.result IS NULL`,
      [key.workflowId, key.index, audio.format, audio.data, now],
    );
  }

  async get(key: ChunkKey): Promise<StoredChunk | null> {
    checkChunkKey(key);
    const r = await this.#query<Row>(
      `SELECT chunk_index, format, audio, audio IS NOT NULL AS has_audio, result IS NOT NULL AS has_result,
              result, error
       FROM chunk_audio WHERE workflow_id = $1 AND chunk_index = $2`,
      [key.workflowId, key.index],
    );
    const row = r.rows[0];
    if (row === undefined) return null;
    const audio =
      row.audio == null || !isChunkAudioFormat(row.format) ? null : { format: row.format, data: row.audio };
    return { ...toState(row), hasAudio: audio !== null, audio, result: row.result ?? null };
  }

  async list(workflowId: string): Promise<ChunkState[]> {
    const r = await this.#query<Row>(
      `SELECT chunk_index, format, audio IS NOT NULL AS has_audio, result IS NOT NULL AS has_result, error
       FROM chunk_audio WHERE workflow_id = $1 ORDER BY chunk_index`,
      [workflowId],
    );
    return r.rows.map(toState);
  }

  async results(workflowId: string, indices: readonly number[]): Promise<Map<number, unknown>> {
    const out = new Map<number, unknown>();
    if (indices.length === 0) return out;
    const r = await this.#query<{ chunk_index: number; result: unknown }>(
      `SELECT chunk_index, result FROM chunk_audio
       WHERE workflow_id = $1 AND result IS NOT NULL AND chunk_index = ANY($2::int[])`,
      [workflowId, [...indices]],
    );
    for (const row of r.rows) out.set(row.chunk_index, row.result);
    return out;
  }

  async saveResult(key: ChunkKey, result: unknown, now: number): Promise<boolean> {
    checkChunkKey(key);
    const r = await this.#query(
      `UPDATE chunk_audio SET result = $1, audio = NULL, error = NULL, updated_at = $2
       WHERE workflow_id = $3 AND chunk_index = $4 AND result IS NULL`,
      [JSON.stringify(result ?? null), now, key.workflowId, key.index],
    );
    return r.rowCount === 1;
  }

  async saveError(key: ChunkKey, error: ChunkError, now: number): Promise<boolean> {
    checkChunkKey(key);
    const r = await this.#query(
      `UPDATE chunk_audio SET error = $1, updated_at = $2
       WHERE workflow_id = $3 AND chunk_index = $4 AND result IS NULL`,
      [JSON.stringify(error), now, key.workflowId, key.index],
    );
    return r.rowCount === 1;
  }

  async clearError(key: ChunkKey): Promise<void> {
    checkChunkKey(key);
    await this.#query(`UPDATE chunk_audio SET error = NULL WHERE workflow_id = $1 AND chunk_index = $2`, [
      key.workflowId,
      key.index,
    ]);
  }

  async deleteWorkflow(workflowId: string): Promise<number> {
    const r = await this.#query(`DELETE FROM chunk_audio WHERE workflow_id = $1`, [workflowId]);
    return r.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #query<R extends pg.QueryResultRow>(
    text: string,
    values: readonly unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.#pool.query<R>(text, values as unknown[]);
    } catch (e: unknown) {
      throw storeError(e);
    }
  }
}

function toState(row: Row): ChunkState {
  return {
    index: row.chunk_index,
    hasAudio: row.has_audio,
    hasResult: row.has_result,
    error: readChunkError(row.error),
  };
}
