// The ChunkJobQueue contract: the embedded and the BullMQ adapters pass the same suite — one run per chunk however
// often it is queued while waiting, discarded jobs never run, the concurrency bound holds, stop waits for running jobs.
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ChunkJob, ChunkJobQueue } from '../../src/analysis/transcribe/chunk-queue.js';

export interface ChunkQueueFixture {
  /** A queue (not started) on a fresh namespace; `concurrency` is the bound the suite checks. */
  make(concurrency: number): ChunkJobQueue;
  cleanup(): Promise<void>;
}

const jobs = (workflowId: string, n: number): ChunkJob[] =>
  Array.from({ length: n }, (_, index) => ({ workflowId, index }));

async function until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

export function describeChunkQueueContract(name: string, fixture: () => Promise<ChunkQueueFixture>): void {
  describe(`${name} (ChunkJobQueue contract)`, () => {
    const withQueue = (fn: (f: ChunkQueueFixture) => Promise<void>) => async () => {
      const f = await fixture();
      try {
        await fn(f);
      } finally {
        await f.cleanup();
      }
    };

    it(
      'runs each chunk once even when it is queued again while waiting, within the concurrency bound',
      withQueue(async (f) => {
        const q = f.make(2);
        await q.enqueue(jobs('wf-a', 6));
        await q.enqueue(jobs('wf-a', 6));
        const seen: string[] = [];
        let active = 0;
        let peak = 0;
        await q.start(
          async (job) => {
            active++;
            peak = Math.max(peak, active);
            await delay(30);
            seen.push(`${job.workflowId}/${job.index}`);
            active--;
          },
          { concurrency: 2 },
        );
        await until('six chunks', () => seen.length >= 6);
        await delay(150);
        expect(seen.sort()).toEqual(jobs('wf-a', 6).map((j) => `${j.workflowId}/${j.index}`));
        expect(peak).toBeLessThanOrEqual(2);
        expect(peak).toBeGreaterThan(0);
        await q.stop({ graceMs: 1000 });
      }),
    );

    it(
      'never runs a discarded job that had not started',
      withQueue(async (f) => {
        const q = f.make(1);
        await q.enqueue(jobs('wf-b', 4));
        await q.discard([
          { workflowId: 'wf-b', index: 1 },
          { workflowId: 'wf-b', index: 3 },
        ]);
        const seen: number[] = [];
        await q.start(
          (job) => {
            seen.push(job.index);
            return Promise.resolve();
          },
          { concurrency: 1 },
        );
        await until('two chunks', () => seen.length >= 2);
        await delay(150);
        expect(seen.sort()).toEqual([0, 2]);
        await q.stop({ graceMs: 1000 });
      }),
    );

    it(
      'busy() says whether a chunk job is running',
      withQueue(async (f) => {
        const q = f.make(1);
        expect(await q.busy()).toBe(false);
        let release: () => void = () => undefined;
        let running = false;
        await q.start(
          async () => {
            running = true;
            await new Promise<void>((r) => (release = r));
            running = false;
          },
          { concurrency: 1 },
        );
        await q.enqueue(jobs('wf-d', 1));
        await until('the chunk to start', () => running);
        expect(await q.busy()).toBe(true);
        release();
        await until('the chunk to finish', () => !running);
        let idle = false;
        await until('the queue to be idle', () => {
          void q.busy().then((b) => (idle = !b));
          return idle;
        });
        await q.stop({ graceMs: 1000 });
      }),
    );

    it(
      'stop lets a running job finish within the grace period and starts no other',
      withQueue(async (f) => {
        const q = f.make(1);
        let started = 0;
        let finished = 0;
        await q.start(
          async () => {
            started++;
            await delay(200);
            finished++;
          },
          { concurrency: 1 },
        );
        await q.enqueue(jobs('wf-c', 3));
        await until('the first chunk to start', () => started === 1);
        await q.stop({ graceMs: 5000 });
        expect(finished).toBe(1);
        await delay(300);
        expect(started).toBe(1);
      }),
    );
  });
}
