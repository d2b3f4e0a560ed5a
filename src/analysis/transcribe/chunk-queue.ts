// The chunk-job queue port: how the chunks of one recording reach the processes that transcribe them. Adapters:
// EmbeddedChunkQueue (below: this process, bounded by the shared Limiter) and BullmqChunkQueue (workflow/: Redis,
// one job per chunk, so every worker on every machine takes chunks of one long recording).
//
// A job carries only its key: the audio is in the ChunkAudioStore, and the handler leaves the chunk's result (or
// failure) there for the run that owns the workflow, which waits for it. So a job can run anywhere, twice (a stalled
// job handed out again) or after its owner died, without the transcript counting a chunk twice.
import { setMaxListeners } from 'node:events';
import type { Clock } from '../../core/clock.js';
import { toAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ChunkKey } from '../../store/chunk-audio.js';
import type { Limiter } from './limiter.js';

export type ChunkJob = ChunkKey;

/**
 * Transcribes one chunk and records its result or failure in the chunk store. Resolves once that is written (or
 * there was nothing to do); throws only when it could not record anything (the store unreachable, shutdown), and the
 * queue then hands the job out again.
 */
export type ChunkJobHandler = (job: ChunkJob, signal: AbortSignal) => Promise<void>;

export interface ChunkJobQueue {
  /** Idempotent per workflow id + chunk index: a chunk already waiting or running is not queued a second time. */
  enqueue(jobs: readonly ChunkJob[]): Promise<void>;
  /** Drops the given chunks' jobs that have not started (the stage was cancelled or failed). Best effort. */
  discard(jobs: readonly ChunkJob[]): Promise<void>;
  /**
   * Whether some chunk job is running right now, in any process this queue reaches: the workers are alive, only busy
   * (with other recordings, say), so a run waiting on its chunks is not stalled.
   */
  busy(): Promise<boolean>;
  /** Starts transcribing chunk jobs in this process, at most `concurrency` at once. */
  start(handler: ChunkJobHandler, options: { readonly concurrency: number }): Promise<void>;
  /** Takes no more jobs; running ones get `graceMs`, then their signal fires. */
  stop(options: { readonly graceMs: number }): Promise<void>;
}

/** A job's key as a string: BullMQ refuses ids with one `:`, so `#` joins them. */
export const chunkJobId = (job: ChunkJob): string => `${job.workflowId}#${job.index}`;

export interface EmbeddedChunkQueueOptions {
  /** Shared with the direct (in-process) chunk path, so the per-process bound holds across both. */
  readonly limiter: Limiter;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/**
 * Chunk jobs in this process only: each enqueued chunk waits for a slot of the shared limiter and runs here. Nothing
 * survives the process; a run that resumes the workflow (here or elsewhere) enqueues its unfinished chunks again.
 */
export class EmbeddedChunkQueue implements ChunkJobQueue {
  readonly #o: EmbeddedChunkQueueOptions;
  /** Jobs waiting for start() or for a slot, and running ones: the idempotency set. */
  readonly #live = new Set<string>();
  readonly #discarded = new Set<string>();
  readonly #backlog: ChunkJob[] = [];
  readonly #running = new Set<Promise<void>>();
  /** Handlers running now (not waiting for a limiter slot). */
  #active = 0;
  #stop = new AbortController();
  #handler: ChunkJobHandler | null = null;

  constructor(options: EmbeddedChunkQueueOptions) {
    this.#o = options;
  }

  enqueue(jobs: readonly ChunkJob[]): Promise<void> {
    for (const job of jobs) {
      const id = chunkJobId(job);
      this.#discarded.delete(id);
      if (this.#live.has(id)) continue;
      this.#live.add(id);
      if (this.#handler === null) this.#backlog.push(job);
      else this.#launch(job, this.#handler);
    }
    return Promise.resolve();
  }

  discard(jobs: readonly ChunkJob[]): Promise<void> {
    for (const job of jobs) {
      const id = chunkJobId(job);
      if (this.#live.has(id)) this.#discarded.add(id);
    }
    return Promise.resolve();
  }

  busy(): Promise<boolean> {
    return Promise.resolve(this.#active > 0);
  }

  start(handler: ChunkJobHandler, options: { readonly concurrency: number }): Promise<void> {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(
        `EmbeddedChunkQueue: concurrency must be a positive integer, received ${options.concurrency}`,
      );
    }
    if (this.#handler !== null) throw new Error('EmbeddedChunkQueue.start: already started');
    // The limiter is the bound (shared with direct transcription); `concurrency` is validated for the port's sake.
    this.#handler = handler;
    this.#stop = new AbortController();
    // Every waiting chunk listens for the stop: a long recording has hundreds, all expected.
    setMaxListeners(0, this.#stop.signal);
    for (const job of this.#backlog.splice(0)) this.#launch(job, handler);
    return Promise.resolve();
  }

  #launch(job: ChunkJob, handler: ChunkJobHandler): void {
    const id = chunkJobId(job);
    const signal = this.#stop.signal;
    const p = this.#o.limiter
      .run(async () => {
        if (this.#discarded.has(id)) return;
        this.#active++;
        try {
          await handler(job, signal);
        } finally {
          this.#active--;
        }
      }, signal)
      .catch((e: unknown) => {
        // Not recorded in the store: the owning run's next enqueue (it re-enqueues unfinished chunks) tries again.
        if (!signal.aborted)
          this.#o.logger?.warn({ err: toAppError(e), chunk: id }, 'chunk job failed without a result');
      })
      .finally(() => {
        this.#live.delete(id);
        this.#discarded.delete(id);
        this.#running.delete(p);
      });
    this.#running.add(p);
  }

  async stop(options: { readonly graceMs: number }): Promise<void> {
    if (this.#handler === null) return;
    this.#handler = null;
    // Waiting jobs never start; running ones get the grace period.
    for (const id of this.#live) this.#discarded.add(id);
    const settled = Promise.allSettled([...this.#running]);
    const graceOver = new AbortController();
    await Promise.race([
      settled,
      this.#o.clock.sleep(Math.max(0, options.graceMs), graceOver.signal).catch(() => undefined),
    ]);
    graceOver.abort();
    this.#stop.abort(new Error('chunk queue stopped'));
    await settled;
    this.#live.clear();
    this.#discarded.clear();
  }
}
