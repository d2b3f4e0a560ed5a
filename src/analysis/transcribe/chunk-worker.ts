// What a process does with one chunk job: read the chunk's audio from the chunk store, run the configured engines on
// it, and leave the result (or the failure) in the store for the run that owns the workflow.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import type { AppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ChunkAudioStore, ChunkError } from '../../store/chunk-audio.js';
import { decodeChunk } from '../audio/chunk-codec.js';
import type { ChunkJobHandler } from './chunk-queue.js';
import { transcribeChunkFile } from './chunked.js';
import type { TranscriptionEngine } from './index.js';

export interface ChunkWorkerOptions {
  /** The configured engines, in order: a chunk goes to the first that succeeds. */
  readonly engines: readonly TranscriptionEngine[];
  readonly store: ChunkAudioStore;
  /** Decodes FLAC chunk audio. */
  readonly ffmpegPath: string;
  readonly clock: Clock;
  /** Where a chunk's WAV is written while an engine reads it; the OS temp dir unless given. */
  readonly workDir?: string;
  readonly logger?: Logger;
}

/**
 * The chunk-job handler. A chunk that is gone (its stage finished, its workflow was cancelled or purged), already has
 * a result, or carries a failure the owning run has not cleared is left alone: running it would change nothing.
 */
export function chunkJobHandler(o: ChunkWorkerOptions): ChunkJobHandler {
  return async (job, signal) => {
    const row = await o.store.get(job);
    if (row === null || row.audio === null || row.result !== null || row.error !== null) return;
    const base = o.workDir ?? tmpdir();
    await mkdir(base, { recursive: true });
    const dir = await mkdtemp(path.join(base, 'autointel-chunk-'));
    try {
      const file = path.join(dir, `chunk-${job.index}.wav`);
      const decoded = await decodeChunk(row.audio, file, { ffmpegPath: o.ffmpegPath, signal });
      const r = decoded.ok
        ? await transcribeChunkFile(o.engines, file, `chunk ${job.index}`, signal, o.logger)
        : decoded;
      // Stopped mid-chunk (shutdown, lost lock): nothing is recorded, and the queue hands the job out again.
      signal.throwIfAborted();
      if (r.ok) await o.store.saveResult(job, r.value, o.clock.now());
      else {
        o.logger?.warn(
          { workflowId: job.workflowId, chunk: job.index, code: r.error.code },
          'chunk job failed; the owning run fails its stage with the reason',
        );
        await o.store.saveError(job, toChunkError(r.error), o.clock.now());
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

function toChunkError(e: AppError): ChunkError {
  return {
    code: e.code,
    message: e.message,
    userMessage: e.userMessage,
    retryable: e.retryable,
    ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
  };
}
