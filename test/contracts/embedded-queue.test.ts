// Runs the WorkQueue contract against the EmbeddedQueue (leases in a SQLite store), two consumers on one file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import { EmbeddedQueue } from '../../src/workflow/embedded-queue.js';
import type { WorkQueue } from '../../src/workflow/queue.js';
import { describeQueueContract } from './queue.contract.js';

describeQueueContract('EmbeddedQueue (SQLite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autointel-queue-'));
  const store = new SqliteWorkflowStore({ filename: join(dir, 'autointel.db') });
  await store.migrate();
  const clock = new SystemClock();
  const logger = createLogger({ level: 'silent' });
  const leaseMs = 1500;
  const queues: EmbeddedQueue[] = [];
  return {
    store,
    clock,
    leaseMs,
    async makeQueue(owner: string): Promise<WorkQueue> {
      const q = new EmbeddedQueue({ store, clock, logger, owner, leaseMs, pollMs: 100 });
      queues.push(q);
      return q;
    },
    // Stopping with no grace ends the consumer's heartbeats; the contract's dying handler writes nothing.
    async kill(queue: WorkQueue): Promise<void> {
      await queue.stop({ graceMs: 0 });
    },
    async cleanup(): Promise<void> {
      await Promise.all(queues.map((q) => q.stop({ graceMs: 0 })));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
