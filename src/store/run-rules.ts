// The reasons a claim records, shared by every adapter so SQLite and PostgreSQL word them identically.
import type { StoredError } from './store.js';

export const ATTEMPTS_EXHAUSTED = 'workflow.attempts_exhausted';
export const WORKER_LOST = 'workflow.worker_lost';

/** Why a workflow is failed instead of claimed again: the crash loop ends with the last thing that went wrong. */
export function attemptsExhausted(attempts: number, lastError: StoredError | null): StoredError {
  const reason = lastError?.message ?? 'no error was recorded';
  return {
    code: ATTEMPTS_EXHAUSTED,
    message: `stopped after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`.slice(0, 500),
  };
}

/**
 * Recorded when a claim takes over an expired lease: the run before it neither finished nor gave the workflow
 * back, so its process died or stalled past its lease (the only trace such a crash leaves).
 */
export function workerLost(stage: string | null): StoredError {
  return {
    code: WORKER_LOST,
    message:
      stage === null
        ? 'the worker running it stopped (crashed or stalled past its lease)'
        : `the worker running it stopped (crashed or stalled past its lease) during ${stage}`,
  };
}
