// A small worker-thread pool for the CPU-bound analysis, so the process's event loop (Discord gateway) never blocks.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError, PermanentError } from '../../core/errors.js';
import type { AcquiredContent } from '../acquire/types.js';
import { Analyser } from './analyser.js';
import type { AnalyseJobOptions, AnalysisOutput } from './types.js';

/** Runs an analysis somewhere (a worker thread, or this thread) and reports progress in [0, 1]. */
export interface AnalysisRunner {
  analyse(
    content: AcquiredContent,
    options: AnalyseJobOptions,
    ctx?: {
      readonly signal?: AbortSignal;
      readonly onProgress?: (fraction: number, message?: string) => void;
    },
  ): Promise<AnalysisOutput>;
  close(): Promise<void>;
}

export interface WorkerRequest {
  readonly id: number;
  readonly content: AcquiredContent;
  readonly options: AnalyseJobOptions;
}

export type WorkerReply =
  | {
      readonly id: number;
      readonly type: 'progress';
      readonly fraction: number;
      readonly message: string | null;
    }
  | { readonly id: number; readonly type: 'done'; readonly output: AnalysisOutput }
  | {
      readonly id: number;
      readonly type: 'error';
      readonly error: { readonly code: string; readonly message: string; readonly retryable: boolean };
    };

export interface AnalysisPoolOptions {
  /** Worker threads, 1–16. Each holds its own copy of the models (~100 MB). */
  readonly size?: number;
  /** The compiled worker script; defaults to worker.js beside this module under dist/. */
  readonly workerUrl?: URL;
}

export const DefaultAnalysisPoolOptions = { size: 1 } as const satisfies AnalysisPoolOptions;

/**
 * The worker script. Compiled code finds worker.js beside itself; source run by the test runner
 * (`src/**.ts`) maps to its compiled twin under `dist/src/**.js`, which the test setup builds first.
 */
export function defaultWorkerUrl(moduleUrl: string = import.meta.url): URL {
  const here = fileURLToPath(moduleUrl);
  if (!here.endsWith('.ts')) return new URL('./worker.js', moduleUrl);
  const marker = `${path.sep}src${path.sep}`;
  const at = here.lastIndexOf(marker);
  if (at < 0) return new URL('./worker.js', moduleUrl);
  const root = here.slice(0, at);
  const relDir = path.dirname(here.slice(at + 1));
  return pathToFileURL(path.join(root, 'dist', relDir, 'worker.js'));
}

interface Job {
  readonly id: number;
  readonly request: WorkerRequest;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((fraction: number, message?: string) => void) | undefined;
  readonly resolve: (o: AnalysisOutput) => void;
  readonly reject: (e: unknown) => void;
  readonly onAbort: () => void;
}

interface Slot {
  worker: Worker | null;
  job: Job | null;
}

export class AnalysisPool implements AnalysisRunner {
  readonly #workerUrl: URL;
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: AnalysisPoolOptions = {}) {
    const size = options.size ?? DefaultAnalysisPoolOptions.size;
    if (!Number.isInteger(size) || size < 1 || size > 16) {
      throw new RangeError(
        `AnalysisPool option 'size' must be an integer from 1 to 16, received ${String(size)}`,
      );
    }
    this.#workerUrl = options.workerUrl ?? defaultWorkerUrl();
    this.#slots = Array.from({ length: size }, () => ({ worker: null, job: null }));
  }

  analyse(
    content: AcquiredContent,
    options: AnalyseJobOptions,
    ctx: {
      readonly signal?: AbortSignal;
      readonly onProgress?: (fraction: number, message?: string) => void;
    } = {},
  ): Promise<AnalysisOutput> {
    if (this.#closed)
      return Promise.reject(new PermanentError('analysis.pool_closed', 'analysis pool is closed'));
    const signal = ctx.signal;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<AnalysisOutput>((resolve, reject) => {
      const id = this.#nextId++;
      const job: Job = {
        id,
        request: { id, content, options },
        signal,
        onProgress: ctx.onProgress,
        resolve,
        reject,
        onAbort: () => this.#abort(job),
      };
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  /** Stops every worker; queued and running jobs fail with 'analysis.pool_closed'. */
  async close(): Promise<void> {
    this.#closed = true;
    const closed = new PermanentError('analysis.pool_closed', 'analysis pool is closed');
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
    for (const slot of this.#slots) {
      if (slot.job !== null) continue;
      const job = this.#queue.shift();
      if (!job) return;
      slot.job = job;
      const worker = (slot.worker ??= this.#spawn(slot));
      worker.ref();
      worker.postMessage(job.request);
    }
  }

  #spawn(slot: Slot): Worker {
    const worker = new Worker(this.#workerUrl);
    worker.on('message', (reply: WorkerReply) => {
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      if (reply.type === 'progress') {
        job.onProgress?.(reply.fraction, reply.message ?? undefined);
        return;
      }
      slot.job = null;
      // An idle worker must not keep the process alive.
      worker.unref();
      if (reply.type === 'done') this.#settle(job, () => job.resolve(reply.output));
      else {
        const e = reply.error;
        this.#settle(job, () => job.reject(new AppError(e.code, e.message, { retryable: e.retryable })));
      }
      this.#dispatch();
    });
    const lost = (why: string): void => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      const job = slot.job;
      slot.job = null;
      if (job) {
        this.#settle(job, () =>
          job.reject(
            new AppError('analysis.worker_crashed', `analysis worker stopped: ${why}`, {
              retryable: true,
              userMessage: 'The analysis worker stopped unexpectedly; the analysis will be retried.',
            }),
          ),
        );
      }
      if (!this.#closed) this.#dispatch();
    };
    worker.on('error', (e: Error) => lost(e.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    return worker;
  }

  #abort(job: Job): void {
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      this.#settle(job, () => job.reject(abortReason(job.signal!)));
      return;
    }
    const slot = this.#slots.find((s) => s.job === job);
    if (!slot) return;
    // A synchronous analysis cannot be interrupted from outside: the thread is terminated and respawned on demand.
    const worker = slot.worker;
    slot.worker = null;
    slot.job = null;
    this.#settle(job, () => job.reject(abortReason(job.signal!)));
    if (worker) void worker.terminate();
    this.#dispatch();
  }

  #settle(job: Job, action: () => void): void {
    job.signal?.removeEventListener('abort', job.onAbort);
    action();
  }
}

/** Runs analyses on the calling thread: for scripts and tests where blocking is acceptable. */
export class InProcessAnalysisRunner implements AnalysisRunner {
  #analyser: Analyser | undefined;

  analyse(
    content: AcquiredContent,
    options: AnalyseJobOptions,
    ctx: {
      readonly signal?: AbortSignal;
      readonly onProgress?: (fraction: number, message?: string) => void;
    } = {},
  ): Promise<AnalysisOutput> {
    if (ctx.signal?.aborted) return Promise.reject(abortReason(ctx.signal));
    try {
      this.#analyser ??= new Analyser();
      return Promise.resolve(this.#analyser.analyse(content, options, ctx.onProgress));
    } catch (e: unknown) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error('The analysis was aborted.');
  e.name = 'AbortError';
  return e;
}
