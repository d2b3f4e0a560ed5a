// PostgreSQL-specific guarantees beyond the shared store contract: racing migrators, racing claimers, search syntax.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { checkPostgres, createTestSchema, type TestSchema } from '../../../test/support/services.js';
import type { WorkflowRequest } from '../store.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './migrations.js';
import { PostgresWorkflowStore } from './postgres-store.js';

const service = await checkPostgres();
if (!service.available) console.warn(`skipping PostgresWorkflowStore tests: ${service.reason}`);

const request = (over: Partial<WorkflowRequest> = {}): WorkflowRequest => ({
  url: 'https://example.com/a',
  depth: 'standard',
  requesterId: 'u1',
  guildId: 'g1',
  channelId: 'c1',
  interactionId: null,
  origin: 'discord',
  delivery: {},
  ...over,
});

describe.skipIf(!service.available)('PostgresWorkflowStore (PostgreSQL specifics)', () => {
  let schema: TestSchema;
  const stores: PostgresWorkflowStore[] = [];
  const open = (): PostgresWorkflowStore => {
    const s = new PostgresWorkflowStore({
      connectionString: service.url,
      schema: schema.schema,
      maxConnections: 4,
    });
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    schema = await createTestSchema(service.url);
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await schema.drop();
  });

  it('applies every migration exactly once when several processes start at the same moment', async () => {
    const starters = [open(), open(), open(), open()];
    await Promise.all(starters.map((s) => s.migrate()));
    const c = new pg.Client({ connectionString: service.url });
    await c.connect();
    try {
      const r = await c.query<{ version: number }>(
        `SELECT version FROM ${schema.schema}.schema_migrations ORDER BY version`,
      );
      // Version numbers are assigned per feature and may leave gaps: every listed migration, once each.
      expect(r.rows.map((x) => x.version)).toEqual(
        POSTGRES_MIGRATIONS.map((m) => m.version).sort((a, b) => a - b),
      );
    } finally {
      await c.end();
    }
    expect(await starters[0]!.schemaVersion()).toBe(POSTGRES_SCHEMA_VERSION);
  });

  it('refuses to run against a schema migrated by a newer release', async () => {
    const ahead = await createTestSchema(service.url);
    const s = new PostgresWorkflowStore({ connectionString: service.url, schema: ahead.schema });
    try {
      await s.migrate();
      const c = new pg.Client({ connectionString: service.url });
      await c.connect();
      await c.query(
        `INSERT INTO ${ahead.schema}.schema_migrations (version, name, applied_at) VALUES ($1, 'future', 0)`,
        [POSTGRES_SCHEMA_VERSION + 1],
      );
      await c.end();
      await expect(s.migrate()).rejects.toMatchObject({ code: 'store.schema_ahead' });
    } finally {
      await s.close();
      await ahead.drop();
    }
  });

  it('rejects a schema name that could inject SQL, naming the option', () => {
    expect(
      () => new PostgresWorkflowStore({ connectionString: service.url, schema: 'x; DROP TABLE y' }),
    ).toThrow(/option `schema`/);
  });

  it('hands each workflow to exactly one of many concurrent claimers and keeps the per-guild limit', async () => {
    const claimers = [open(), open(), open(), open()];
    const base = stores[0]!;
    const now = 1_000_000;
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const id = `claim-race-${i}`;
      ids.push(id);
      await base.createWorkflow({ id, request: request({ guildId: `race-g${i % 3}` }), now: now + i });
    }
    const claimed: string[] = [];
    // Each claimer keeps claiming until nothing is left for it; leases are long so nothing expires.
    await Promise.all(
      claimers.map(async (s, n) => {
        for (;;) {
          const w = await s.claimNext({ owner: `w${n}`, now: now + 100, leaseMs: 60_000, perGuildLimit: 2 });
          if (w === null) return;
          claimed.push(w.id);
        }
      }),
    );
    expect(new Set(claimed).size).toBe(claimed.length);
    // 3 guilds × limit 2: exactly six may run, two per guild.
    expect(claimed).toHaveLength(6);
    for (const g of ['race-g0', 'race-g1', 'race-g2']) {
      expect(await base.countRunning({ guildId: g })).toBe(2);
    }
  });

  it('lets only one of two racing claim(id) calls take a workflow', async () => {
    const [a, b] = [open(), open()];
    await a.createWorkflow({ id: 'claim-one', request: request({ guildId: null }), now: 5 });
    const results = await Promise.all([
      a.claim('claim-one', { owner: 'a', now: 10, leaseMs: 1000 }),
      b.claim('claim-one', { owner: 'b', now: 10, leaseMs: 1000 }),
    ]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    // After the lease expires the other may take it over (crash resume).
    const taken = await b.claim('claim-one', { owner: 'b2', now: 2000, leaseMs: 1000 });
    expect(taken?.leaseOwner).toBe('b2');
    expect(taken?.attempts).toBe(2);
  });

  it('searches with web-style syntax and highlights the matched words in the snippet', async () => {
    const s = open();
    await s.saveReport({
      id: 'r-search-1',
      workflowId: 'wf-search-1',
      url: 'https://example.com/tides',
      depth: 'standard',
      report: { title: 'Tides' },
      title: 'Tidal energy in the harbour',
      searchText: 'The council approved a tidal turbine array. Fishermen worried about the harbour entrance.',
      createdAt: 1,
    });
    await s.saveReport({
      id: 'r-search-2',
      workflowId: 'wf-search-2',
      url: 'https://example.com/wind',
      depth: 'standard',
      report: { title: 'Wind' },
      title: 'Offshore wind',
      searchText:
        'Turbines offshore produce energy when the wind blows; unbalanced quotes " and -minus are fine.',
      createdAt: 2,
    });
    const hits = await s.searchReports('turbine -wind', { limit: 10, scope: { kind: 'operator' } });
    expect(hits.map((h) => h.reportId)).toEqual(['r-search-1']);
    expect(hits[0]!.snippet).toContain('**turbine**');
    expect(await s.searchReports('"unbalanced', { limit: 10, scope: { kind: 'operator' } })).toHaveLength(1);
    expect(
      (
        await s.searchReports('energy', {
          limit: 10,
          scope: { kind: 'operator' },
          excludeWorkflowId: 'wf-search-1',
        })
      ).map((h) => h.reportId),
    ).toEqual(['r-search-2']);
  });

  it('keeps checkpoint JSON that jsonb would reject (NUL escapes) intact', async () => {
    const s = open();
    const output = { text: 'before\u0000after', n: 1.5, nested: [null, true] };
    expect(await s.seedCheckpoints('wf-nul', { acquire: output }, 3)).toBe(false);
    await s.createWorkflow({ id: 'wf-nul', request: request(), now: 1 });
    const claimed = await s.claim('wf-nul', { owner: 'w', now: 2, leaseMs: 1000 });
    expect(claimed?.runId).toBeTypeOf('string');
    expect(
      await s.saveCheckpoint({ workflowId: 'wf-nul', runId: claimed?.runId ?? '' }, 'acquire', output, 3),
    ).toBe(true);
    expect(await s.getCheckpoints('wf-nul')).toEqual({ acquire: output });
  });
});
