// Analyses on the calling thread, for scripts and tests where blocking is acceptable. Its own module so that code
// running analyses on the content pool never loads the analyser's models (tens of MB) on the loop that answers Discord.
import type { AcquiredContent } from '../acquire/types.js';
import { Analyser } from './analyser.js';
import type { AnalysisRunner } from './pool.js';
import type { AnalyseJobOptions, AnalysisOutput } from './types.js';

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
