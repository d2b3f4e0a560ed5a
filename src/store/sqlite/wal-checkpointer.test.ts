import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteWorkflowStore } from './sqlite-store.js';

const dirs: string[] = [];
const stores: SqliteWorkflowStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes about 2 MB through the store: far past one WAL page, short of SQLite's automatic threshold. */
async function writeReport(store: SqliteWorkflowStore, id: string): Promise<void> {
  const request = {
    url: 'https://example.com/a',
    depth: 'standard' as const,
    requesterId: null,
    guildId: null,
    channelId: null,
    interactionId: null,
    origin: 'cli' as const,
    delivery: {},
  };
  await store.createWorkflow({ id, request, now: 1 });
  const text = 'x'.repeat(2 * 1024 * 1024);
  await store.saveReport({
    id,
    workflowId: id,
    url: request.url,
    depth: 'standard',
    report: { text },
    createdAt: 1,
    title: 't',
    searchText: 's',
  });
}

async function open(background: boolean): Promise<{ store: SqliteWorkflowStore; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'autointel-wal-'));
  dirs.push(dir);
  const file = join(dir, 'db.sqlite');
  const store = new SqliteWorkflowStore({
    filename: file,
    ...(background ? { backgroundCheckpoints: { intervalMs: 50 } } : {}),
  });
  stores.push(store);
  await store.migrate();
  return { store, file };
}

const waitFor = async (cond: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((ok) => setTimeout(ok, 25));
  }
  return cond();
};

describe('background WAL checkpoints', () => {
  it('copy the WAL into the database file on their own thread, without a write on the main connection', async () => {
    const { store, file } = await open(true);
    await writeReport(store, 'wf-1');
    // The main connection never checkpoints now: only the checkpointer thread can have grown the file.
    expect(await waitFor(() => statSync(file).size > 1024 * 1024, 10_000)).toBe(true);
    await store.close();
    expect(statSync(file).size).toBeGreaterThan(2 * 1024 * 1024);
  });

  it('without them, the same writes stay in the WAL until SQLite’s own threshold (the control)', async () => {
    const { store, file } = await open(false);
    await writeReport(store, 'wf-1');
    await new Promise((ok) => setTimeout(ok, 300));
    expect(statSync(file).size).toBeLessThan(1024 * 1024);
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(1024 * 1024);
  });
});
