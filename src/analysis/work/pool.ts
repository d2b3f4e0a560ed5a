// The one content-work pool: worker threads sized from the cores, a bounded queue, and a deadline and a memory
// budget per job — a job past either has its thread terminated (and later replaced) and fails permanently.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../../core/clock.js';
import { PermanentError, RetryLaterError, type AppError } from '../../core/errors.js';
import { compiledTwinUrl } from '../../core/worker-url.js';
import {
  fromWire,
  type TaskKind,
  type TaskOf,
  type TaskOutputs,
  type WorkerReply,
  type WorkerRequest,
} from './tasks.js';

export interface ContentPoolOptions {
  readonly clock: Clock;
  /** Worker threads, 1–64. Default: the cores, at least 2 (so one long analysis never holds up an extraction). */
  readonly size?: number;
  /** Jobs waiting for a thread before new ones are refused (retry later). Default 32 per thread. */
  readonly maxQueued?: number;
  /** V8 old-generation heap per thread, in MB (AUTOINTEL_WORKER_HEAP_MB). */
  readonly heapMb?: number;
  /** The compiled worker script; defaults to worker.js beside this module under dist/. */
  readonly workerUrl?: URL;
  /**
   * Niceness of each pool thread, 0–19 (Linux applies it per thread): content work runs behind the loop that
   * answers Discord instead of competing with it for the cores. Default 10.
   */
  readonly niceness?: number;
}

export const DefaultContentPoolOptions = {
  heapMb: 1024,
  niceness: 10,
  queuedPerThread: 32,
} as const;

/** The pool's worker script, beside this module under dist/ (see core/worker-url.ts). */
export const defaultWorkerUrl = (file = 'worker.js', moduleUrl: string = import.meta.url): URL =>
  compiledTwinUrl(file, moduleUrl);

export const defaultPoolSize = (): number => Math.max(2, Math.min(8, availableParallelism()));

/** How one job may run. */
export interface JobOptions {
  /** Wall time from the moment a thread takes the job. */
  readonly deadlineMs: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number, message?: string) => void;
  /** The user-facing failure when the deadline passes, e.g. "the page is too complex to read within 60 s". */
  readonly onDeadline?: (deadlineMs: number) => AppError;
  /** Buffers moved to the thread instead of copied (the caller must not use them afterwards). */
  readonly transfer?: readonly ArrayBuffer[];
}

interface Job {
  readonly request: WorkerRequest;
  readonly options: JobOptions;
  readonly resolve: (o: unknown) => void;
  readonly reject: (e: AppError | Error) => void;
  readonly onAbort: () => void;
  /** Cancels the deadline timer once the job settles. */
  readonly timer: AbortController;
  settled: boolean;
}

interface Slot {
  worker: Worker | null;
  job: Job | null;
}

export interface ContentPoolStats {
  readonly size: number;
  readonly busy: number;
  readonly queued: number;
  /** Threads terminated for a deadline or a memory budget since start. */
  readonly replaced: number;
  /** Jobs since start that answered with their output. */
  readonly done: number;
  /** Jobs since start that failed: an error from the task, a crashed thread, the memory budget. */
  readonly failed: number;
  /** Jobs since start stopped at their deadline. */
  readonly timedOut: number;
}

export class ContentPool {
  readonly #clock: Clock;
  readonly #workerUrl: URL;
  readonly #heapMb: number;
  readonly #maxQueued: number;
  readonly #niceness: number;
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;
  #replaced = 0;
  #done = 0;
  #failed = 0;
  #timedOut = 0;

  constructor(options: ContentPoolOptions) {
    const size = options.size ?? defaultPoolSize();
    if (!Number.isInteger(size) || size < 1 || size > 64)
      throw new RangeError(
        `ContentPool option 'size' must be an integer from 1 to 64, received ${String(size)}`,
      );
    const heapMb = options.heapMb ?? DefaultContentPoolOptions.heapMb;
    if (!Number.isInteger(heapMb) || heapMb < 64)
      throw new RangeError(`ContentPool option 'heapMb' must be an integer ≥ 64, received ${String(heapMb)}`);
    const maxQueued = options.maxQueued ?? size * DefaultContentPoolOptions.queuedPerThread;
    if (!Number.isInteger(maxQueued) || maxQueued < 0)
      throw new RangeError(
        `ContentPool option 'maxQueued' must be a non-negative integer, received ${String(maxQueued)}`,
      );
    const niceness = options.niceness ?? DefaultContentPoolOptions.niceness;
    if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19)
      throw new RangeError(
        `ContentPool option 'niceness' must be an integer from 0 to 19, received ${String(niceness)}`,
      );
    this.#niceness = niceness;
    this.#clock = options.clock;
    this.#heapMb = heapMb;
    this.#maxQueued = maxQueued;
    this.#workerUrl = options.workerUrl ?? defaultWorkerUrl();
    this.#slots = Array.from({ length: size }, () => ({ worker: null, job: null }));
  }

  get heapMb(): number {
    return this.#heapMb;
  }

  stats(): ContentPoolStats {
    return {
      size: this.#slots.length,
      busy: this.#slots.filter((s) => s.job !== null).length,
      queued: this.#queue.length,
      replaced: this.#replaced,
      done: this.#done,
      failed: this.#failed,
      timedOut: this.#timedOut,
    };
  }

  /** Runs one task on a pool thread. Rejects with a typed AppError (or the signal's reason when aborted). */
  run<K extends TaskKind>(task: TaskOf<K>, options: JobOptions): Promise<TaskOutputs[K]> {
    if (!(Number.isFinite(options.deadlineMs) && options.deadlineMs > 0))
      return Promise.reject(new RangeError(`deadlineMs must be positive, received ${options.deadlineMs}`));
    if (this.#closed)
      return Promise.reject(new PermanentError('content.pool_closed', 'the content pool is closed'));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const busy = this.#slots.every((s) => s.job !== null);
    if (busy && this.#queue.length >= this.#maxQueued)
      return Promise.reject(
        new RetryLaterError('content.pool_busy', `content pool queue is full (${this.#maxQueued} waiting)`, {
          retryAfterMs: 10_000,
          userMessage: 'The bot is busy with other content right now; it will try again shortly.',
        }),
      );
    return new Promise<TaskOutputs[K]>((resolve, reject) => {
      const id = this.#nextId++;
      const job: Job = {
        request: { id, task },
        options,
        resolve: resolve as (o: unknown) => void,
        reject,
        onAbort: () => this.#abort(job),
        timer: new AbortController(),
        settled: false,
      };
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  /** Stops every thread; queued and running jobs fail with 'content.pool_closed'. */
  async close(): Promise<void> {
    this.#closed = true;
    const closed = new PermanentError('content.pool_closed', 'the content pool is closed');
    for (const job of this.#queue.splice(0)) this.#settle(job, () => job.reject(closed));
    await Promise.all(
      this.#slots.map(async (slot) => {
        if (slot.job) {
          const job = slot.job;
          this.#settle(job, () => job.reject(closed));
        }
        slot.job = null;
        const w = slot.worker;
        slot.worker = null;
        if (w) await w.terminate();
      }),
    );
  }

  #dispatch(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) {
      if (slot.job !== null) continue;
      const job = this.#queue.shift();
      if (!job) return;
      slot.job = job;
      const worker = (slot.worker ??= this.#spawn(slot));
      worker.ref();
      worker.postMessage(job.request, [...(job.options.transfer ?? [])]);
      this.#startDeadline(slot, job);
    }
  }

  #startDeadline(slot: Slot, job: Job): void {
    const ms = job.options.deadlineMs;
    this.#clock.sleep(ms, job.timer.signal).then(
      () => {
        if (job.settled || slot.job !== job) return;
        const error =
          job.options.onDeadline?.(ms) ??
          new PermanentError('content.deadline', `content job exceeded its ${ms} ms deadline`, {
            context: { deadlineMs: ms },
            userMessage: `The content could not be processed within ${formatSeconds(ms)}.`,
          });
        this.#timedOut++;
        this.#evict(slot, job, error);
      },
      () => undefined, // the job settled first and cancelled its timer
    );
  }

  /** Terminates the slot's thread (a synchronous task cannot be interrupted otherwise); the next job respawns it. */
  #evict(slot: Slot, job: Job, error: AppError | Error): void {
    const worker = slot.worker;
    slot.worker = null;
    slot.job = null;
    this.#replaced++;
    this.#settle(job, () => job.reject(error));
    if (worker) void worker.terminate();
    this.#dispatch();
  }

  #spawn(slot: Slot): Worker {
    const worker = new Worker(this.#workerUrl, {
      workerData: { niceness: this.#niceness },
      resourceLimits: {
        maxOldGenerationSizeMb: this.#heapMb,
        maxYoungGenerationSizeMb: Math.min(64, Math.max(16, Math.floor(this.#heapMb / 16))),
      },
    });
    let memoryExceeded = false;
    worker.on('message', (reply: WorkerReply) => {
      const job = slot.job;
      if (!job || job.request.id !== reply.id || slot.worker !== worker) return;
      if (reply.type === 'progress') {
        job.options.onProgress?.(reply.fraction, reply.message ?? undefined);
        return;
      }
      slot.job = null;
      // An idle thread must not keep the process alive.
      worker.unref();
      if (reply.type === 'done') {
        this.#done++;
        this.#settle(job, () => job.resolve(reply.output));
      } else {
        this.#failed++;
        this.#settle(job, () => job.reject(fromWire(reply.error)));
      }
      this.#dispatch();
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') memoryExceeded = true;
      lost(e.message);
    });
    worker.on('exit', (code) => lost(`exit code ${code}`));
    const lost = (why: string): void => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      const job = slot.job;
      slot.job = null;
      if (job) {
        this.#replaced++;
        this.#failed++;
        // The same input would exhaust a fresh thread the same way: this is about the content, not the moment.
        const error = memoryExceeded
          ? new PermanentError('content.memory', `content job exceeded the ${this.#heapMb} MB heap budget`, {
              context: { heapMb: this.#heapMb },
              userMessage: `The content needs more than the ${this.#heapMb} MB of memory one job may use.`,
            })
          : new PermanentError('content.worker_crashed', `content worker stopped: ${why}`, {
              userMessage: 'Processing this content crashed its worker; it was stopped and not retried.',
            });
        this.#settle(job, () => job.reject(error));
      }
      this.#dispatch();
    };
    return worker;
  }

  #abort(job: Job): void {
    const reason = abortReason(job.options.signal!);
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      this.#settle(job, () => job.reject(reason));
      return;
    }
    const slot = this.#slots.find((s) => s.job === job);
    if (slot) this.#evict(slot, job, reason);
  }

  #settle(job: Job, action: () => void): void {
    if (job.settled) return;
    job.settled = true;
    job.timer.abort();
    job.options.signal?.removeEventListener('abort', job.onAbort);
    action();
  }
}

export const formatSeconds = (ms: number): string =>
  ms % 60_000 === 0 && ms >= 120_000 ? `${ms / 60_000} minutes` : `${Math.round(ms / 1000)} s`;

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error('The content job was aborted.');
  e.name = 'AbortError';
  return e;
}
