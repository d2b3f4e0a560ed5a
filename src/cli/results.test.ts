// `autointel results` reads the SQLite store under AUTOINTEL_DATA_DIR: report, status, or a clear unknown-id message.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '../analysis/report.js';
import type { WorkflowRequest } from '../store/store.js';
import { SqliteWorkflowStore, sqliteStorePath } from '../store/sqlite/sqlite-store.js';
import { run } from './results.js';

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

describe('autointel results', () => {
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
    const [done, failed, running] = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of [done, failed, running]) await store.createWorkflow({ id, request, now: 1 });
    await store.claim(done, { owner: 'w', now: 2, leaseMs: 1000 });
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
    await store.complete(done, 'w', { now: 3, reportId: done });
    await store.claim(failed, { owner: 'w', now: 2, leaseMs: 1000 });
    await store.fail(failed, 'w', {
      now: 3,
      error: { code: 'acquire.unsupported', message: 'This link is not supported.' },
    });
    await store.claim(running, { owner: 'w', now: 2, leaseMs: 1000 });
    await store.updateProgress(running, 'w', {
      stage: 'analyse',
      percent: 40,
      message: 'Analysing',
      updatedAt: 3,
    });
    await store.close();
    return { done, failed, running };
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
});
