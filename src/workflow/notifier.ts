// The port through which the engine tells the outside world about a workflow: progress, the final report,
// a failure. The delivery outbox (delivery/outbox.ts) implements it; the engine knows nothing of Discord.
import type { RunLease, StoredError, StoredReport, WorkflowRecord } from '../store/store.js';

export type DeliveryResult =
  | { readonly kind: 'delivered' }
  /** Every target refused or failed permanently; recorded and shown by /autointel_status. */
  | { readonly kind: 'failed'; readonly error: StoredError }
  /** Try again later (all targets rate-limited or down); the engine keeps the workflow and retries delivery. */
  | { readonly kind: 'retry'; readonly delayMs: number }
  /** The run lost its lease mid-delivery: it stopped before sending another part; the run holding it delivers. */
  | { readonly kind: 'lease_lost' };

export interface WorkflowNotifier {
  /** Latest progress of a running workflow. Implementations throttle edits themselves; never throws. */
  progress(workflow: WorkflowRecord): Promise<void>;
  /**
   * Delivers the report; resolves once every part is confirmed by Discord or the failure is recorded. `run`: the
   * delivering run's lease — each part is sent only while it still holds (else `lease_lost`).
   */
  deliverReport(
    workflow: WorkflowRecord,
    report: StoredReport,
    signal: AbortSignal,
    run?: RunLease | null,
  ): Promise<DeliveryResult>;
  /**
   * Tells the requester that the workflow failed or was cancelled (reason from `workflow.lastError`); `run` as for
   * deliverReport (none when no run holds the workflow, e.g. a queued one cancelled).
   */
  deliverOutcome(
    workflow: WorkflowRecord,
    signal: AbortSignal,
    run?: RunLease | null,
  ): Promise<DeliveryResult>;
}
