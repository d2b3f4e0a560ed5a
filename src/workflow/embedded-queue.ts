// The embedded WorkQueue: the workflow row is the queue — claims, leases and heartbeats all live in the store.
// Queues that share a store on one machine (the front end's and its engine process's) may be linked by signals: an
// enqueue wakes the other at once instead of at its next poll, and a cancel reaches the one running the job.
import type { Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunLease, WorkflowLeaseStore } from '../store/store.js';
import type { EnqueueOptions, JobHandler, WorkQueue } from './queue.js';
import { keepLease } from './lease.js';
import { abortReason } from './types.js';

export interface EmbeddedQueueOptions {
  readonly store: WorkflowLeaseStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Lease owner id of this process; the engine must be built with the same one. */
  readonly owner: string;
  readonly leaseMs: number;
  /** At most this many running workflows per guild (live leases, across every process sharing the store). */
  readonly perGuildLimit?: number;
  /**
   * Claims after which the store fails a workflow instead of handing it out again (a stage that kills its
   * process ends its crash loop). Unset: no limit.
   */
  readonly maxAttempts?: number;
  /** How often to look for due work when nothing woke the loop (released retries, other processes' rows). */
  readonly pollMs?: number;
  /** How often a running job's lease is renewed; a third of the lease unless given. */
  readonly heartbeatMs?: number;
  /** The link to another embedded queue on the same store (see QueueSignals). Unset: this queue hears only itself. */
  readonly signals?: QueueSignals;
}

/** What two linked embedded queues tell each other. */
export type QueueSignal =
  { readonly kind: 'wake' } | { readonly kind: 'cancel'; readonly workflowId: string };

/** A two-way link between this queue and another one on the same store (e.g. over a child process's IPC channel). */
export interface QueueSignals {
  send(signal: QueueSignal): void;
  /** Calls `on` for every signal from the other side until the returned function is called. */
  listen(on: (signal: QueueSignal) => void): () => void;
}

export const isQueueSignal = (m: unknown): m is QueueSignal =>
  typeof m === 'object' &&
  m !== null &&
  ((m as { kind?: unknown }).kind === 'wake' ||
    ((m as { kind?: unknown }).kind === 'cancel' &&
      typeof (m as { workflowId?: unknown }).workflowId === 'string'));

export const DefaultEmbeddedQueueOptions = { pollMs: 1000 } as const satisfies Partial<EmbeddedQueueOptions>;

interface ActiveJob {
  readonly controller: AbortController;
  readonly settled: Promise<void>;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`EmbeddedQueue: ${name} must be a positive number, received ${value}`);
  }
  return value;
}

export class EmbeddedQueue implements WorkQueue {
  readonly #store: WorkflowLeaseStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #owner: string;
  readonly #leaseMs: number;
  readonly #perGuildLimit: number | undefined;
  readonly #maxAttempts: number | undefined;
  readonly #pollMs: number;
  readonly #heartbeatMs: number;
  readonly #active = new Map<string, ActiveJob>();
  /** Aborts idle waits and delayed wake-ups once the queue stops. */
  readonly #life = new AbortController();
  #handler: JobHandler | null = null;
  #concurrency = 1;
  #loop: Promise<void> | null = null;
  #stopping = false;
  #woken = false;
  #wake: (() => void) | null = null;
  readonly #signals: QueueSignals | null;
  #unlisten: (() => void) | null = null;

  constructor(options: EmbeddedQueueOptions) {
    if (typeof options.owner !== 'string' || options.owner.length === 0) {
      throw new RangeError(
        `EmbeddedQueue: owner must be a non-empty string, received ${String(options.owner)}`,
      );
    }
    this.#store = options.store;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#owner = options.owner;
    this.#leaseMs = positive('leaseMs', options.leaseMs);
    if (options.perGuildLimit !== undefined) positive('perGuildLimit', options.perGuildLimit);
    this.#perGuildLimit = options.perGuildLimit;
    if (options.maxAttempts !== undefined && !Number.isInteger(options.maxAttempts)) {
      throw new RangeError(`EmbeddedQueue: maxAttempts must be an integer, received ${options.maxAttempts}`);
    }
    if (options.maxAttempts !== undefined) positive('maxAttempts', options.maxAttempts);
    this.#maxAttempts = options.maxAttempts;
    this.#pollMs = positive('pollMs', options.pollMs ?? DefaultEmbeddedQueueOptions.pollMs);
    this.#heartbeatMs = positive(
      'heartbeatMs',
      options.heartbeatMs ?? Math.max(1, Math.floor(this.#leaseMs / 3)),
    );
    this.#signals = options.signals ?? null;
    this.#unlisten =
      this.#signals?.listen((m) => {
        if (m.kind === 'wake') this.#notify();
        else this.#abortLocal(m.workflowId);
      }) ?? null;
  }

  #abortLocal(workflowId: string): boolean {
    const job = this.#active.get(workflowId);
    job?.controller.abort(abortReason('workflow.cancel_requested'));
    return job !== undefined;
  }

  /** Number of jobs this process is running now. */
  get activeCount(): number {
    return this.#active.size;
  }

  // The row is already durable (the engine created it); enqueuing only wakes the loops, so it is idempotent.
  async enqueue(_workflowId: string, options: EnqueueOptions): Promise<void> {
    if (options.delayMs !== undefined && options.delayMs > 0) this.#wakeAfter(options.delayMs);
    else {
      this.#notify();
      this.#signal({ kind: 'wake' });
    }
  }

  /**
   * Stops a running job of this workflow now: here when this queue runs it, else in the linked queue that does.
   * The store's cancel flag (set by the engine first) stops it anyway at that run's next heartbeat.
   */
  async cancel(workflowId: string): Promise<void> {
    if (!this.#abortLocal(workflowId)) this.#signal({ kind: 'cancel', workflowId });
  }

  /** A lost signal only delays: the other queue polls, and heartbeats read the cancel flag. */
  #signal(signal: QueueSignal): void {
    if (this.#unlisten === null) return;
    try {
      this.#signals?.send(signal);
    } catch (e: unknown) {
      this.#logger.warn({ err: toAppError(e), signal: signal.kind }, 'queue signal not sent');
    }
  }

  async start(handler: JobHandler, options: { readonly concurrency: number }): Promise<void> {
    if (this.#handler !== null) throw new Error('EmbeddedQueue: start() was already called');
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(
        `EmbeddedQueue: concurrency must be a positive integer, received ${options.concurrency}`,
      );
    }
    this.#handler = handler;
    this.#concurrency = options.concurrency;
    this.#loop = this.#run();
  }

  async stop(options: { readonly graceMs: number }): Promise<void> {
    this.#stopping = true;
    this.#notify();
    await this.#loop;
    const settled = Promise.all([...this.#active.values()].map((j) => j.settled));
    if (this.#active.size > 0) {
      const grace = new AbortController();
      await Promise.race([settled, this.#clock.sleep(options.graceMs, grace.signal).catch(() => undefined)]);
      grace.abort();
      for (const job of this.#active.values()) job.controller.abort(abortReason('queue.shutdown'));
    }
    await settled;
    this.#life.abort();
    this.#unlisten?.();
    this.#unlisten = null;
  }

  #notify(): void {
    this.#woken = true;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #wakeAfter(ms: number): void {
    this.#clock.sleep(ms, this.#life.signal).then(
      () => this.#notify(),
      () => undefined,
    );
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      this.#woken = false;
      try {
        while (!this.#stopping && this.#active.size < this.#concurrency) {
          const claimed = await this.#store.claimNext({
            owner: this.#owner,
            now: this.#clock.now(),
            leaseMs: this.#leaseMs,
            // A run of ours whose lease expired during a stall is still live: never claim it a second time.
            busy: [...this.#active.keys()],
            ...(this.#perGuildLimit === undefined ? {} : { perGuildLimit: this.#perGuildLimit }),
            ...(this.#maxAttempts === undefined ? {} : { maxAttempts: this.#maxAttempts }),
          });
          if (claimed === null) break;
          if (claimed.runId === null) throw new Error(`claimed workflow ${claimed.id} carries no run id`);
          this.#launch({ workflowId: claimed.id, runId: claimed.runId });
        }
      } catch (e: unknown) {
        this.#logger.error(
          { err: toAppError(e, 'queue.claim_failed') },
          'claiming work failed; retrying after the poll interval',
        );
      }
      if (!this.#stopping && !this.#woken) await this.#idle();
    }
  }

  #idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const stopSleep = new AbortController();
      this.#wake = () => {
        stopSleep.abort();
        resolve();
      };
      this.#clock.sleep(this.#pollMs, stopSleep.signal).then(
        () => {
          this.#wake = null;
          resolve();
        },
        () => resolve(),
      );
    });
  }

  #launch(run: RunLease): void {
    const { workflowId } = run;
    const controller = new AbortController();
    const heartbeatStop = new AbortController();
    const handler = this.#handler as JobHandler;
    const heartbeats = this.#heartbeat(run, controller, heartbeatStop.signal);
    const settled = (async () => {
      try {
        const outcome = await handler({ workflowId, runId: run.runId, signal: controller.signal });
        // The engine has already released the row with its runAfter; only the wake-up is ours.
        if (outcome.kind === 'retry') this.#wakeAfter(outcome.delayMs);
      } catch (e: unknown) {
        const error = toAppError(e, 'queue.handler_failed');
        this.#logger.error({ err: error, workflowId }, 'job handler threw; releasing the workflow');
        const now = this.#clock.now();
        await this.#store
          .release(run, {
            now,
            runAfter: now + this.#pollMs,
            error: { code: error.code, message: error.userMessage },
          })
          .catch((releaseError: unknown) =>
            this.#logger.error(
              { err: toAppError(releaseError), workflowId },
              'release after a handler error failed',
            ),
          );
      } finally {
        heartbeatStop.abort();
        await heartbeats;
        this.#active.delete(workflowId);
        this.#notify();
      }
    })();
    this.#active.set(workflowId, { controller, settled });
  }

  /** Renews the lease until the job ends; aborts the job when the lease is lost or a cancel is seen. */
  #heartbeat(run: RunLease, job: AbortController, stop: AbortSignal): Promise<void> {
    return keepLease(run, job, stop, {
      store: this.#store,
      clock: this.#clock,
      logger: this.#logger,
      leaseMs: this.#leaseMs,
      everyMs: this.#heartbeatMs,
    });
  }
}
