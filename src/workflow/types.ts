// Workflow engine vocabulary and options: what the engine, its queues and its callers agree on.
//
// Terminology
// - engine (WorkflowEngine): accepts requests (`start`), runs a claimed workflow's stages, persists every outcome
//   in the store, and tells the requester through the WorkflowNotifier. It never claims or heartbeats.
// - queue (WorkQueue): decides which worker runs which workflow and when. It owns claiming (`store.claimNext` for
//   the EmbeddedQueue, `store.claim(id)` for BullMQ), the lease heartbeat, and the job's AbortSignal.
// - run function (`engine.runClaimed`, a JobHandler): the one entry point every queue adapter calls once it holds
//   the lease of `job.workflowId` for run `job.runId` (the store's fencing token). Every write of the run names
//   that run, so a run that lost its lease (another claim took the workflow) can no longer write or deliver. It resolves with a JobOutcome
//   after the row already reflects it: `finished` (terminal, or the lease was lost to another worker) or `retry`
//   (the engine has released the row with `runAfter = now + delayMs`; the queue only has to schedule a new try).
// - abort reasons: a queue aborts `job.signal` with an AppError whose code says why — `queue.lease_lost`,
//   `workflow.cancel_requested`, `queue.shutdown` (see `abortReason`). The engine re-reads the row to decide.
// - freshness cache: a request for a url+depth that completed within `freshnessMs` becomes a NEW workflow whose
//   checkpoints are copied from the earlier one; it runs no stage, only saves its own report copy and delivers it,
//   so every requester gets their own durable delivery and retention of one workflow never breaks another.
import type { ReportFieldsDeriver } from '../analysis/report-search.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Depth, Pipeline } from '../core/stage.js';
import type { CheckpointReportStore, WorkflowLeaseStore, WorkflowRecord } from '../store/store.js';
import type { WorkflowNotifier } from './notifier.js';
import type { WorkQueue } from './queue.js';

export interface RetryPolicy {
  /** First backoff delay after a transient failure. */
  readonly baseMs: number;
  /** Backoff never exceeds this. */
  readonly maxMs: number;
  /**
   * Claims (attempts) that may run stages: after this many a transient failure becomes final, and a workflow
   * whose runs all died (a stage that kills or stalls its process) is failed with its last error.
   */
  readonly maxAttempts: number;
}

/**
 * The claim limit a queue gives the store for a retry policy: one claim beyond the stage attempts, which runs no
 * stage and only tells the requester why the workflow stops; should even that claim die, the store fails it.
 */
export const claimLimit = (retry: RetryPolicy): number => retry.maxAttempts + 1;

export interface WorkflowLimits {
  /** Workflows one requester may start per rolling hour; 0 disables the quota. */
  readonly perUserPerHour: number;
  /** Running workflows per guild across all workers. */
  readonly perGuildConcurrent: number;
}

export interface WorkflowEngineOptions {
  /** Workflows, leases, checkpoints and reports; the delivery state is the outbox's alone (read via getWorkflow). */
  readonly store: WorkflowLeaseStore & CheckpointReportStore;
  readonly queue: WorkQueue;
  /**
   * The stages a run goes through; null for an engine that starts, cancels and reads workflows but never runs them
   * (a front end whose workflows run in a worker or its engine process).
   */
  readonly pipeline: Pipeline | null;
  readonly notifier: WorkflowNotifier;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This worker's lease owner id; the queue must claim under the same owner. */
  readonly owner: string;
  readonly leaseMs: number;
  readonly retry: RetryPolicy;
  readonly limits: WorkflowLimits;
  /** A completed url+depth younger than this is served from its stored result; 0 disables the cache. */
  readonly freshnessMs: number;
  /** Finished workflows older than this are purged. */
  readonly retentionMs: number;
  /** Jobs this process runs at once. */
  readonly concurrency?: number;
  /** How often the retention purge runs. */
  readonly purgeIntervalMs?: number;
  /** Minimum time between two stored progress updates of one workflow (stage changes always go through). */
  readonly progressIntervalMs?: number;
  /** Source of backoff jitter in [0, 1). */
  readonly random?: () => number;
  /**
   * Tells the other machines that a running workflow was cancelled (BullMQ's Redis cancel channel), so the
   * worker running its stage aborts at once instead of at its next heartbeat. Unset: local abort only.
   */
  readonly broadcastCancel?: (workflowId: string) => Promise<void>;
  /** Where a finished report's title and search text are derived (the content pool in the bot; inline by default). */
  readonly reportFields?: ReportFieldsDeriver;
}

export const DefaultWorkflowEngineOptions = {
  concurrency: 2,
  purgeIntervalMs: 60 * 60_000,
  progressIntervalMs: 2_000,
} as const satisfies Partial<WorkflowEngineOptions>;

export type StartOutcome =
  | { readonly kind: 'started'; readonly workflow: WorkflowRecord }
  /** The same interaction already started this workflow. */
  | { readonly kind: 'existing'; readonly workflow: WorkflowRecord }
  /** A fresh result exists: a new workflow that only delivers the stored report (see Terminology). */
  | { readonly kind: 'cached'; readonly workflow: WorkflowRecord; readonly sourceWorkflowId: string }
  /**
   * Offered instead of a run (only when asked for, see StartOptions): this url was analysed at this depth for the
   * same server (or requester) before; nothing was created.
   */
  | { readonly kind: 'earlier'; readonly workflowId: string; readonly finishedAt: number }
  | { readonly kind: 'refused'; readonly code: string; readonly reason: string };

export interface StartOptions {
  /**
   * Offer an earlier report of the same url and depth (older than the freshness window) instead of starting a run.
   * A member's /autointel asks for this unless they ask for a re-run; the command line does not.
   */
  readonly offerEarlier?: boolean;
}

/** Lower runs first (BullMQ convention): quick analyses overtake long ones. */
export const DEPTH_PRIORITY: Readonly<Record<Depth, number>> = {
  standard: 1,
  deep: 2,
  comprehensive: 3,
  experimental: 4,
};

export type AbortCode = 'queue.lease_lost' | 'workflow.cancel_requested' | 'queue.shutdown';

/** The reason a queue passes to `AbortController.abort()`, so the engine knows why its job stopped. */
export function abortReason(code: AbortCode): AppError {
  const messages: Record<AbortCode, string> = {
    'queue.lease_lost': 'The lease on this workflow was lost to another worker.',
    'workflow.cancel_requested': 'The workflow was cancelled.',
    'queue.shutdown': 'The worker is shutting down.',
  };
  return new AppError(code, messages[code], { userMessage: messages[code] });
}

export function abortCodeOf(signal: AbortSignal): AbortCode | null {
  const r: unknown = signal.reason;
  if (
    r instanceof AppError &&
    (r.code === 'queue.lease_lost' || r.code === 'workflow.cancel_requested' || r.code === 'queue.shutdown')
  ) {
    return r.code;
  }
  return signal.aborted ? 'queue.shutdown' : null;
}
