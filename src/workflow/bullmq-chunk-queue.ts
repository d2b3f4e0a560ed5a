// The scale-out chunk-job queue on BullMQ: one job per chunk of a recording in its own queue (`chunks`), so every
// worker process on every machine takes chunks of one long recording.
//
// How the port's promises are kept:
// - idempotent enqueue: the job id is `<workflowId>#<chunkIndex>` (BullMQ refuses ids with a single `:`); adding an
//   id that is waiting or running is a no-op. Finished and failed jobs are removed at once — the chunk store keeps the
//   outcome — so the owning run's periodic re-enqueue of unfinished chunks brings back a job lost with Redis, and a
//   re-added job for a chunk that has a result is dropped by the handler without transcribing.
// - a dead worker: `lockMs` is the lock duration AND the stalled-check interval, as for the workflow queue, so a
//   killed worker's chunk is back in the wait list within 2 × lockMs and another worker transcribes it. A chunk
//   transcribed twice that way (the first worker only stalled) is still one result: the store keeps the first.
// - a handler that throws (the store unreachable, shutdown mid-chunk) is retried with backoff up to `attempts`; the
//   owning run re-enqueues it later if every attempt threw.
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { SystemClock, type Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import {
  blockingConnection,
  leasedWorkerOptions,
  settlesWithin,
  producerConnection,
  watchLeasedWorker,
} from './bullmq-connections.js';
import {
  chunkJobId,
  type ChunkJob,
  type ChunkJobHandler,
  type ChunkJobQueue,
} from '../analysis/transcribe/chunk-queue.js';

export interface BullmqChunkQueueOptions {
  /** `redis://host:port[/db]`. */
  readonly redisUrl: string;
  /** Key prefix in Redis, shared with the workflow queue of the same deployment. */
  readonly prefix?: string;
  readonly queueName?: string;
  /** Lock duration and stalled-check interval of a running chunk job. */
  readonly lockMs: number;
  /** After this many stalls in a row a chunk job is dropped (the owning run queues it again later). */
  readonly maxStalledCount?: number;
  /** Tries of a job whose handler threw, with exponential backoff from `backoffMs`. */
  readonly attempts?: number;
  readonly backoffMs?: number;
  /** How long stop() waits, after aborting, for handlers that ignore their signal. */
  readonly forceMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export const DefaultBullmqChunkQueueOptions = {
  prefix: 'autointel',
  queueName: 'chunks',
  maxStalledCount: 10,
  attempts: 5,
  backoffMs: 1000,
  forceMs: 5000,
} as const satisfies Partial<BullmqChunkQueueOptions>;

function positive(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(
      `BullmqChunkQueue: option \`${name}\` must be a positive integer, received ${value}`,
    );
  }
}

export class BullmqChunkQueue implements ChunkJobQueue {
  readonly #o: BullmqChunkQueueOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #prefix: string;
  readonly #queueName: string;
  readonly #client: Redis;
  readonly #queue: Queue<ChunkJob>;
  readonly #running = new Map<string, AbortController>();
  #worker: Worker<ChunkJob> | null = null;
  #workerConnection: Redis | null = null;
  #closed = false;

  constructor(options: BullmqChunkQueueOptions) {
    if (!/^rediss?:\/\//.test(options.redisUrl)) {
      throw new RangeError('BullmqChunkQueue: option `redisUrl` must be a redis:// or rediss:// URL');
    }
    positive('lockMs', options.lockMs);
    positive('maxStalledCount', options.maxStalledCount);
    positive('attempts', options.attempts);
    positive('backoffMs', options.backoffMs);
    positive('forceMs', options.forceMs);
    this.#o = options;
    this.#clock = options.clock ?? new SystemClock();
    this.#logger = (options.logger ?? createLogger({ level: 'silent' })).child({
      component: 'bullmq-chunk-queue',
    });
    this.#prefix = options.prefix ?? DefaultBullmqChunkQueueOptions.prefix;
    this.#queueName = options.queueName ?? DefaultBullmqChunkQueueOptions.queueName;
    this.#client = producerConnection(options.redisUrl, this.#logger);
    this.#queue = new Queue<ChunkJob>(this.#queueName, { connection: this.#client, prefix: this.#prefix });
    this.#queue.on('error', (e: unknown) => this.#logger.warn({ err: e }, 'chunk queue error'));
  }

  async enqueue(jobs: readonly ChunkJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.#queue.addBulk(
      jobs.map((job) => ({
        name: 'chunk',
        data: { workflowId: job.workflowId, index: job.index },
        opts: {
          jobId: chunkJobId(job),
          attempts: this.#o.attempts ?? DefaultBullmqChunkQueueOptions.attempts,
          backoff: {
            type: 'exponential',
            delay: this.#o.backoffMs ?? DefaultBullmqChunkQueueOptions.backoffMs,
          },
          stackTraceLimit: 0,
          removeOnComplete: true,
          removeOnFail: true,
        },
      })),
    );
  }

  async discard(jobs: readonly ChunkJob[]): Promise<void> {
    for (const job of jobs) {
      // A running job holds its lock and is not removed; it finds its chunk gone or settled and changes nothing.
      await this.#queue.remove(chunkJobId(job)).catch(() => 0);
    }
  }

  async busy(): Promise<boolean> {
    return (await this.#queue.getActiveCount()) > 0;
  }

  async start(handler: ChunkJobHandler, options: { readonly concurrency: number }): Promise<void> {
    positive('concurrency', options.concurrency);
    if (this.#worker !== null) throw new Error('BullmqChunkQueue.start: already started');
    if (this.#closed) throw new Error('BullmqChunkQueue.start: the queue is closed');
    const o = this.#o;
    this.#workerConnection = blockingConnection(o.redisUrl, this.#logger, 'worker');
    const worker = new Worker<ChunkJob>(
      this.#queueName,
      (job, _token, signal) => this.#process(handler, job, signal),
      leasedWorkerOptions({
        connection: this.#workerConnection,
        prefix: this.#prefix,
        concurrency: options.concurrency,
        lockMs: o.lockMs,
        maxStalledCount: o.maxStalledCount ?? DefaultBullmqChunkQueueOptions.maxStalledCount,
      }),
    );
    // Lock renewal failed: the job is presumed taken over, so this process stops transcribing it.
    watchLeasedWorker(worker, this.#logger, 'chunk', (id) =>
      this.#running.get(id)?.abort(new Error('chunk job lock lost')),
    );
    this.#worker = worker;
    await worker.waitUntilReady();
    worker.run().catch((e: unknown) => this.#logger.error({ err: e }, 'chunk worker loop failed'));
  }

  async #process(
    handler: ChunkJobHandler,
    job: Job<ChunkJob>,
    bullSignal: AbortSignal | undefined,
  ): Promise<void> {
    const id = job.id ?? chunkJobId(job.data);
    const controller = new AbortController();
    const onBullAbort = (): void => controller.abort(new Error('chunk job cancelled by the queue'));
    bullSignal?.addEventListener('abort', onBullAbort, { once: true });
    this.#running.set(id, controller);
    try {
      await handler({ workflowId: job.data.workflowId, index: job.data.index }, controller.signal);
    } catch (e: unknown) {
      this.#logger.warn({ err: toAppError(e), job: id }, 'chunk job failed without a result; will retry');
      throw e;
    } finally {
      bullSignal?.removeEventListener('abort', onBullAbort);
      this.#running.delete(id);
    }
  }

  async stop(options: { readonly graceMs: number }): Promise<void> {
    const worker = this.#worker;
    if (worker === null) return;
    this.#worker = null;
    // close() takes no more jobs and waits for the running ones; they get the grace period, then their signal.
    const closing = worker.close();
    if (!(await settlesWithin(this.#clock, closing, options.graceMs))) {
      for (const c of this.#running.values()) c.abort(new Error('chunk queue stopped'));
      if (
        !(await settlesWithin(
          this.#clock,
          closing,
          this.#o.forceMs ?? DefaultBullmqChunkQueueOptions.forceMs,
        ))
      ) {
        this.#logger.warn(
          { hung: [...this.#running.keys()] },
          'forcing shutdown; chunk job locks will expire',
        );
        await worker.close(true);
      }
    }
    const connection = this.#workerConnection;
    this.#workerConnection = null;
    await connection?.quit().catch(() => connection.disconnect());
  }

  /**
   * Dies on the spot as a crashed process would: running handlers are aborted and nothing is settled, so their
   * locks expire and another worker takes the chunks. For crash drills and tests.
   */
  async abandon(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    this.#closed = true;
    for (const c of this.#running.values()) c.abort(new Error('abandoned'));
    this.#workerConnection?.disconnect();
    this.#workerConnection = null;
    await worker?.close(true).catch(() => undefined);
    this.#client.disconnect();
  }

  /** Stops consuming (if started) and closes every Redis connection. */
  async close(options: { readonly graceMs: number } = { graceMs: 0 }): Promise<void> {
    if (this.#closed) return;
    await this.stop(options);
    this.#closed = true;
    await this.#queue.close().catch(() => undefined);
    await this.#client.quit().catch(() => this.#client.disconnect());
  }

  /** Counts of chunk jobs by state, for doctor and metrics. */
  async counts(): Promise<Record<string, number>> {
    return this.#queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  }
}
