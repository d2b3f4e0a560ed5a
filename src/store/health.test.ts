// /healthz tells the truth about the store: it writes and reads the database on each probe, and a read-only or a
// corrupted database answers 503 naming the store check.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { corruptTablePage } from '../../test/support/corrupt-sqlite.js';
import { SystemClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { createHttpServer, type HttpServer } from '../http/server.js';
import { storeHealthCheck } from './health.js';
import { SqliteWorkflowStore } from './sqlite/sqlite-store.js';

const clock = new SystemClock();

interface Healthz {
  readonly status: number;
  readonly body: { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> };
}

describe('store health in /healthz', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A database file with a few hundred workflows (several pages), closed and checkpointed. */
  async function seededFile(): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'autointel-health-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'autointel.db');
    const store = new SqliteWorkflowStore({ filename: file });
    await store.migrate();
    for (let i = 0; i < 300; i++) {
      await store.createWorkflow({
        id: randomUUID(),
        now: i,
        request: {
          url: `https://example.org/page/${i}`,
          depth: 'standard',
          requesterId: 'u',
          guildId: null,
          channelId: null,
          interactionId: null,
          origin: 'cli',
          delivery: {},
        },
      });
    }
    await store.close();
    return file;
  }

  async function healthz(store: SqliteWorkflowStore): Promise<Healthz> {
    const server: HttpServer = createHttpServer({
      host: '127.0.0.1',
      port: 0,
      clock,
      logger: createLogger({ level: 'silent' }),
      mode: 'test',
      checks: { store: storeHealthCheck(store, clock) },
    });
    const { url } = await server.start();
    cleanups.push(() => server.stop());
    const res = await fetch(`${url}/healthz`);
    return { status: res.status, body: (await res.json()) as Healthz['body'] };
  }

  const open = (filename: string, readonly = false): SqliteWorkflowStore => {
    const store = new SqliteWorkflowStore({ filename, readonly });
    cleanups.push(() => store.close());
    return store;
  };

  it('answers 200 when the store can be written and read', async () => {
    const store = open(await seededFile());
    await store.migrate();
    const r = await healthz(store);
    expect(r.status).toBe(200);
    expect(r.body.checks['store']).toEqual({ ok: true });
  });

  it('answers 503 naming the failed write when the database is read-only', async () => {
    const store = open(await seededFile(), true);
    await store.migrate();
    // Reads still work: the old probe (a read) would have said ok.
    expect(await store.listWorkflows({ limit: 1 })).toHaveLength(1);
    const r = await healthz(store);
    expect(r.status).toBe(503);
    expect(r.body.ok).toBe(false);
    expect(r.body.checks['store']?.ok).toBe(false);
    expect(r.body.checks['store']?.detail).toMatch(
      /^write failed: the database cannot be written: attempt to write a readonly database/,
    );
  });

  it('answers 503 when a page of the database is corrupted', async () => {
    const file = await seededFile();
    corruptTablePage(file, 'workflows');
    const store = open(file);
    await store.migrate();
    const r = await healthz(store);
    expect(r.status).toBe(503);
    expect(r.body.checks['store']?.ok).toBe(false);
    expect(r.body.checks['store']?.detail).toMatch(/^(read|write) failed: .*malformed/);
    expect(store.integrityCheck().length).toBeGreaterThan(0);
  });
});
