// What the workflow queue and the chunk queue set up alike on BullMQ: their Redis connections and a worker whose job
// lock is the lease (lock duration = stalled-check interval, so a killed worker's job moves on within one lease).
import type { Worker, WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

/**
 * The producer side (adding, removing, counting jobs): it fails fast when Redis is down, since what it would add is
 * already durable in the store and is enqueued again later.
 */
export function producerConnection(redisUrl: string, logger: Logger): Redis {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
  client.on('error', (e: unknown) => logger.warn({ err: e }, 'redis connection error'));
  return client;
}

/** A blocking connection (a worker's, a subscriber's): BullMQ requires it to retry forever. */
export function blockingConnection(redisUrl: string, logger: Logger, what: string): Redis {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', (e: unknown) => logger.warn({ err: e }, `redis ${what} connection error`));
  return connection;
}

/** Worker options whose job lock is the lease; the worker is started by `run()` once its events are watched. */
export function leasedWorkerOptions(o: {
  readonly connection: Redis;
  readonly prefix: string;
  readonly concurrency: number;
  readonly lockMs: number;
  readonly maxStalledCount: number;
}): WorkerOptions {
  return {
    connection: o.connection,
    prefix: o.prefix,
    concurrency: o.concurrency,
    lockDuration: o.lockMs,
    stalledInterval: o.lockMs,
    maxStalledCount: o.maxStalledCount,
    autorun: false,
  };
}

/**
 * Logs a worker's errors and stalled jobs, and calls `lockLost` for each job whose lock could not be renewed: it is
 * presumed taken over by another worker, so this process must stop working on it.
 */
export function watchLeasedWorker(
  worker: Worker,
  logger: Logger,
  what: string,
  lockLost: (jobId: string) => void,
): void {
  worker.on('error', (e: unknown) => logger.warn({ err: e }, `${what} worker error`));
  worker.on('lockRenewalFailed', (ids: string[]) => {
    for (const id of ids) lockLost(id);
  });
  worker.on('stalled', (id: string) => logger.info({ job: id }, `stalled ${what} job moved back to wait`));
}

/** Whether `p` settles within `ms` on `clock` (a stop's grace period); the timer is cleared either way. */
export async function settlesWithin(clock: Clock, p: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const won = await Promise.race([
    p.then(() => true),
    clock.sleep(ms, timer.signal).then(
      () => false,
      () => false,
    ),
  ]);
  timer.abort();
  return won;
}
