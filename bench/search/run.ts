// Search over stored reports, as /autointel_search runs it: N reports (default 10,000) spread over guilds, stored
// through the store's own API, then guild-scoped full-text queries (rare, medium and common words, one to three words)
// timed one after another. The baseline, measured in the same run on the same rows, is what a store without a
// full-text index would do: a LIKE scan of the same guild's report text. SQLite always; PostgreSQL when reachable.
//
//   node dist/bench/search/run.js [--reports 10000] [--guilds 10] [--queries 200] [--pg]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { readCt19Csv } from '../../src/analysis/analyse/checkworthiness/csv.js';
import { packageRoot } from '../../src/core/paths.js';
import type { Depth } from '../../src/core/stage.js';
import { PostgresWorkflowStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteWorkflowStore, sqliteStorePath } from '../../src/store/sqlite/sqlite-store.js';
import { leaseOf, type WorkflowStore } from '../../src/store/store.js';
import { postgresTestUrl } from '../../test/support/services.js';
import { positiveArg } from '../args.js';

const REPORTS = positiveArg('reports', 10_000);
const GUILDS = positiveArg('guilds', 10);
const QUERIES = positiveArg('queries', 200);
const WITH_PG = process.argv.includes('--pg');
const SENTENCES_PER_REPORT = 30;
const DEPTHS: readonly Depth[] = ['standard', 'deep', 'comprehensive', 'experimental'];

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** A deterministic generator, so every run (and both stores) index the same text and ask the same questions. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Doc {
  readonly guildId: string;
  readonly title: string;
  readonly text: string;
  readonly depth: Depth;
}

/** Reports built from the vendored CT19 debate sentences (real political speech, see test/fixtures/README.md). */
function documents(): { docs: Doc[]; queries: { words: string; band: string; guildId: string }[] } {
  const csv = readFileSync(resolve(packageRoot(), 'test', 'fixtures', 'ct19-sample.csv'), 'utf8');
  const sentences = readCt19Csv(csv)
    .map((r) => r.text.trim())
    .filter((t) => t.split(/\s+/).length >= 6);
  const rand = lcg(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const docs: Doc[] = [];
  for (let i = 0; i < REPORTS; i++) {
    const own = Array.from({ length: SENTENCES_PER_REPORT }, () => pick(sentences));
    docs.push({
      guildId: `guild-${i % GUILDS}`,
      title: own[0]?.split(/\s+/).slice(0, 8).join(' ') ?? 'Untitled',
      text: own.join(' '),
      depth: pick(DEPTHS),
    });
  }
  // Words by how many sentences hold them: rare (1–3), medium (4–30), common (> 30).
  const df = new Map<string, number>();
  for (const s of sentences) {
    for (const w of new Set(s.toLowerCase().match(/\p{L}{4,}/gu) ?? [])) df.set(w, (df.get(w) ?? 0) + 1);
  }
  const band = (lo: number, hi: number): string[] =>
    [...df.entries()].filter(([, n]) => n >= lo && n <= hi).map(([w]) => w);
  const bands: Record<string, string[]> = { rare: band(1, 3), medium: band(4, 30), common: band(31, 1e9) };
  const queries: { words: string; band: string; guildId: string }[] = [];
  const names = Object.keys(bands);
  for (let q = 0; q < QUERIES; q++) {
    const name = names[q % names.length] ?? 'medium';
    const pool = bands[name] ?? [];
    const n = 1 + (q % 3);
    queries.push({
      words: Array.from({ length: n }, () => pick(pool)).join(' '),
      band: name,
      guildId: `guild-${q % GUILDS}`,
    });
  }
  return { docs, queries };
}

async function fill(store: WorkflowStore, docs: readonly Doc[]): Promise<number> {
  const t0 = performance.now();
  for (const [i, d] of docs.entries()) {
    const id = randomUUID();
    const now = 1_700_000_000_000 + i * 1000;
    await store.createWorkflow({
      id,
      now,
      request: {
        url: `https://news.example/${i}`,
        depth: d.depth,
        requesterId: `user-${i % 97}`,
        guildId: d.guildId,
        channelId: 'c',
        interactionId: null,
        origin: 'discord',
        delivery: { guildId: d.guildId },
      },
    });
    const claimed = await store.claim(id, { owner: 'bench', now, leaseMs: 60_000 });
    const run = claimed === null ? null : leaseOf(claimed);
    if (run === null) throw new Error(`could not claim ${id}`);
    await store.saveReport({
      id,
      workflowId: id,
      url: `https://news.example/${i}`,
      depth: d.depth,
      report: { title: d.title },
      createdAt: now,
      title: d.title,
      searchText: d.text,
    });
    await store.complete(run, { now, reportId: id });
  }
  return performance.now() - t0;
}

const pct = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

function summary(label: string, ms: number[]): { p50: number; p99: number } {
  const s = [...ms].sort((a, b) => a - b);
  const r = { p50: pct(s, 50), p99: pct(s, 99) };
  out(
    `  ${label.padEnd(28)} p50 ${r.p50.toFixed(2)} ms  p95 ${pct(s, 95).toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  ` +
      `max ${(s.at(-1) ?? NaN).toFixed(2)} ms`,
  );
  return r;
}

async function measure(
  name: string,
  store: WorkflowStore,
  scan: (words: string, guildId: string) => Promise<number>,
  queries: ReturnType<typeof documents>['queries'],
): Promise<void> {
  const fts: number[] = [];
  const base: number[] = [];
  const byBand = new Map<string, number[]>();
  let hits = 0;
  for (const q of queries) {
    let t = performance.now();
    const found = await store.searchReports(q.words, {
      limit: 5,
      scope: { kind: 'guild', guildId: q.guildId },
    });
    const ms = performance.now() - t;
    fts.push(ms);
    byBand.set(q.band, [...(byBand.get(q.band) ?? []), ms]);
    hits += found.length;
    t = performance.now();
    await scan(q.words, q.guildId);
    base.push(performance.now() - t);
  }
  out(`${name}: ${queries.length} guild-scoped queries, ${hits} hits shown (5 at most each)`);
  const a = summary('full-text search', fts);
  for (const [band, ms] of byBand) summary(`  ${band} words`, ms);
  const b = summary('baseline LIKE scan', base);
  out(
    `  p99 ${a.p99.toFixed(2)} ms (goal < 100 ms: ${a.p99 < 100 ? 'met' : 'MISSED'}); ` +
      `${(b.p99 / a.p99).toFixed(1)}× faster than the scan at p99, ${(b.p50 / a.p50).toFixed(1)}× at p50`,
  );
}

/** The scan a store without a full-text index would run: every word as a substring, within the guild. */
const likeTerms = (words: string): string[] => words.split(/\s+/).map((w) => `%${w}%`);

async function sqlite(docs: readonly Doc[], queries: ReturnType<typeof documents>['queries']): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'autointel-bench-search-'));
  const file = sqliteStorePath(dir);
  const store = new SqliteWorkflowStore({ filename: file });
  try {
    await store.migrate();
    const ms = await fill(store, docs);
    out(`SQLite: stored ${docs.length} reports in ${(ms / 1000).toFixed(1)} s`);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(file, { readonly: true });
    try {
      const scan = async (words: string, guildId: string): Promise<number> => {
        const terms = likeTerms(words);
        const where = terms.map(() => 'f.body LIKE ?').join(' AND ');
        const rows = db
          .prepare(
            `SELECT r.id FROM reports_fts f JOIN reports r ON r.id = f.report_id
               JOIN workflows w ON w.id = r.workflow_id
             WHERE w.guild_id = ? AND ${where} ORDER BY r.created_at DESC LIMIT 5`,
          )
          .all(guildId, ...terms);
        return rows.length;
      };
      await measure('SQLite FTS5', store, scan, queries);
    } finally {
      db.close();
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres(
  docs: readonly Doc[],
  queries: ReturnType<typeof documents>['queries'],
): Promise<void> {
  const url = postgresTestUrl();
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch (e: unknown) {
    out(`PostgreSQL: skipped — not reachable (${e instanceof Error ? e.message : String(e)})`);
    return;
  }
  const schema = `autointel_bench_${randomUUID().slice(0, 8)}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  const store = new PostgresWorkflowStore({ connectionString: url, schema, maxConnections: 4 });
  try {
    await store.migrate();
    const ms = await fill(store, docs);
    out(`PostgreSQL: stored ${docs.length} reports in ${(ms / 1000).toFixed(1)} s`);
    // The steady state autovacuum keeps: fresh GIN entries sit in the index's pending list until a vacuum merges them.
    await admin.query(`VACUUM ANALYZE ${schema}.reports`);
    await admin.query(`VACUUM ANALYZE ${schema}.workflows`);
    const scan = async (words: string, guildId: string): Promise<number> => {
      const terms = likeTerms(words);
      const where = terms.map((_, i) => `r.search_text ILIKE $${i + 2}`).join(' AND ');
      const r = await admin.query(
        `SELECT r.id FROM ${schema}.reports r JOIN ${schema}.workflows w ON w.id = r.workflow_id
         WHERE w.guild_id = $1 AND ${where} ORDER BY r.created_at DESC LIMIT 5`,
        [guildId, ...terms],
      );
      return r.rowCount ?? 0;
    };
    await measure('PostgreSQL tsvector', store, scan, queries);
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

const { docs, queries } = documents();
out(
  `search bench: ${REPORTS} reports × ${SENTENCES_PER_REPORT} sentences over ${GUILDS} guilds, ${QUERIES} queries ` +
    '(rare/medium/common words, 1–3 words each)',
);
await sqlite(docs, queries);
if (WITH_PG) await postgres(docs, queries);
else out('PostgreSQL: not measured (add --pg to include it)');
