// The front end's SQLite writes wait for another connection's write lock off the loop (`yieldOnBusy`): while the
// engine process holds the lock, timers and other interactions keep running, and the write lands once the lock is
// free — once. The blocking default, by contrast, stalls the whole loop inside SQLite's busy handler. The claim (the
// write before an acknowledgement) lives in a file of its own and does not wait for the main file's lock at all.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { intakesFileOf, SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import type { WorkflowRequest } from '../../src/store/store.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(yieldOnBusy: boolean, busyTimeoutMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'autointel-sqlite-busy-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'autointel.db');
  const store = new SqliteWorkflowStore({ filename: file, yieldOnBusy, busyTimeoutMs });
  await store.migrate();
  // Another process's connections (the engine's, another bot's), holding a write lock while the test says so.
  const other = new Database(file);
  other.pragma('journal_mode = WAL');
  const otherClaims = new Database(intakesFileOf(file));
  cleanups.push(
    () => void other.close(),
    () => void otherClaims.close(),
    () => store.close(),
  );
  return { store, other, otherClaims };
}

/** Counts timer ticks of this loop until stopped: a blocked loop counts none. */
function ticker(): { readonly count: () => number; stop(): void } {
  let n = 0;
  const t = setInterval(() => n++, 2);
  return { count: () => n, stop: () => clearInterval(t) };
}

const request: WorkflowRequest = {
  url: 'https://example.com/busy',
  depth: 'standard',
  requesterId: 'user-b',
  guildId: null,
  channelId: null,
  interactionId: 'interaction-b',
  origin: 'discord',
  delivery: {},
};

describe('SQLite writes of the front end while another connection holds the lock', () => {
  it("a claim does not wait for the main file's lock; the workflow creation waits off the loop", async () => {
    const { store, other } = await setup(true, 5_000);
    other.exec('BEGIN IMMEDIATE');
    const ticks = ticker();
    const t0 = performance.now();
    expect(await store.claimInteraction('interaction-a', 'owner-a', Date.now(), 'sealed')).toBe(true);
    expect(performance.now() - t0).toBeLessThan(100);
    const id = randomUUID();
    const created = store.createWorkflow({ id, request, now: Date.now() });
    await new Promise((r) => setTimeout(r, 150));
    expect(ticks.count()).toBeGreaterThan(10);
    other.exec('COMMIT');
    expect((await created).created).toBe(true);
    ticks.stop();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
    expect((await store.listWorkflows({ limit: 10 })).map((w) => w.id)).toEqual([id]);
  });

  it('wait off the loop and land once the lock is released (yieldOnBusy)', async () => {
    const { store, other, otherClaims } = await setup(true, 5_000);
    other.exec('BEGIN IMMEDIATE');
    otherClaims.exec('BEGIN IMMEDIATE');
    const ticks = ticker();
    const t0 = performance.now();
    const claim = store.claimInteraction('interaction-b', 'owner-b', Date.now(), 'sealed');
    const id = randomUUID();
    const created = store.createWorkflow({ id, request, now: Date.now() });
    // The loop keeps turning while both writes wait: the other side can finish its transaction meanwhile.
    await new Promise((r) => setTimeout(r, 150));
    expect(ticks.count()).toBeGreaterThan(10);
    other.exec('COMMIT');
    otherClaims.exec('COMMIT');
    expect(await claim).toBe(true);
    expect((await created).created).toBe(true);
    ticks.stop();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
    // Retried, not repeated: one claim row, one workflow.
    expect(await store.claimInteraction('interaction-b', 'owner-b', Date.now())).toBe(false);
    expect((await store.listWorkflows({ limit: 10 })).map((w) => w.id)).toEqual([id]);
  });

  it('give up with SQLITE_BUSY after the busy timeout when the lock is never released', async () => {
    const { store, otherClaims } = await setup(true, 200);
    otherClaims.exec('BEGIN IMMEDIATE');
    const ticks = ticker();
    await expect(store.completeIntake('nobody')).rejects.toMatchObject({
      code: expect.stringMatching(/^SQLITE_BUSY/) as unknown,
    });
    ticks.stop();
    expect(ticks.count()).toBeGreaterThan(10);
    otherClaims.exec('ROLLBACK');
  });

  it('by default block the loop inside SQLite until the busy timeout (the behaviour yieldOnBusy avoids)', async () => {
    const { store, otherClaims } = await setup(false, 200);
    otherClaims.exec('BEGIN IMMEDIATE');
    const ticks = ticker();
    const t0 = performance.now();
    await expect(store.claimInteraction('interaction-c', 'owner-c', Date.now())).rejects.toMatchObject({
      code: expect.stringMatching(/^SQLITE_BUSY/) as unknown,
    });
    // The whole wait happened inside one synchronous call: no timer of this loop ran meanwhile.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
    expect(ticks.count()).toBe(0);
    ticks.stop();
    otherClaims.exec('ROLLBACK');
  });
});
