// BullmqQueue guarantees beyond the shared queue contract: one job per id in Redis, the cross-worker guild limit,
// the reconciler, and cancellation by pub/sub without waiting for a heartbeat.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRedis, uniqueRedisPrefix } from '../../test/support/services.js';
import { SystemClock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { SqliteWorkflowStore } from '../store/sqlite/sqlite-store.js';
import type { WorkflowRequest } from '../store/store.js';
import { BullmqQueue, type BullmqQueueOptions } from './bullmq-queue.js';
import type { QueueJob } from './queue.js';

const redis = await checkRedis();
if (!redis.available) console.warn(`skipping BullmqQueue tests: ${redis.reason}`);

const clock = new SystemClock();
const request = (guildId: string | null): WorkflowRequest => ({
  url: 'https://example.com/x',
  depth: 'deep',
  requesterId: 'u',
  guildId,
  channelId: null,
  interactionId: null,
  origin: 'cli',
  delivery: {},
});

async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!redis.available)('BullmqQueue (Redis specifics)', () => {
  let dir: string;
  let store: SqliteWorkflowStore;
  let prefix: string;
  const queues: BullmqQueue[] = [];
  const make = (owner: string, extra: Partial<BullmqQueueOptions> = {}): BullmqQueue => {
    const q = new BullmqQueue({
      redisUrl: redis.url,
      prefix,
      store,
      owner,
      leaseMs: 2000,
      clock,
      reconcileIntervalMs: 0,
      ...extra,
    });
    queues.push(q);
    return q;
  };
  const create = async (guildId: string | null = null): Promise<string> => {
    const id = randomUUID();
    await store.createWorkflow({ id, request: request(guildId), now: clock.now() });
    return id;
  };
  const finish = (_owner: string) => async (job: QueueJob) => {
    await store.complete(job, { now: clock.now(), reportId: 'r' });
    return { kind: 'finished' } as const;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'autointel-bullmq-'));
    store = new SqliteWorkflowStore({ filename: join(dir, 'db.sqlite') });
    await store.migrate();
    prefix = uniqueRedisPrefix();
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close({ graceMs: 0 })));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    const r = new Redis(redis.url);
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length > 0) await r.del(...keys);
    await r.quit();
  });

  it('keeps one job in Redis for a workflow enqueued many times', async () => {
    const q = make('o');
    const id = await create();
    await Promise.all(Array.from({ length: 5 }, () => q.enqueue(id, { priority: 2, guildId: null })));
    const counts = await q.counts();
    expect(counts['prioritized'] ?? 0).toBe(1);
    expect((counts['waiting'] ?? 0) + (counts['delayed'] ?? 0)).toBe(0);
  });

  it('admits at most guildLimit running jobs of one guild across all workers', async () => {
    const a = make('a', { guildLimit: 1, guildRetryMs: 100 });
    const b = make('b', { guildLimit: 1, guildRetryMs: 100 });
    const ids = [await create('busy'), await create('busy'), await create('busy'), await create('other')];
    for (const id of ids) await a.enqueue(id, { priority: 1, guildId: id === ids[3] ? 'other' : 'busy' });
    let busyNow = 0;
    let busyMax = 0;
    let otherDone = false;
    let otherRanWhileBusy = false;
    const handler = (owner: string) => async (job: QueueJob) => {
      if (job.workflowId === ids[3]) {
        otherRanWhileBusy = busyNow > 0;
        otherDone = true;
      } else {
        busyMax = Math.max(busyMax, ++busyNow);
        // The busy guild holds its one slot until the other guild has run: a full guild must not block others.
        await waitFor('the other guild to run', () => otherDone, 10_000);
        await new Promise((r) => setTimeout(r, 50));
        busyNow--;
      }
      return finish(owner)(job);
    };
    await a.start(handler('a'), { concurrency: 2 });
    await b.start(handler('b'), { concurrency: 2 });
    await waitFor('all four to complete', async () =>
      (await Promise.all(ids.map((id) => store.getWorkflow(id)))).every((w) => w?.status === 'completed'),
    );
    expect(busyMax).toBe(1);
    expect(otherRanWhileBusy).toBe(true);
  });

  it('reconcile() enqueues a queued workflow whose job never reached Redis, and only once', async () => {
    const q = make('o');
    const id = await create();
    expect(await q.reconcile()).toBe(1);
    expect(await q.reconcile()).toBe(0);
    const ran: string[] = [];
    await q.start(
      (job) => {
        ran.push(job.workflowId);
        return finish('o')(job);
      },
      { concurrency: 1 },
    );
    await waitFor(
      'the reconciled workflow to complete',
      async () => (await store.getWorkflow(id))?.status === 'completed',
    );
    expect(ran).toEqual([id]);
  });

  it('cancel(id) aborts the job on the worker running it without waiting for a heartbeat', async () => {
    // A heartbeat far in the future: only the pub/sub message can deliver the cancel in time.
    const worker = make('w', { heartbeatMs: 600_000 });
    const front = make('front');
    const id = await create();
    let code: string | null = null;
    let started = false;
    await front.enqueue(id, { priority: 1, guildId: null });
    await worker.start(
      async (job) => {
        started = true;
        await new Promise<void>((r) => job.signal.addEventListener('abort', () => r(), { once: true }));
        code = job.signal.reason instanceof AppError ? job.signal.reason.code : 'other';
        await store.markCancelled(job, clock.now());
        return { kind: 'finished' };
      },
      { concurrency: 1 },
    );
    await waitFor('the job to start', () => started);
    await front.cancel(id);
    await waitFor('the job to see the cancel', () => code !== null, 5000);
    expect(code).toBe('workflow.cancel_requested');
  });

  it('rejects invalid options naming the option and the value', () => {
    expect(() => make('o', { leaseMs: 0 })).toThrow(/`leaseMs`.*received 0/);
    expect(() => make('', {})).toThrow(/`owner`/);
    expect(() => make('o', { redisUrl: 'http://x' })).toThrow(/`redisUrl`/);
  });
});
