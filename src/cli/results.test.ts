// `autointel results` reads the store every command uses (SQLite, or PostgreSQL with DATABASE_URL): report, status,
// or a clear unknown-id message.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../analysis/report.js';
import { checkPostgres, createTestSchema } from '../../test/support/services.js';
import { PostgresWorkflowStore } from '../store/postgres/postgres-store.js';
import { leaseOf, type RunLease, type WorkflowRequest, type WorkflowStore } from '../store/store.js';
import { SqliteWorkflowStore, sqliteStorePath } from '../store/sqlite/sqlite-store.js';
import { run } from './results.js';
import { run as search } from './search.js';

const span = { start: 0, end: 10 };
const report: Report = {
  schemaVersion: 2,
  depth: 'standard',
  createdAt: '2024-01-01T00:00:00.000Z',
  source: {
    input: 'https://example.com/a',
    finalUrl: 'https://example.com/a',
    kind: 'article',
    title: 'Harbour Tides',
    byline: null,
    siteName: null,
    publishedTime: null,
    language: 'en',
    wordCount: 3,
    contentHash: 'abc',
  },
  timings: [],
  engines: {},
  notes: [],
  sections: {
    summary: { items: [{ text: 'Tides rose sharply in the harbour.', score: 1, span }] },
    keyPoints: { items: [] },
    topics: { missing: { reason: 'too short' } },
    entities: { items: [] },
    sentiment: { items: [] },
  },
};

const request: WorkflowRequest = {
  url: 'https://example.com/a',
  depth: 'standard',
  requesterId: 'u',
  guildId: null,
  channelId: null,
  interactionId: null,
  origin: 'cli',
  delivery: {},
};

describe('autointel results and autointel search (read-only commands over the store)', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  const io = () => ({
    env: { AUTOINTEL_DATA_DIR: dir },
    stdout: (t: string) => void out.push(t),
    stderr: (t: string) => void err.push(t),
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'autointel-results-'));
    out = [];
    err = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function seed(): Promise<{ done: string; failed: string; running: string }> {
    const store = new SqliteWorkflowStore({ filename: sqliteStorePath(dir) });
    await store.migrate();
    try {
      return await seedInto(store);
    } finally {
      await store.close();
    }
  }

  it('prints a completed workflow’s report as Markdown, and as JSON on request', async () => {
    const { done } = await seed();
    expect(await run([done], io())).toBe(0);
    expect(out.join('')).toContain('Harbour Tides');
    expect(out.join('')).toContain('Tides rose sharply in the harbour.');
    out = [];
    expect(await run([done, '--format', 'json'], io())).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual(report);
  });

  it('prints the failure reason of a failed workflow and the progress of a running one', async () => {
    const { failed, running } = await seed();
    expect(await run([failed], io())).toBe(1);
    expect(out.join('')).toBe(
      `Workflow ${failed} failed: This link is not supported. (acquire.unsupported).\n`,
    );
    out = [];
    expect(await run([running], io())).toBe(3);
    expect(out.join('')).toContain('running: analyse, 40% — Analysing');
  });

  it('says clearly when an id is unknown, malformed, or there is no store yet', async () => {
    const missing = randomUUID();
    expect(await run([missing], io())).toBe(1);
    expect(err.join('')).toContain('there is no store');
    await seed();
    err = [];
    expect(await run([missing], io())).toBe(1);
    expect(err.join('')).toContain(`No workflow ${missing}`);
    err = [];
    expect(await run(['not-an-id'], io())).toBe(1);
    expect(err.join('')).toContain('is not a workflow id');
    expect(await run([], io())).toBe(2);
    expect(await run([missing, '--format', 'pdf'], io())).toBe(2);
  });

  it('prints ranked hits with the workflow id, scoped by --guild or --user, and says when nothing matched', async () => {
    expect(await search(['harbour'], io())).toBe(1);
    expect(err.join('')).toContain('there is no store');
    expect(existsSync(sqliteStorePath(dir))).toBe(false);
    const store = new SqliteWorkflowStore({ filename: sqliteStorePath(dir) });
    await store.migrate();
    const { done } = await seedInto(store);
    await store.close();

    err = [];
    expect(await search(['harbour'], io())).toBe(0);
    expect(out.join('')).toContain('1. Harbour Tides');
    expect(out.join('')).toContain(`workflow ${done}`);
    out = [];
    expect(await search(['harbour', '--user', 'u', '--json'], io())).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual([
      expect.objectContaining({ workflowId: done, depth: 'standard' }),
    ]);
    expect(await search(['harbour', '--guild', 'some-guild'], io())).toBe(1);
    expect(err.join('')).toContain('No stored report matches "harbour"');
    expect(await search(['harbour', '--guild', 'g', '--user', 'u'], io())).toBe(2);
    expect(await search([], io())).toBe(2);
    expect(await search(['harbour', '--limit', '0'], io())).toBe(2);
  });
});

/** A completed, a failed and a running workflow, as the bot leaves them in whichever store it uses. */
async function seedInto(store: WorkflowStore): Promise<{ done: string; failed: string; running: string }> {
  const [done, failed, running] = [randomUUID(), randomUUID(), randomUUID()];
  for (const id of [done, failed, running]) await store.createWorkflow({ id, request, now: 1 });
  const lease = async (id: string): Promise<RunLease> => {
    const claimed = await store.claim(id, { owner: 'w', now: 2, leaseMs: 1000 });
    const run = claimed === null ? null : leaseOf(claimed);
    if (run === null) throw new Error(`could not claim ${id}`);
    return run;
  };
  const doneRun = await lease(done);
  await store.saveReport({
    id: done,
    workflowId: done,
    url: request.url,
    depth: 'standard',
    report,
    createdAt: 3,
    title: 'Harbour Tides',
    searchText: '',
  });
  await store.complete(doneRun, { now: 3, reportId: done });
  await store.fail(await lease(failed), {
    now: 3,
    error: { code: 'acquire.unsupported', message: 'This link is not supported.' },
  });
  await store.updateProgress(await lease(running), {
    stage: 'analyse',
    percent: 40,
    message: 'Analysing',
    updatedAt: 3,
  });
  return { done, failed, running };
}

const postgres = await checkPostgres();
if (!postgres.available) console.warn(`skipping autointel results on PostgreSQL: ${postgres.reason}`);

describe.skipIf(!postgres.available)('autointel results on PostgreSQL (DATABASE_URL)', () => {
  it('reads the store the bot writes when DATABASE_URL is set, never the SQLite file, never echoing the URL', async () => {
    const schema = await createTestSchema(postgres.url);
    const dir = mkdtempSync(join(tmpdir(), 'autointel-results-pg-'));
    try {
      const store = new PostgresWorkflowStore({ connectionString: postgres.url, schema: schema.schema });
      await store.migrate();
      const { done, failed } = await seedInto(store).finally(() => store.close());
      const url = `${postgres.url}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;
      const out: string[] = [];
      const err: string[] = [];
      const io = {
        env: { DATABASE_URL: url, AUTOINTEL_DATA_DIR: dir },
        stdout: (t: string) => void out.push(t),
        stderr: (t: string) => void err.push(t),
      };
      expect(await run([done], io)).toBe(0);
      expect(out.join('')).toContain('Tides rose sharply in the harbour.');
      expect(await run([failed], io)).toBe(1);
      expect(out.join('')).toContain('This link is not supported.');
      const missing = randomUUID();
      expect(await run([missing], io)).toBe(1);
      expect(err.join('')).toContain(`No workflow ${missing} in the PostgreSQL store`);
      expect(err.join('')).not.toContain(postgres.url);
      expect(existsSync(sqliteStorePath(dir))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await schema.drop();
    }
  });
});
