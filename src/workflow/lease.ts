// Keeps one running job's lease alive: the heartbeat loop both queue adapters share.
import type { Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunLease, WorkflowLeaseStore } from '../store/store.js';
import { abortReason } from './types.js';

export interface LeaseKeeperOptions {
  readonly store: Pick<WorkflowLeaseStore, 'heartbeat'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly leaseMs: number;
  readonly everyMs: number;
  /** Runs before each renewal (e.g. refreshing a per-guild slot); a throw counts as a failed heartbeat. */
  readonly beforeBeat?: () => Promise<void>;
  /** Ends the loop early without touching the job (e.g. a crash drill that abandons it). */
  readonly abandoned?: () => boolean;
}

/**
 * Renews the run's lease every `everyMs` until `stop` fires. Aborts `job` with `queue.lease_lost` when the lease is gone,
 * and with `workflow.cancel_requested` when a cancel is recorded — but keeps renewing after a cancel, since the engine
 * still needs the lease to record the cancellation. A failed renewal is logged and tried again next beat.
 */
export async function keepLease(
  run: RunLease,
  job: AbortController,
  stop: AbortSignal,
  o: LeaseKeeperOptions,
): Promise<void> {
  while (!stop.aborted) {
    try {
      await o.clock.sleep(o.everyMs, stop);
    } catch {
      return;
    }
    if (o.abandoned?.() === true) return;
    try {
      await o.beforeBeat?.();
      const beat = await o.store.heartbeat(run, {
        now: o.clock.now(),
        leaseMs: o.leaseMs,
      });
      // The job settled (and cleared its run) while this beat was in flight: nothing was lost.
      if (!beat.held && stop.aborted) return;
      if (!beat.held) {
        o.logger.warn(
          { workflowId: run.workflowId, runId: run.runId },
          'lease lost to another run; stopping the job',
        );
        job.abort(abortReason('queue.lease_lost'));
        return;
      }
      if (beat.cancelRequested && !job.signal.aborted) job.abort(abortReason('workflow.cancel_requested'));
    } catch (e: unknown) {
      o.logger.warn(
        { err: toAppError(e, 'queue.heartbeat_failed'), workflowId: run.workflowId },
        'heartbeat failed; will retry',
      );
    }
  }
}
