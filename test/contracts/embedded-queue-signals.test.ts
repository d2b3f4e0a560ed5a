// Two embedded queues on one SQLite file — the bot's (which only enqueues) and its engine process's (which runs) —
// linked by queue signals: an enqueue wakes the runner at once instead of at its next poll, and a cancel reaches the
// job it runs at once instead of at its next heartbeat. Without the link, neither happens within the test's window.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { AppError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import type { WorkflowRequest } from '../../src/store/store.js';
import { EmbeddedQueue, type QueueSignal, type QueueSignals } from '../../src/workflow/embedded-queue.js';
import { until } from '../support/e2e-pages.js';

const clock = new SystemClock();
const logger = createLogger({ level: 'silent' });
/** Long enough that neither the poll nor a heartbeat can explain what the test sees. */
const POLL_MS = 60_000;
const LEASE_MS = 120_000;

/** Two ends of an in-memory link, delivering asynchronously like an IPC channel. */
function link(): [QueueSignals, QueueSignals] {
  const ears: [Set<(s: QueueSignal) => void>, Set<(s: QueueSignal) => void>] = [new Set(), new Set()];
  const end = (mine: 0 | 1): QueueSignals => ({
    send: (s) => {
      for (const on of ears[mine === 0 ? 1 : 0]) setImmediate(() => on(s));
    },
    listen: (on) => {
      ears[mine].add(on);
      return () => ears[mine].delete(on);
    },
  });
  return [end(0), end(1)];
}

const request = (): WorkflowRequest => ({
  url: 'https://example.com/linked-queues',
  depth: 'standard',
  requesterId: 'user-l',
  guildId: null,
  channelId: null,
  interactionId: null,
  origin: 'cli',
  delivery: {},
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(linked: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'autointel-linked-queues-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'autointel.db');
  const botStore = new SqliteWorkflowStore({ filename: file });
  await botStore.migrate();
  const engineStore = new SqliteWorkflowStore({ filename: file });
  cleanups.push(
    () => engineStore.close(),
    () => botStore.close(),
  );
  const [botEnd, engineEnd] = link();
  const common = { clock, logger, leaseMs: LEASE_MS, pollMs: POLL_MS };
  const bot = new EmbeddedQueue({
    ...common,
    store: botStore,
    owner: 'bot',
    ...(linked ? { signals: botEnd } : {}),
  });
  const engine = new EmbeddedQueue({
    ...common,
    store: engineStore,
    owner: 'engine',
    ...(linked ? { signals: engineEnd } : {}),
  });
  cleanups.push(
    () => engine.stop({ graceMs: 0 }),
    () => bot.stop({ graceMs: 0 }),
  );
  return { botStore, engineStore, bot, engine };
}

describe('embedded queues linked by signals', () => {
  for (const linked of [true, false]) {
    it(`${linked ? 'wakes' : 'does not wake'} the running side at once when the other enqueues`, async () => {
      const { botStore, engineStore, bot, engine } = await setup(linked);
      const ran: string[] = [];
      await engine.start(
        async (job) => {
          ran.push(job.workflowId);
          // Put back far in the future: the test only needs to see it run once.
          await engineStore.release(job, { now: clock.now(), runAfter: clock.now() + LEASE_MS, error: null });
          return { kind: 'finished' };
        },
        { concurrency: 1 },
      );
      // The runner's first claim pass found nothing; from now on only a signal (or the 60 s poll) wakes it.
      await new Promise((r) => setTimeout(r, 100));
      const id = randomUUID();
      await botStore.createWorkflow({ id, request: request(), now: clock.now() });
      await bot.enqueue(id, { priority: 1, guildId: null });
      if (linked) {
        await until('the engine to run the workflow', () => ran.includes(id), 5_000);
      } else {
        await new Promise((r) => setTimeout(r, 1_000));
        expect(ran).toEqual([]);
      }
    });
  }

  it('stops the job the other side runs at once when this side cancels it', async () => {
    const { botStore, engineStore, bot, engine } = await setup(true);
    let reason: string | null = null;
    let started = false;
    await engine.start(
      async (job) => {
        started = true;
        await new Promise<void>((r) => job.signal.addEventListener('abort', () => r(), { once: true }));
        reason = job.signal.reason instanceof AppError ? job.signal.reason.code : 'other';
        await engineStore.markCancelled(job, clock.now());
        return { kind: 'finished' };
      },
      { concurrency: 1 },
    );
    const id = randomUUID();
    await botStore.createWorkflow({ id, request: request(), now: clock.now() });
    await bot.enqueue(id, { priority: 1, guildId: null });
    await until('the job to start', () => started, 5_000);
    await botStore.requestCancel(id, clock.now());
    await bot.cancel(id);
    await until('the cancel to reach the job', () => reason !== null, 5_000);
    expect(reason).toBe('workflow.cancel_requested');
  });
});
