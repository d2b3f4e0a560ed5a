// The port through which the engine tells the outside world about a workflow: progress, the final report,
// a failure. The delivery outbox (delivery/outbox.ts) implements it; the engine knows nothing of Discord.
import type { StoredError, StoredReport, WorkflowRecord } from '../store/store.js';

export type DeliveryResult =
  | { readonly kind: 'delivered' }
  /** Every target refused or failed permanently; recorded and shown by /autointel_status. */
  | { readonly kind: 'failed'; readonly error: StoredError }
  /** Try again later (all targets rate-limited or down); the engine keeps the workflow and retries delivery. */
  | { readonly kind: 'retry'; readonly delayMs: number };

export interface WorkflowNotifier {
  /** Latest progress of a running workflow. Implementations throttle edits themselves; never throws. */
  progress(workflow: WorkflowRecord): Promise<void>;
  /** Delivers the report; resolves once every part is confirmed by Discord or the failure is recorded. */
  deliverReport(workflow: WorkflowRecord, report: StoredReport, signal: AbortSignal): Promise<DeliveryResult>;
  /** Tells the requester that the workflow failed or was cancelled (reason from `workflow.lastError`). */
  deliverOutcome(workflow: WorkflowRecord, signal: AbortSignal): Promise<DeliveryResult>;
}
