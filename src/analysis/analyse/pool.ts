// Where analyses run: on the shared content pool (worker threads, deadline, memory budget), or in-process for scripts.
import { SystemClock, type Clock } from '../../core/clock.js';
import { PermanentError } from '../../core/errors.js';
import { ContentPool, formatSeconds } from '../work/pool.js';
import type { AcquiredContent } from '../acquire/types.js';
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

export interface AnalysisPoolOptions {
  /** The shared content pool; without one, the AnalysisPool makes (and closes) its own of `size` threads. */
  readonly pool?: ContentPool;
  /** Threads of an own pool, 1–16. Each analysing thread holds its own copy of the models (~100 MB). */
  readonly size?: number;
  readonly clock?: Clock;
  /** Deadline of one analysis (AUTOINTEL_ANALYSIS_TIMEOUT_SECONDS). */
  readonly deadlineMs?: number;
}

export const DefaultAnalysisPoolOptions = { size: 1, deadlineMs: 10 * 60_000 } as const;

/** Runs analyses on the content pool's threads, each within its deadline and the pool's memory budget. */
export class AnalysisPool implements AnalysisRunner {
  readonly #pool: ContentPool;
  readonly #owned: boolean;
  readonly #deadlineMs: number;

  constructor(options: AnalysisPoolOptions = {}) {
    const deadlineMs = options.deadlineMs ?? DefaultAnalysisPoolOptions.deadlineMs;
    if (!(Number.isFinite(deadlineMs) && deadlineMs > 0))
      throw new RangeError(
        `AnalysisPool option 'deadlineMs' must be positive, received ${String(deadlineMs)}`,
      );
    this.#deadlineMs = deadlineMs;
    if (options.pool !== undefined) {
      this.#pool = options.pool;
      this.#owned = false;
      return;
    }
    const size = options.size ?? DefaultAnalysisPoolOptions.size;
    if (!Number.isInteger(size) || size < 1 || size > 16) {
      throw new RangeError(
        `AnalysisPool option 'size' must be an integer from 1 to 16, received ${String(size)}`,
      );
    }
    this.#pool = new ContentPool({ clock: options.clock ?? new SystemClock(), size });
    this.#owned = true;
  }

  analyse(
    content: AcquiredContent,
    options: AnalyseJobOptions,
    ctx: {
      readonly signal?: AbortSignal;
      readonly onProgress?: (fraction: number, message?: string) => void;
    } = {},
  ): Promise<AnalysisOutput> {
    return this.#pool.run(
      { kind: 'analyse', content, options },
      {
        deadlineMs: this.#deadlineMs,
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
        ...(ctx.onProgress === undefined ? {} : { onProgress: ctx.onProgress }),
        onDeadline: (ms) =>
          new PermanentError('analysis.deadline', `analysis exceeded its ${ms} ms deadline`, {
            context: { deadlineMs: ms, chars: content.text.length, depth: options.depth },
            userMessage:
              `The analysis did not finish within ${formatSeconds(ms)}: the text ` +
              `(${content.text.length.toLocaleString('en')} characters) is too long or too complex for the ` +
              `${options.depth} depth. Try the standard depth or a shorter text.`,
          }),
      },
    );
  }

  /** Closes the pool when this runner made it; a shared pool is closed by its owner. */
  async close(): Promise<void> {
    if (this.#owned) await this.#pool.close();
  }
}
