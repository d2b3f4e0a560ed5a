// The work-queue port: how workflow ids reach workers. Adapters: EmbeddedQueue (leases in the store, one
// process) and BullmqQueue (Redis, many machines). The store stays the source of truth for state and
// checkpoints; a queue only decides which worker runs which workflow, and when.

export interface QueueJob {
  readonly workflowId: string;
  /** The run this claim started (the store's fencing token): every write of the job names it. */
  readonly runId: string;
  /** Aborted when this worker must stop the job (shutdown, lost lock, cancellation seen by the queue). */
  readonly signal: AbortSignal;
}

/** What a handler tells the queue about a job it ran. */
export type JobOutcome =
  | { readonly kind: 'finished' }
  /** Run it again no earlier than `delayMs` (transient failure, released on shutdown). */
  | { readonly kind: 'retry'; readonly delayMs: number };

export type JobHandler = (job: QueueJob) => Promise<JobOutcome>;

export interface EnqueueOptions {
  /** Lower runs first (BullMQ convention): depth decides it. */
  readonly priority: number;
  readonly guildId: string | null;
  readonly delayMs?: number;
}

export interface WorkQueue {
  /** Idempotent per workflow id: enqueuing an id twice yields one job. */
  enqueue(workflowId: string, options: EnqueueOptions): Promise<void>;
  /** Starts consuming with at most `concurrency` jobs at once in this process. */
  start(handler: JobHandler, options: { readonly concurrency: number }): Promise<void>;
  /** Stops taking jobs, aborts running ones after `graceMs`, and waits for them to settle. */
  stop(options: { readonly graceMs: number }): Promise<void>;
}
