// The scale-out WorkQueue on BullMQ + Redis: any number of worker processes on any machines share one queue.
//
// How the port's promises are kept:
// - idempotent enqueue: the BullMQ job id is the workflow id; adding an existing id is a no-op.
// - claiming and leases (see workflow/types.ts): for each job this queue claims the workflow row with
//   `store.claim(id)` under `owner` (the engine's owner id), heartbeats the store lease while the handler runs and
//   aborts the job's signal when the lease is lost or a cancel is seen. BullMQ's lock renewal is the Redis side of
//   the same heartbeat: `leaseMs` is the lock duration AND the stalled-check interval, so a killed worker's job is
//   back in the wait list within 2 × leaseMs (BullMQ's defaults would take ~60 s) and another worker resumes it;
//   the engine skips stages already checkpointed in the store. A job whose row cannot be claimed yet (not due, or
//   the dead worker's store lease has not expired) is retried when it will be; a finished row drops the job.
// - retry with delay: the handler's `retry` outcome becomes a BullMQ retry whose backoff is exactly `delayMs`
//   (a custom backoff strategy), so BullMQ computes the due time itself and no wall clock is read here.
// - per-guild concurrency: BullMQ groups are a Pro feature, so a Redis semaphore (one sorted set per guild, members
//   expiring after a lease, taken in a Lua script using the Redis server's time) admits at most `guildLimit`
//   running jobs per guild across all workers; a job finding its guild full is retried after `guildRetryMs`.
// - cancellation: the store's cancel flag comes back with every heartbeat, and `cancel(id)` publishes on a Redis
//   channel that every worker listens to (no heartbeat wait); either aborts the job's AbortSignal with
//   `workflow.cancel_requested` on whichever machine runs it.
// - shutdown: stop() stops fetching, lets running jobs finish for `graceMs`, then aborts them (the engine releases
//   the workflow), and after `forceMs` more abandons any that still hang — their locks expire and another worker
//   takes over.
// - reconciler: the store is the source of truth. Queued workflows with no live job (enqueue failed, Redis lost
//   data) are enqueued again, once at start and then every `reconcileIntervalMs`.
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { SystemClock, type Clock } from '../core/clock.js';
import { PermanentError, RetryLaterError, toAppError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import {
  blockingConnection,
  leasedWorkerOptions,
  settlesWithin,
  producerConnection,
  watchLeasedWorker,
} from './bullmq-connections.js';
import type { RunLease, WorkflowLeaseStore, WorkflowRecord } from '../store/store.js';
import type { EnqueueOptions, JobHandler, JobOutcome, WorkQueue } from './queue.js';
import { keepLease } from './lease.js';
import { abortReason, DEPTH_PRIORITY } from './types.js';

export interface BullmqQueueOptions {
  /** `redis://host:port[/db]`. */
  readonly redisUrl: string;
  /** Key prefix in Redis; give each deployment (and each test) its own. */
  readonly prefix?: string;
  readonly queueName?: string;
  /** The source of truth: rows are claimed, heartbeated and reconciled here. */
  readonly store: WorkflowLeaseStore;
  /** Lease owner id of this process; the engine must be built with the same one. */
  readonly owner: string;
  /** Store lease and BullMQ lock duration; also the stalled-check interval. */
  readonly leaseMs: number;
  /** How often a running job's store lease is renewed; a third of the lease unless given. */
  readonly heartbeatMs?: number;
  /** Store times (`now`) come from here; BullMQ keeps its own (Redis) time for delays. */
  readonly clock?: Clock;
  /** Max running jobs per guild across every worker; unset = no per-guild limit. */
  readonly guildLimit?: number;
  readonly guildRetryMs?: number;
  /** Global rate limit over every worker: at most `max` jobs started per `durationMs`. */
  readonly rateLimit?: { readonly max: number; readonly durationMs: number };
  /** 0 disables the periodic reconciler (it still runs once at start). */
  readonly reconcileIntervalMs?: number;
  /** After this many stalls (worker deaths) in a row a job is failed: a poison job must not kill workers forever. */
  readonly maxStalledCount?: number;
  /**
   * Claims after which the store fails a workflow instead of handing it out again (a stage that kills its
   * process ends its crash loop, whatever Redis remembers). Unset: no limit.
   */
  readonly maxAttempts?: number;
  /** How long stop() waits, after aborting, for handlers that ignore their signal. */
  readonly forceMs?: number;
  /** Backoff when the handler throws instead of returning an outcome. */
  readonly crashBackoff?: { readonly baseMs: number; readonly maxMs: number };
  readonly priorityFor?: (workflow: WorkflowRecord) => number;
  readonly logger?: Logger;
}

export const DefaultBullmqQueueOptions = {
  prefix: 'autointel',
  queueName: 'workflows',
  guildRetryMs: 2000,
  reconcileIntervalMs: 60_000,
  maxStalledCount: 50,
  forceMs: 5000,
  crashBackoff: { baseMs: 1000, maxMs: 5 * 60_000 },
} as const satisfies Partial<BullmqQueueOptions>;

interface JobData {
  readonly guildId: string | null;
}

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<unknown>;
}

/** Thrown inside the processor to make BullMQ retry after exactly `delayMs` (see backoffStrategy). */
class RetryAfter extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'RetryAfter';
  }
}

const BACKOFF_TYPE = 'autointel';
const MAX_PRIORITY = 2_097_151;
/** BullMQ retries until the handler says it is finished; the engine counts attempts in the store. */
const ATTEMPTS = 2 ** 31 - 1;

// Members expire after a lease, measured with the Redis server's clock so machines need not agree on time.
const GUILD_ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return 1
end
return 0`;

function positive(name: string, value: number | undefined, integer = true): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(`BullmqQueue: option \`${name}\` must be a positive integer, received ${value}`);
  }
}

export class BullmqQueue implements WorkQueue {
  readonly #o: BullmqQueueOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #prefix: string;
  readonly #queueName: string;
  readonly #client: Redis;
  readonly #queue: Queue<JobData>;
  readonly #running = new Map<string, Running>();
  readonly #lifetime = new AbortController();
  #worker: Worker<JobData> | null = null;
  #workerConnection: Redis | null = null;
  #subscriber: Redis | null = null;
  #reconcileLoop: Promise<void> | null = null;
  #abandoned = false;
  #closed = false;

  constructor(options: BullmqQueueOptions) {
    if (!/^rediss?:\/\//.test(options.redisUrl)) {
      throw new RangeError('BullmqQueue: option `redisUrl` must be a redis:// or rediss:// URL');
    }
    positive('leaseMs', options.leaseMs);
    positive('guildLimit', options.guildLimit);
    positive('guildRetryMs', options.guildRetryMs);
    positive('heartbeatMs', options.heartbeatMs);
    if (typeof options.owner !== 'string' || options.owner.length === 0) {
      throw new RangeError(
        `BullmqQueue: option \`owner\` must be a non-empty string, received ${String(options.owner)}`,
      );
    }
    positive('maxStalledCount', options.maxStalledCount);
    positive('maxAttempts', options.maxAttempts);
    positive('forceMs', options.forceMs);
    if (options.rateLimit !== undefined) {
      positive('rateLimit.max', options.rateLimit.max);
      positive('rateLimit.durationMs', options.rateLimit.durationMs);
    }
    if (options.reconcileIntervalMs !== undefined && options.reconcileIntervalMs !== 0) {
      positive('reconcileIntervalMs', options.reconcileIntervalMs);
    }
    this.#o = options;
    this.#clock = options.clock ?? new SystemClock();
    this.#logger = (options.logger ?? createLogger({ level: 'silent' })).child({ component: 'bullmq-queue' });
    this.#prefix = options.prefix ?? DefaultBullmqQueueOptions.prefix;
    this.#queueName = options.queueName ?? DefaultBullmqQueueOptions.queueName;
    // Producer side fails fast when Redis is down: the row is already durable and the reconciler enqueues it later.
    this.#client = producerConnection(options.redisUrl, this.#logger);
    this.#queue = new Queue<JobData>(this.#queueName, { connection: this.#client, prefix: this.#prefix });
    this.#queue.on('error', (e: unknown) => this.#logger.warn({ err: e }, 'queue error'));
  }

  get #cancelChannel(): string {
    return `${this.#prefix}:${this.#queueName}:cancel`;
  }

  #guildKey(guildId: string): string {
    return `${this.#prefix}:${this.#queueName}:guild:${guildId}`;
  }

  async enqueue(workflowId: string, options: EnqueueOptions): Promise<void> {
    if (!Number.isInteger(options.priority) || options.priority < 0 || options.priority > MAX_PRIORITY) {
      throw new RangeError(
        `BullmqQueue.enqueue: priority must be an integer in [0, ${MAX_PRIORITY}], received ${options.priority}`,
      );
    }
    try {
      await this.#queue.add(
        'workflow',
        { guildId: options.guildId },
        {
          jobId: workflowId,
          priority: options.priority,
          delay: Math.max(0, options.delayMs ?? 0),
          attempts: ATTEMPTS,
          backoff: { type: BACKOFF_TYPE },
          stackTraceLimit: 0,
          // A finished job is kept a day so a late duplicate enqueue of the same id stays a no-op.
          removeOnComplete: { age: 86_400, count: 100_000 },
          removeOnFail: { age: 7 * 86_400 },
        },
      );
    } catch (e: unknown) {
      throw new RetryLaterError('queue.unavailable', 'Could not enqueue the workflow in Redis', {
        cause: e,
        context: { workflowId },
        userMessage: 'The job queue is not reachable right now; the request is saved and will start later.',
      });
    }
  }

  async start(handler: JobHandler, options: { readonly concurrency: number }): Promise<void> {
    positive('concurrency', options.concurrency);
    if (this.#worker !== null) throw new Error('BullmqQueue.start: already started');
    if (this.#closed) throw new Error('BullmqQueue.start: the queue is closed');
    const o = this.#o;
    this.#workerConnection = blockingConnection(o.redisUrl, this.#logger, 'worker');
    const worker = new Worker<JobData>(
      this.#queueName,
      (job, token, signal) => this.#process(handler, job, signal),
      {
        ...leasedWorkerOptions({
          connection: this.#workerConnection,
          prefix: this.#prefix,
          concurrency: options.concurrency,
          lockMs: o.leaseMs,
          maxStalledCount: o.maxStalledCount ?? DefaultBullmqQueueOptions.maxStalledCount,
        }),
        ...(o.rateLimit === undefined
          ? {}
          : { limiter: { max: o.rateLimit.max, duration: o.rateLimit.durationMs } }),
        settings: {
          backoffStrategy: (_attempts: number, type?: string, err?: Error) =>
            type === BACKOFF_TYPE && err instanceof RetryAfter ? err.delayMs : 0,
        },
      },
    );
    // Lock renewal is the heartbeat: when it fails the job is presumed taken over, so its stage must stop.
    watchLeasedWorker(worker, this.#logger, 'workflow', (id) =>
      this.#running.get(id)?.controller.abort(abortReason('queue.lease_lost')),
    );
    this.#worker = worker;

    this.#subscriber = blockingConnection(o.redisUrl, this.#logger, 'subscriber');
    this.#subscriber.on('message', (_channel: string, workflowId: string) => {
      this.#running.get(workflowId)?.controller.abort(abortReason('workflow.cancel_requested'));
    });
    await this.#subscriber.subscribe(this.#cancelChannel);
    await worker.waitUntilReady();
    // run() resolves only when the worker closes; its failure is logged, never left unhandled.
    worker.run().catch((e: unknown) => this.#logger.error({ err: e }, 'worker loop failed'));
    this.#reconcileLoop = this.#reconcileForever();
  }

  async #process(
    handler: JobHandler,
    job: Job<JobData>,
    bullSignal: AbortSignal | undefined,
  ): Promise<string> {
    const workflowId = job.id;
    if (workflowId === undefined) throw new UnrecoverableError('job without id');
    const o = this.#o;
    // BullMQ hands a stalled job out again, possibly to this very worker while its first run still goes on
    // (an event loop stalled past the lock): one process never runs a workflow twice at once. Checked before the
    // guild slot, which the live run holds under the same member.
    if (this.#running.has(workflowId)) {
      throw new RetryAfter(o.leaseMs, 'this worker is still running the workflow');
    }
    const guildId = o.guildLimit !== undefined ? job.data.guildId : null;
    if (guildId !== null && !(await this.#acquireGuild(guildId, workflowId, o.guildLimit ?? 0))) {
      throw new RetryAfter(o.guildRetryMs ?? DefaultBullmqQueueOptions.guildRetryMs, 'guild at its limit');
    }
    let outcome: JobOutcome;
    try {
      const now = this.#clock.now();
      const claimed = await o.store.claim(workflowId, {
        owner: o.owner,
        now,
        leaseMs: o.leaseMs,
        ...(o.maxAttempts === undefined ? {} : { maxAttempts: o.maxAttempts }),
      });
      if (claimed === null || claimed.runId === null) {
        const wait = await this.#notClaimable(workflowId, now);
        if (wait === null) return 'skipped';
        throw new RetryAfter(wait, 'workflow not claimable yet');
      }
      outcome = await this.#runClaimed(
        handler,
        job,
        { workflowId, runId: claimed.runId },
        guildId,
        bullSignal,
      );
    } finally {
      if (guildId !== null && !this.#abandoned) {
        await this.#client.zrem(this.#guildKey(guildId), workflowId).catch(() => undefined);
      }
    }
    if (this.#abandoned) throw new UnrecoverableError('worker abandoned');
    if (outcome.kind === 'retry')
      throw new RetryAfter(Math.max(0, outcome.delayMs), 'handler asked to retry');
    return 'finished';
  }

  /** Why a job's row could not be claimed: null = nothing left to do (drop the job), else retry after ms. */
  async #notClaimable(workflowId: string, now: number): Promise<number | null> {
    const w = await this.#o.store.getWorkflow(workflowId);
    if (w === null || w.status === 'completed' || w.status === 'failed' || w.status === 'cancelled')
      return null;
    // Not due yet (clocks differ a little between machines), or a dead worker's lease has not expired yet.
    const until = w.status === 'queued' ? w.runAfter : (w.leaseExpiresAt ?? now);
    return Math.max(50, until - now + 50);
  }

  async #runClaimed(
    handler: JobHandler,
    job: Job<JobData>,
    lease: RunLease,
    guildId: string | null,
    bullSignal: AbortSignal | undefined,
  ): Promise<JobOutcome> {
    const { workflowId } = lease;
    const controller = new AbortController();
    const onBullAbort = (): void => controller.abort(abortReason('queue.lease_lost'));
    bullSignal?.addEventListener('abort', onBullAbort, { once: true });
    const stopHeartbeat = new AbortController();
    const heartbeats = this.#heartbeat(lease, guildId, controller, stopHeartbeat.signal);
    const run = (async (): Promise<JobOutcome> => {
      try {
        return await handler({ workflowId, runId: lease.runId, signal: controller.signal });
      } catch (e: unknown) {
        // The engine resolves with an outcome after writing the row; a throw means it could not: release here.
        const error = toAppError(e, 'queue.handler_failed');
        const { baseMs, maxMs } = this.#o.crashBackoff ?? DefaultBullmqQueueOptions.crashBackoff;
        const delayMs = Math.min(maxMs, baseMs * 2 ** Math.min(20, job.attemptsMade));
        this.#logger.error({ err: error, workflowId }, 'job handler threw; releasing the workflow');
        if (!this.#abandoned) {
          const now = this.#clock.now();
          await this.#o.store
            .release(lease, {
              now,
              runAfter: now + delayMs,
              error: { code: error.code, message: error.userMessage },
            })
            .catch((releaseError: unknown) =>
              this.#logger.error(
                { err: toAppError(releaseError), workflowId },
                'release after a handler error failed',
              ),
            );
        }
        return { kind: 'retry', delayMs };
      }
    })();
    this.#running.set(workflowId, { controller, done: run });
    try {
      return await run;
    } finally {
      stopHeartbeat.abort();
      await heartbeats;
      bullSignal?.removeEventListener('abort', onBullAbort);
      this.#running.delete(workflowId);
    }
  }

  async #acquireGuild(guildId: string, workflowId: string, limit: number): Promise<boolean> {
    const r = await this.#client.eval(
      GUILD_ACQUIRE,
      1,
      this.#guildKey(guildId),
      workflowId,
      this.#o.leaseMs,
      limit,
    );
    return r === 1;
  }

  /** Renews the store lease (and the guild slot) until the job ends; aborts it when the lease is lost or cancelled. */
  #heartbeat(
    lease: RunLease,
    guildId: string | null,
    job: AbortController,
    stop: AbortSignal,
  ): Promise<void> {
    const o = this.#o;
    const { workflowId } = lease;
    return keepLease(lease, job, stop, {
      store: o.store,
      clock: this.#clock,
      logger: this.#logger,
      leaseMs: o.leaseMs,
      everyMs: o.heartbeatMs ?? Math.max(1, Math.floor(o.leaseMs / 3)),
      abandoned: () => this.#abandoned,
      ...(guildId === null
        ? {}
        : {
            beforeBeat: () =>
              this.#acquireGuild(guildId, workflowId, Number.MAX_SAFE_INTEGER).then(() => undefined),
          }),
    });
  }

  /** Aborts the workflow's running stage on whichever worker runs it (best effort; the store flag is the record). */
  async cancel(workflowId: string): Promise<void> {
    await this.#client.publish(this.#cancelChannel, workflowId);
  }

  /**
   * Enqueues store workflows that should be queued but have no live job. Returns how many were enqueued.
   * Safe to run in every process at once: enqueue is idempotent per workflow id.
   */
  async reconcile(limit = 1000): Promise<number> {
    const store = this.#o.store;
    const now = this.#clock.now();
    const rows = await store.listWorkflows({ statuses: ['queued', 'running'], limit });
    let enqueued = 0;
    for (const w of rows) {
      if (w.status === 'running' && (w.leaseExpiresAt ?? 0) > now) continue;
      const job = await this.#queue.getJob(w.id);
      if (job !== undefined) {
        const state = await job.getState();
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown') continue;
        // A finished job would make the re-add a no-op: the store says the work is not done, so replace it.
        await job.remove().catch(() => undefined);
      }
      const priority = this.#o.priorityFor?.(w) ?? DEPTH_PRIORITY[w.request.depth];
      await this.enqueue(w.id, {
        priority,
        guildId: w.request.guildId,
        delayMs: Math.max(0, w.runAfter - now),
      });
      enqueued++;
    }
    if (enqueued > 0) this.#logger.info({ enqueued }, 'reconciler enqueued workflows missing from Redis');
    return enqueued;
  }

  async #reconcileForever(): Promise<void> {
    const every = this.#o.reconcileIntervalMs ?? DefaultBullmqQueueOptions.reconcileIntervalMs;
    const signal = this.#lifetime.signal;
    while (!signal.aborted) {
      try {
        await this.reconcile();
      } catch (e: unknown) {
        this.#logger.warn({ err: toAppError(e) }, 'reconcile failed');
      }
      if (every === 0) return;
      await this.#clock.sleep(every, signal).catch(() => undefined);
    }
  }

  async stop(options: { readonly graceMs: number }): Promise<void> {
    const worker = this.#worker;
    if (worker === null) return;
    this.#worker = null;
    this.#lifetime.abort();
    // Take no more jobs; the running ones keep their locks.
    await worker.pause(true);
    const settled = (): Promise<unknown> =>
      Promise.allSettled([...this.#running.values()].map((r) => r.done));
    if (!(await settlesWithin(this.#clock, settled(), options.graceMs))) {
      for (const r of this.#running.values()) r.controller.abort(abortReason('queue.shutdown'));
      await settlesWithin(this.#clock, settled(), this.#o.forceMs ?? DefaultBullmqQueueOptions.forceMs);
    }
    // Handlers have returned, but their outcomes (retry/complete) are still being written: wait for those too,
    // unless a handler ignored its signal, in which case its lock is simply left to expire.
    const hung = this.#running.size > 0;
    if (hung) this.#logger.warn({ hung: [...this.#running.keys()] }, 'forcing shutdown; locks will expire');
    await worker.close(hung);
    await this.#reconcileLoop;
    this.#reconcileLoop = null;
    await this.#closeWorkerConnections();
  }

  async #closeWorkerConnections(): Promise<void> {
    const subscriber = this.#subscriber;
    const connection = this.#workerConnection;
    this.#subscriber = null;
    this.#workerConnection = null;
    await subscriber?.quit().catch(() => subscriber.disconnect());
    await connection?.quit().catch(() => connection.disconnect());
  }

  /**
   * Dies on the spot as a crashed process would: no lock is released, no outcome written, running handlers are
   * aborted and ignored. Another worker resumes the jobs once their locks expire. For crash drills and tests.
   */
  async abandon(): Promise<void> {
    this.#abandoned = true;
    this.#lifetime.abort();
    const worker = this.#worker;
    this.#worker = null;
    for (const r of this.#running.values())
      r.controller.abort(new PermanentError('queue.abandoned', 'abandoned'));
    this.#subscriber?.disconnect();
    this.#workerConnection?.disconnect();
    await worker?.close(true).catch(() => undefined);
    this.#subscriber = null;
    this.#workerConnection = null;
    this.#client.disconnect();
    this.#closed = true;
  }

  /** Stops consuming (if started) and closes every Redis connection. */
  async close(options: { readonly graceMs: number } = { graceMs: 0 }): Promise<void> {
    if (this.#closed) return;
    await this.stop(options);
    this.#closed = true;
    await this.#queue.close().catch(() => undefined);
    await this.#client.quit().catch(() => this.#client.disconnect());
  }

  /** Counts of jobs by state, for doctor and metrics. */
  async counts(): Promise<Record<string, number>> {
    return this.#queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
  }
}
