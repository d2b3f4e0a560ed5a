// Runs the ChunkJobQueue contract against the embedded adapter and (when Redis is reachable) the BullMQ adapter.
import { describe } from 'vitest';
import { EmbeddedChunkQueue } from '../../src/analysis/transcribe/chunk-queue.js';
import { Limiter } from '../../src/analysis/transcribe/limiter.js';
import { SystemClock } from '../../src/core/clock.js';
import { BullmqChunkQueue } from '../../src/workflow/bullmq-chunk-queue.js';
import { checkRedis, uniqueRedisPrefix } from '../support/services.js';
import { describeChunkQueueContract } from './chunk-queue.contract.js';

const clock = new SystemClock();

describeChunkQueueContract('EmbeddedChunkQueue', () => {
  const made: EmbeddedChunkQueue[] = [];
  return Promise.resolve({
    make: (concurrency) => {
      // The embedded bound is the limiter shared with in-process transcription.
      const q = new EmbeddedChunkQueue({ limiter: new Limiter(concurrency), clock });
      made.push(q);
      return q;
    },
    cleanup: async () => {
      for (const q of made) await q.stop({ graceMs: 0 });
    },
  });
});

const redis = await checkRedis();
if (!redis.available) console.warn(`skipping the BullmqChunkQueue contract: ${redis.reason}`);

describe.skipIf(!redis.available)('BullmqChunkQueue', () => {
  describeChunkQueueContract('BullmqChunkQueue', () => {
    const prefix = uniqueRedisPrefix();
    const made: BullmqChunkQueue[] = [];
    return Promise.resolve({
      make: () => {
        const q = new BullmqChunkQueue({ redisUrl: redis.url, prefix, lockMs: 2000, clock });
        made.push(q);
        return q;
      },
      cleanup: async () => {
        for (const q of made) await q.close({ graceMs: 0 });
      },
    });
  });
});
