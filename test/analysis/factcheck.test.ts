// Fact-checks end to end: a page served over HTTP with its own ClaimReview, Google Fact Check Tools answered by a local
// server in the documented shape, and earlier reports in a real SQLite store, scoped to the requesting guild.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessAnalysisRunner } from '../../src/analysis/analyse/in-process.js';
import type { ReportIndex } from '../../src/analysis/analyse/types.js';
import { GoogleFactCheckClient } from '../../src/analysis/factcheck/index.js';
import { createAnalysisPipeline } from '../../src/analysis/pipeline.js';
import { renderMarkdown } from '../../src/analysis/render/markdown.js';
import { isMissing, ReportSchema, type Report } from '../../src/analysis/report.js';
import { SystemClock } from '../../src/core/clock.js';
import { memoryPartials, type Depth } from '../../src/core/stage.js';
import { leaseOf, type WorkflowStore } from '../../src/store/store.js';
import { reportSearchFields } from '../../src/analysis/report-search.js';
import { request } from '../contracts/store.contract.js';
import { silentLogger, startServer, testAcquirer, type TestServer } from '../acquire/helpers.js';
import { tempSqlite } from '../workflow/support.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/factcheck/${name}`, import.meta.url), 'utf8');

let pages: TestServer;
let google: TestServer;
const googleQueries: string[] = [];
let db: ReturnType<typeof tempSqlite>;

beforeAll(async () => {
  pages = await startServer();
  for (const name of ['single-jsonld.html', 'graph-jsonld.html', 'microdata.html']) {
    pages.route(`/${name}`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(fixture(name));
    });
  }
  google = await startServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
    googleQueries.push(q);
    const claims = /water tax/i.test(q)
      ? [
          {
            text: 'The state tripled its water tax in 2025',
            claimant: 'Jordan Avery',
            claimDate: '2025-03-02T00:00:00Z',
            claimReview: [
              {
                publisher: { name: 'Another Checker', site: 'another.example' },
                url: 'https://another.example/water-tax',
                title: 'The water tax was not tripled',
                reviewDate: '2025-03-20T00:00:00Z',
                textualRating: 'False',
                languageCode: 'en',
              },
            ],
          },
        ]
      : [];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ claims }));
  });
  db = tempSqlite();
  await db.store.migrate();
});
afterAll(async () => {
  await pages.close();
  await google.close();
  await db.cleanup();
});

/** Runs every stage from stored outputs, as the engine does, for a workflow of `guildId`. */
async function analyse(
  url: string,
  depth: Depth,
  workflowId: string,
  guildId: string | null,
  store: WorkflowStore,
) {
  const clock = new SystemClock();
  const index: ReportIndex = {
    search: (q, o) => store.searchReports(q, o),
    loadReport: async (id) => (await store.getReport(id))?.report ?? null,
  };
  const pipeline = createAnalysisPipeline({
    acquirer: testAcquirer({ allowedEndpoints: [pages.endpoint] }),
    analysis: new InProcessAnalysisRunner(),
    reportIndex: index,
    factCheckSearch: new GoogleFactCheckClient({ apiKey: 'local-test-key', baseUrl: google.origin, clock }),
  });
  const outputs: Record<string, unknown> = {};
  for (const stage of pipeline.stagesFor(depth)) {
    const outcome = await stage.run(
      { workflowId, url, depth, guildId, outputs },
      {
        signal: new AbortController().signal,
        clock,
        logger: silentLogger,
        progress: () => undefined,
        partials: memoryPartials(stage.name, outputs),
      },
    );
    if (outcome.kind === 'failed') throw outcome.error;
    outputs[stage.name] = JSON.parse(JSON.stringify(outcome.output)) as unknown;
  }
  return ReportSchema.parse(outputs['report']);
}

/** Stores a finished workflow and its report the way the engine does (same search fields). */
async function store(report: Report, guildId: string): Promise<string> {
  const id = randomUUID();
  const now = Date.now();
  await db.store.createWorkflow({ id, request: request({ url: report.source.finalUrl, guildId }), now });
  const claimed = await db.store.claim(id, { owner: 'test', now, leaseMs: 30_000 });
  const run = claimed === null ? null : leaseOf(claimed);
  if (run === null) throw new Error(`workflow ${id} could not be claimed`);
  const reportId = randomUUID();
  await db.store.saveReport({
    id: reportId,
    workflowId: id,
    url: report.source.finalUrl,
    depth: report.depth,
    report,
    createdAt: now,
    ...reportSearchFields(report, report.source.finalUrl),
  });
  if (!(await db.store.complete(run, { now, reportId }))) throw new Error(`workflow ${id} lost its lease`);
  return id;
}

const factChecks = (r: Report) => {
  const fc = r.sections.factChecks;
  if (fc === undefined || isMissing(fc)) throw new Error('expected the fact-check section');
  return fc;
};

describe('fact-checks end to end', () => {
  it('acquisition carries the ClaimReviews of JSON-LD @graph and microdata pages served over HTTP', async () => {
    const acquirer = testAcquirer({ allowedEndpoints: [pages.endpoint] });
    const signal = new AbortController().signal;
    const graph = await acquirer.acquire(`${pages.origin}/graph-jsonld.html`, { signal });
    const micro = await acquirer.acquire(`${pages.origin}/microdata.html`, { signal });
    if (!graph.ok || !micro.ok) throw new Error('acquisition failed');
    expect(graph.value.claimReviews?.map((r) => [r.rating, r.publisher])).toEqual([
      ['Misleading', 'Example Agency Fact Check'],
    ]);
    expect(micro.value.claimReviews?.map((r) => [r.rating, r.format])).toEqual([['False', 'microdata']]);
  });

  it('attaches the page review and the API match, and finds the claim again only in the same guild’s reports', async () => {
    const url = `${pages.origin}/single-jsonld.html`;
    const first = await analyse(url, 'comprehensive', randomUUID(), 'guild-a', db.store);
    const fc1 = factChecks(first);
    expect(fc1.items.filter((f) => f.sourceKind === 'page').map((f) => f.rating)).toEqual(['Pants on Fire!']);
    expect(fc1.items.filter((f) => f.sourceKind === 'google').map((f) => f.rating)).toContain('False');
    expect(fc1.items.some((f) => f.sourceKind === 'earlier-report')).toBe(false);
    expect(googleQueries.length).toBe(fc1.checked.length);
    // Every rating comes from a publisher: the pipeline never adds one of its own.
    expect(fc1.items.every((f) => f.rating === null || ['Pants on Fire!', 'False'].includes(f.rating))).toBe(
      true,
    );

    const inA = await store(first, 'guild-a');
    const inB = await store(first, 'guild-b');
    const again = await analyse(url, 'comprehensive', randomUUID(), 'guild-a', db.store);
    const earlier = factChecks(again).items.filter((f) => f.sourceKind === 'earlier-report');
    expect(earlier.length).toBeGreaterThan(0);
    expect(new Set(earlier.map((f) => f.workflowId))).toEqual(new Set([inA]));
    expect(earlier.some((f) => f.workflowId === inB)).toBe(false);
    for (const f of earlier) expect(f.reviewedClaim.length).toBeGreaterThan(0);

    const md = renderMarkdown(again);
    expect(md).toContain('rated “Pants on Fire!” by Example Truth Meter');
    expect(md).toContain('also in an earlier report');
    expect(renderMarkdown(first)).toContain('no published fact-check found');
  });

  it('at deep depth reports the page’s own ClaimReview without calling the API', async () => {
    const before = googleQueries.length;
    const r = await analyse(`${pages.origin}/single-jsonld.html`, 'deep', randomUUID(), 'guild-a', db.store);
    expect(factChecks(r).items.map((f) => [f.sourceKind, f.rating])).toEqual([['page', 'Pants on Fire!']]);
    expect(googleQueries.length).toBe(before);
  });
});
