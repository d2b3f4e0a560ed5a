// Runs the WorkQueue contract against BullmqQueue on the real Redis, with the PostgreSQL store (the scale-out pair).
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { PostgresWorkflowStore } from '../../src/store/postgres/postgres-store.js';
import { BullmqQueue } from '../../src/workflow/bullmq-queue.js';
import type { WorkQueue } from '../../src/workflow/queue.js';
import { checkPostgres, checkRedis, createTestSchema, uniqueRedisPrefix } from '../support/services.js';
import { describeQueueContract } from './queue.contract.js';

const postgres = await checkPostgres();
const redis = await checkRedis();
const skipReason = [postgres, redis].flatMap((s) => (s.available ? [] : [s.reason])).join(' ');
if (skipReason !== '') console.warn(`skipping the BullmqQueue contract: ${skipReason}`);

/** Deletes every key under the prefix, so test runs leave Redis as they found it. */
async function dropPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    await r.quit();
  }
}

describe.skipIf(skipReason !== '')('BullmqQueue', () => {
  describeQueueContract('BullmqQueue (Redis + PostgreSQL)', async () => {
    const schema = await createTestSchema(postgres.url);
    const store = new PostgresWorkflowStore({
      connectionString: postgres.url,
      schema: schema.schema,
      maxConnections: 4,
    });
    await store.migrate();
    const clock = new SystemClock();
    const prefix = uniqueRedisPrefix();
    const leaseMs = 1500;
    const queues: BullmqQueue[] = [];
    return {
      store,
      clock,
      leaseMs,
      async makeQueue(owner: string): Promise<WorkQueue> {
        const q = new BullmqQueue({
          redisUrl: redis.url,
          prefix,
          store,
          owner,
          leaseMs,
          clock,
          reconcileIntervalMs: 0,
        });
        queues.push(q);
        return q;
      },
      async kill(queue: WorkQueue): Promise<void> {
        await (queue as BullmqQueue).abandon();
      },
      async cleanup(): Promise<void> {
        await Promise.all(queues.map((q) => q.close({ graceMs: 0 })));
        await store.close();
        await schema.drop();
        await dropPrefix(redis.url, prefix);
      },
    };
  });
});
