// The chunk audio port: each speech chunk of a recording being transcribed, stored so any worker on any machine can
// transcribe it, and the result (or failure) that worker leaves for the run that owns the workflow.
// Adapters: SqliteChunkAudioStore (embedded) and PostgresChunkAudioStore (scale-out), over the workflow store's
// database (SQLite migration 7, PostgreSQL migration 6). Times are passed in; adapters never read the clock.
//
// Terminology
// - chunk: one cut of a recording (`AudioChunk`), addressed by workflow id + chunk index.
// - audio: the chunk's samples, encoded compactly (`format`: `flac`, or `wav` = a 16 kHz mono 16-bit WAV file).
// - result: what a chunk job produced (the chunk's transcript, JSON). The first result written wins and drops the
//   audio, which nothing needs any more; a later write for the same chunk changes nothing, so a chunk transcribed
//   twice (a stalled job handed out again) is still one result.
// - error: why a chunk job failed after every engine was tried; cleared when the owning run queues the chunk again.

export type ChunkAudioFormat = 'flac' | 'wav';
export const CHUNK_AUDIO_FORMATS: readonly ChunkAudioFormat[] = ['flac', 'wav'];

export interface ChunkKey {
  readonly workflowId: string;
  readonly index: number;
}

export interface ChunkAudio {
  readonly format: ChunkAudioFormat;
  readonly data: Buffer;
}

/** A chunk job's failure as stored: enough for the owning run to fail its stage with the reason. */
export interface ChunkError {
  readonly code: string;
  /** For logs (secrets already scrubbed by AppError). */
  readonly message: string;
  /** Safe to show to the user. */
  readonly userMessage: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
}

/** One stored chunk, without its audio bytes or result (what the owning run polls: a few bytes per chunk). */
export interface ChunkState {
  readonly index: number;
  /** Whether the audio is (still) stored: false once a result dropped it. */
  readonly hasAudio: boolean;
  readonly hasResult: boolean;
  readonly error: ChunkError | null;
}

export interface StoredChunk extends ChunkState {
  readonly audio: ChunkAudio | null;
  /** The result, or null. */
  readonly result: unknown;
}

export interface ChunkAudioStore {
  /** Stores the chunk's audio (replacing earlier audio and clearing an error); a chunk with a result is left as is. */
  put(key: ChunkKey, audio: ChunkAudio, now: number): Promise<void>;
  get(key: ChunkKey): Promise<StoredChunk | null>;
  /** Every stored chunk of a workflow, in index order, without audio bytes or results. */
  list(workflowId: string): Promise<ChunkState[]>;
  /** The results of the given chunks of a workflow that have one, by chunk index. */
  results(workflowId: string, indices: readonly number[]): Promise<Map<number, unknown>>;
  /**
   * Records the chunk's result and drops its audio. False when nothing was written: the chunk is gone (its stage
   * finished, its workflow was purged) or already has a result.
   */
  saveResult(key: ChunkKey, result: unknown, now: number): Promise<boolean>;
  /** Records why the chunk failed. False when the chunk is gone or already has a result. */
  saveError(key: ChunkKey, error: ChunkError, now: number): Promise<boolean>;
  /** Forgets a recorded failure so the chunk can be tried again. */
  clearError(key: ChunkKey): Promise<void>;
  /** Deletes every chunk of a workflow (its transcription finished, or it was cancelled). Returns how many. */
  deleteWorkflow(workflowId: string): Promise<number>;
  close(): Promise<void>;
}

export function isChunkAudioFormat(v: unknown): v is ChunkAudioFormat {
  return typeof v === 'string' && (CHUNK_AUDIO_FORMATS as readonly string[]).includes(v);
}

/** Shared argument check of both adapters: a chunk key must name a workflow and a non-negative integer index. */
export function checkChunkKey(key: ChunkKey): void {
  if (typeof key.workflowId !== 'string' || key.workflowId === '') {
    throw new RangeError(
      `chunk key: workflowId must be a non-empty string, received ${String(key.workflowId)}`,
    );
  }
  if (!Number.isInteger(key.index) || key.index < 0) {
    throw new RangeError(`chunk key: index must be a non-negative integer, received ${key.index}`);
  }
}

/** Reads a stored error back, tolerating rows written by older code. */
export function readChunkError(v: unknown): ChunkError | null {
  if (typeof v !== 'object' || v === null) return null;
  const e = v as Partial<ChunkError>;
  if (typeof e.code !== 'string') return null;
  return {
    code: e.code,
    message: typeof e.message === 'string' ? e.message : e.code,
    userMessage:
      typeof e.userMessage === 'string'
        ? e.userMessage
        : 'No speech-to-text engine could transcribe the audio.',
    retryable: e.retryable === true,
    ...(typeof e.retryAfterMs === 'number' ? { retryAfterMs: e.retryAfterMs } : {}),
  };
}
