// The WorkQueue contract: one suite every adapter (EmbeddedQueue, BullmqQueue) must pass, with real stores.
// The handler plays the engine's part as workflow/types.ts defines it: it resolves only after the row reflects the
// outcome (completed, or released with its runAfter), and it never claims or heartbeats itself.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { AppError } from '../../src/core/errors.js';
import type { WorkflowRequest, WorkflowStore } from '../../src/store/store.js';
import type { JobHandler, JobOutcome, QueueJob, WorkQueue } from '../../src/workflow/queue.js';

export interface QueueFixture {
  readonly store: WorkflowStore;
  readonly clock: Clock;
  /** The lease every queue of this fixture is built with. */
  readonly leaseMs: number;
  /** A consumer on the same backend, as another process would be, claiming under `owner`. */
  makeQueue(owner: string): Promise<WorkQueue>;
  /** Kills a consumer as a crashed process dies: nothing released, no more heartbeats. */
  kill(queue: WorkQueue): Promise<void>;
  /** Stops and closes every queue made, and removes the backend's data. */
  cleanup(): Promise<void>;
}

const request = (overrides: Partial<WorkflowRequest> = {}): WorkflowRequest => ({
  url: 'https://example.com/queue-contract',
  depth: 'standard',
  requesterId: 'user-q',
  guildId: null,
  channelId: null,
  interactionId: null,
  origin: 'cli',
  delivery: {},
  ...overrides,
});

async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const codeOf = (signal: AbortSignal): string | null =>
  signal.reason instanceof AppError ? signal.reason.code : signal.aborted ? 'unknown' : null;

export function describeQueueContract(name: string, makeFixture: () => Promise<QueueFixture>): void {
  describe(`WorkQueue contract: ${name}`, () => {
    let f: QueueFixture;

    beforeEach(async () => {
      f = await makeFixture();
    });
    afterEach(async () => {
      await f.cleanup();
    });

    async function createRow(overrides: Partial<WorkflowRequest> = {}): Promise<string> {
      const id = randomUUID();
      await f.store.createWorkflow({ id, request: request(overrides), now: f.clock.now() });
      return id;
    }

    /** What the engine does when a job ends: the row first, then the outcome. */
    const engineLike = (_owner: string) => ({
      finish: async (job: QueueJob): Promise<JobOutcome> => {
        await f.store.complete(job, { now: f.clock.now(), reportId: `report-${job.workflowId}` });
        return { kind: 'finished' };
      },
      retry: async (job: QueueJob, delayMs: number): Promise<JobOutcome> => {
        const now = f.clock.now();
        await f.store.release(job, { now, runAfter: now + delayMs, error: null });
        return { kind: 'retry', delayMs };
      },
    });

    const statusOf = async (id: string): Promise<string | undefined> =>
      (await f.store.getWorkflow(id))?.status;

    it('runs a workflow enqueued twice (before and while it runs) exactly once', async () => {
      const q = await f.makeQueue('owner-a');
      const e = engineLike('owner-a');
      const a = await createRow();
      const b = await createRow();
      const calls: string[] = [];
      let releaseA: () => void = () => undefined;
      const aRunning = new Promise<void>((r) => (releaseA = r));
      let aStarted = false;
      await q.enqueue(a, { priority: 1, guildId: null });
      await q.enqueue(a, { priority: 1, guildId: null });
      await q.start(
        async (job) => {
          calls.push(job.workflowId);
          if (job.workflowId === a) {
            aStarted = true;
            await aRunning;
          }
          return e.finish(job);
        },
        { concurrency: 1 },
      );
      await waitFor('a to start', () => aStarted, 10_000);
      await q.enqueue(a, { priority: 1, guildId: null });
      await q.enqueue(b, { priority: 1, guildId: null });
      releaseA();
      await waitFor(
        'both to complete',
        async () => (await statusOf(a)) === 'completed' && (await statusOf(b)) === 'completed',
        15_000,
      );
      expect(calls.filter((c) => c === a)).toHaveLength(1);
      expect(calls.filter((c) => c === b)).toHaveLength(1);
    });

    it('never runs more jobs at once than its concurrency, and reaches it', async () => {
      const q = await f.makeQueue('owner-c');
      const e = engineLike('owner-c');
      const ids = await Promise.all(Array.from({ length: 6 }, () => createRow()));
      for (const id of ids) await q.enqueue(id, { priority: 1, guildId: null });
      let inFlight = 0;
      let maxInFlight = 0;
      let gateOpen = false;
      await q.start(
        async (job) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          // The first two wait for each other, so the bound is reached before anything finishes.
          await waitFor('two jobs in flight', () => gateOpen || inFlight >= 2, 10_000);
          gateOpen = true;
          await new Promise((r) => setTimeout(r, 30));
          inFlight--;
          return e.finish(job);
        },
        { concurrency: 2 },
      );
      await waitFor(
        'all six to complete',
        async () => (await Promise.all(ids.map(statusOf))).every((s) => s === 'completed'),
        20_000,
      );
      expect(maxInFlight).toBe(2);
    });

    it('runs a job again no earlier than the delay a retry outcome asks for', async () => {
      const q = await f.makeQueue('owner-r');
      const e = engineLike('owner-r');
      const id = await createRow();
      const delayMs = 400;
      const starts: number[] = [];
      let retriedAt = 0;
      await q.enqueue(id, { priority: 1, guildId: null });
      await q.start(
        async (job) => {
          starts.push(f.clock.now());
          if (starts.length === 1) {
            const outcome = await e.retry(job, delayMs);
            retriedAt = f.clock.now();
            return outcome;
          }
          return e.finish(job);
        },
        { concurrency: 1 },
      );
      await waitFor('the retried job to complete', async () => (await statusOf(id)) === 'completed', 15_000);
      expect(starts).toHaveLength(2);
      expect(starts[1]! - retriedAt).toBeGreaterThanOrEqual(delayMs - 5);
      expect((await f.store.getWorkflow(id))?.attempts).toBe(2);
    });

    it('stop() lets a short job finish, aborts a long one after the grace period, and waits for both to settle', async () => {
      const q = await f.makeQueue('owner-s');
      const e = engineLike('owner-s');
      const short = await createRow();
      const long = await createRow();
      const settled: string[] = [];
      const abortCodes = new Map<string, string | null>();
      let started = 0;
      await q.enqueue(short, { priority: 1, guildId: null });
      await q.enqueue(long, { priority: 1, guildId: null });
      await q.start(
        async (job: QueueJob) => {
          started++;
          let outcome: JobOutcome;
          if (job.workflowId === short) {
            await new Promise((r) => setTimeout(r, 150));
            outcome = await e.finish(job);
          } else {
            await new Promise<void>((r) => job.signal.addEventListener('abort', () => r(), { once: true }));
            outcome = await e.retry(job, 0);
          }
          abortCodes.set(job.workflowId, codeOf(job.signal));
          settled.push(job.workflowId);
          return outcome;
        },
        { concurrency: 2 },
      );
      await waitFor('both jobs to start', () => started === 2, 10_000);
      await q.stop({ graceMs: 600 });
      expect(settled.sort()).toEqual([short, long].sort());
      expect(abortCodes.get(short)).toBeNull();
      expect(abortCodes.get(long)).toBe('queue.shutdown');
      expect(await statusOf(short)).toBe('completed');
      expect(await statusOf(long)).toBe('queued');

      // The released job is not lost: the next consumer runs it.
      const next = await f.makeQueue('owner-s2');
      const e2 = engineLike('owner-s2');
      await next.enqueue(long, { priority: 1, guildId: null });
      await next.start((job) => e2.finish(job), { concurrency: 1 });
      await waitFor(
        'the released job to complete elsewhere',
        async () => (await statusOf(long)) === 'completed',
        15_000,
      );
    });

    it('hands the job of a consumer that died to another consumer once the lease runs out', async () => {
      const victim = await f.makeQueue('owner-dead');
      const id = await createRow();
      let victimStarted = false;
      await victim.enqueue(id, { priority: 1, guildId: null });
      // The dying process never writes anything: it just stops.
      const dies: JobHandler = async (job) => {
        victimStarted = true;
        await new Promise<void>((r) => job.signal.addEventListener('abort', () => r(), { once: true }));
        return { kind: 'finished' };
      };
      await victim.start(dies, { concurrency: 1 });
      await waitFor('the victim to take the job', () => victimStarted, 10_000);
      expect((await f.store.getWorkflow(id))?.leaseOwner).toBe('owner-dead');

      const heir = await f.makeQueue('owner-heir');
      const e = engineLike('owner-heir');
      const resumed: string[] = [];
      await heir.start(
        (job) => {
          resumed.push(job.workflowId);
          return e.finish(job);
        },
        { concurrency: 1 },
      );
      const killedAt = performance.now();
      await f.kill(victim);
      // Bounded wait (not a timing assertion): lease expiry plus the adapter's detection interval.
      await waitFor(
        'the heir to resume the job',
        async () => (await statusOf(id)) === 'completed',
        4 * f.leaseMs + 5000,
      );
      const resumeMs = performance.now() - killedAt;
      console.info(
        `[${name}] kill → resumed and completed by another consumer in ${Math.round(resumeMs)} ms (lease ${f.leaseMs} ms)`,
      );
      expect(resumed).toEqual([id]);
      const row = await f.store.getWorkflow(id);
      expect(row?.attempts).toBe(2);
    });

    it('a consumer whose event loop stalls past the lease never runs the same workflow twice at once', async () => {
      const q = await f.makeQueue('owner-stall');
      const id = await createRow();
      const e = engineLike('owner-stall');
      let inside = 0;
      let maxInside = 0;
      let entries = 0;
      let stalled = false;
      await q.enqueue(id, { priority: 1, guildId: null });
      await q.start(
        async (job) => {
          entries++;
          maxInside = Math.max(maxInside, ++inside);
          try {
            if (!stalled) {
              stalled = true;
              // A synchronous stall (a pathological page in the parser): no heartbeat, no lock renewal, while
              // the lease runs out. Then the run goes on, giving the consumer time to try to claim it again.
              const until = performance.now() + 2.5 * f.leaseMs;
              while (performance.now() < until) {
                // busy: the event loop is blocked
              }
              await new Promise((r) => setTimeout(r, 2 * f.leaseMs));
            }
            return await e.finish(job);
          } finally {
            inside--;
          }
        },
        { concurrency: 2 },
      );
      await waitFor(
        'the workflow to complete',
        async () => (await statusOf(id)) === 'completed',
        8 * f.leaseMs + 5000,
      );
      expect(maxInside).toBe(1);
      expect(entries).toBe(1);
      expect((await f.store.getWorkflow(id))?.attempts).toBe(1);
    });

    it('aborts a running job with workflow.cancel_requested when the store records a cancel', async () => {
      const q = await f.makeQueue('owner-x');
      const id = await createRow();
      let code: string | null = null;
      let started = false;
      await q.enqueue(id, { priority: 1, guildId: null });
      await q.start(
        async (job) => {
          started = true;
          await new Promise<void>((r) => job.signal.addEventListener('abort', () => r(), { once: true }));
          code = codeOf(job.signal);
          await f.store.markCancelled(job, f.clock.now());
          return { kind: 'finished' };
        },
        { concurrency: 1 },
      );
      await waitFor('the job to start', () => started, 10_000);
      await f.store.requestCancel(id, f.clock.now());
      await waitFor(
        'the cancel to reach the job',
        async () => (await statusOf(id)) === 'cancelled',
        3 * f.leaseMs + 2000,
      );
      expect(code).toBe('workflow.cancel_requested');
    });
  });
}
