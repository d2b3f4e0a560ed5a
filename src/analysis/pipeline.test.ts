import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AdjustableClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { ok } from '../core/result.js';
import { memoryPartials, type Depth, type StageContext } from '../core/stage.js';
import type { AcquiredContent } from './acquire/types.js';
import { InProcessAnalysisRunner } from './analyse/in-process.js';
import type { ReportIndex } from './analyse/types.js';
import { extractClaimReviews, type FactCheckSearch, type PageClaimReview } from './factcheck/index.js';
import { createAnalysisPipeline, type ContentAcquirer } from './pipeline.js';
import { isMissing, ReportSchema } from './report.js';

const text =
  'Senator Jane Smith said the budget deficit doubled in 2020. Everyone knows the deficit matters. ' +
  'The Treasury in Washington reported the numbers on Friday. Perhaps the deficit will fall next year. ' +
  'Smith wants to cut spending on roads. Critics in Ohio call the plan a disaster for families.';

const acquirer: ContentAcquirer = {
  acquire: (source) =>
    Promise.resolve(
      ok<AcquiredContent>({
        kind: 'article',
        source,
        finalUrl: source,
        title: 'Budget news',
        byline: null,
        siteName: null,
        publishedTime: null,
        language: 'en',
        text,
        segments: null,
        media: null,
        notes: [],
        contentHash: createHash('sha256').update(text).digest('hex'),
        fetchedAt: 0,
      }),
    ),
};

const ctx = (): StageContext => ({
  signal: new AbortController().signal,
  clock: new AdjustableClock(),
  logger: createLogger({ level: 'silent' }),
  progress: () => {},
  partials: memoryPartials('test', {}),
});

/** Runs each stage from JSON-round-tripped outputs, as a resumed workflow would see them. */
async function runFromCheckpoints(
  depth: Depth,
  index: ReportIndex | null,
  llm = false,
  facts: { search?: FactCheckSearch; pageReviews?: PageClaimReview[]; guildId?: string } = {},
) {
  const analysis = new InProcessAnalysisRunner();
  const outputs: Record<string, unknown> = {};
  const withReviews: ContentAcquirer = {
    acquire: async (source, c) => {
      const r = await acquirer.acquire(source, c);
      return r.ok && facts.pageReviews ? ok({ ...r.value, claimReviews: facts.pageReviews }) : r;
    },
  };
  for (const name of ['acquire', 'transcribe', 'analyse', 'llm', 'report']) {
    // A fresh pipeline per stage: nothing may be carried in memory from the stage before.
    const pipeline = createAnalysisPipeline({
      acquirer: withReviews,
      analysis,
      reportIndex: index,
      llmConfigured: llm,
      factCheckSearch: facts.search ?? null,
    });
    const stage = pipeline.stagesFor(depth).find((s) => s.name === name)!;
    const outcome = await stage.run(
      { workflowId: 'wf-1', url: 'https://news.example/a', depth, guildId: facts.guildId ?? null, outputs },
      ctx(),
    );
    if (outcome.kind === 'failed') throw outcome.error;
    outputs[name] = JSON.parse(JSON.stringify(outcome.output)) as unknown;
  }
  return ReportSchema.parse(outputs['report']);
}

describe('analysis pipeline', () => {
  it('builds a valid report from checkpoints alone, with timings for every stage and engine versions', async () => {
    const report = await runFromCheckpoints('deep', null);
    expect(report.timings.map((t) => t.stage)).toEqual(['acquire', 'transcribe', 'analyse', 'llm', 'report']);
    expect(report.engines['wink-nlp']).toMatch(/^\d+\.\d+/);
    expect(report.source.wordCount).toBeGreaterThan(40);
    expect(report.sections.claims).toBeDefined();
    expect(report.sections.chapters).toBeUndefined();
    if (isMissing(report.sections.rhetoric)) throw new Error('rhetoric should be present');
    expect(report.sections.rhetoric?.items.map((r) => r.cue)).toEqual(
      expect.arrayContaining(['Everyone knows', 'Perhaps', 'disaster']),
    );
  });

  it('says why cross-references and fact checks are missing at comprehensive depth without an index', async () => {
    const report = await runFromCheckpoints('comprehensive', null);
    expect(report.sections.crossReferences).toEqual({
      missing: { reason: 'No report index is available here, so earlier analyses were not searched.' },
    });
    const fc = report.sections.factChecks;
    if (fc === undefined || isMissing(fc)) throw new Error('expected the fact-check section');
    expect(fc.items).toEqual([]);
    expect(fc.checked.length).toBeGreaterThan(0);
    expect(fc.sources.map((x) => [x.kind, x.status])).toEqual([
      ['page', 'searched'],
      ['google', 'not_configured'],
      ['earlier-report', 'skipped'],
    ]);
    expect(report.sections.chapters && !isMissing(report.sections.chapters)).toBe(true);
  });

  it('attaches published fact-checks from the page, the API and the guild’s earlier reports, through checkpoints', async () => {
    const queries: string[] = [];
    const search: FactCheckSearch = {
      name: 'Google Fact Check Tools',
      search: (q) => {
        queries.push(q);
        return Promise.resolve(
          ok(
            q.includes('deficit doubled')
              ? [
                  {
                    text: 'The budget deficit doubled in 2020',
                    claimant: 'Jane Smith',
                    claimDate: null,
                    reviews: [
                      {
                        publisher: 'Example Checkers',
                        site: 'checkers.example',
                        url: 'https://checkers.example/deficit',
                        title: null,
                        reviewDate: '2021-01-04T00:00:00Z',
                        textualRating: 'Half True',
                        languageCode: 'en',
                      },
                    ],
                  },
                ]
              : [],
          ),
        );
      },
    };
    const guilds: (string | null)[] = [];
    const index: ReportIndex = {
      search: (_q, o) => {
        // Fact-check lookups and cross-references alike: every search of earlier reports stays in the guild.
        guilds.push(o.scope.kind === 'guild' ? o.scope.guildId : null);
        return Promise.resolve([]);
      },
      loadReport: () => Promise.resolve(null),
    };
    const pageReviews = extractClaimReviews(
      '<script type="application/ld+json">{"@type":"ClaimReview","claimReviewed":"Senator Smith said the budget deficit doubled in 2020","author":{"name":"Page Desk"},"reviewRating":{"alternateName":"Mostly False"}}</script>',
    );
    const report = await runFromCheckpoints('comprehensive', index, false, {
      search,
      pageReviews,
      guildId: 'g-1',
    });
    const fc = report.sections.factChecks;
    if (fc === undefined || isMissing(fc)) throw new Error('expected the fact-check section');
    expect(fc.items.map((f) => [f.sourceKind, f.rating, f.publisher])).toEqual([
      ['page', 'Mostly False', 'Page Desk'],
      ['google', 'Half True', 'Example Checkers'],
    ]);
    const claim = fc.items[1]!;
    expect(text.slice(claim.span!.start, claim.span!.end)).toBe(claim.claim);
    expect(fc.items[0]!.span).toEqual(claim.span);
    expect(queries.length).toBe(fc.checked.length);
    expect(guilds.length).toBeGreaterThanOrEqual(fc.checked.length);
    expect(new Set(guilds)).toEqual(new Set(['g-1']));
    expect(fc.sources.map((x) => x.status)).toEqual(['searched', 'searched', 'searched']);
  });

  it('lists earlier reports found through the index, never the workflow itself', async () => {
    const queries: string[] = [];
    const index: ReportIndex = {
      search: (q, opts) => {
        queries.push(q);
        return Promise.resolve(
          [
            { workflowId: 'wf-1', url: 'https://self', title: 'self', snippet: '' },
            {
              workflowId: 'wf-0',
              url: 'https://old.example',
              title: 'Older budget story',
              snippet: 'deficit',
            },
          ].filter((h) => h.workflowId !== opts.excludeWorkflowId),
        );
      },
    };
    const report = await runFromCheckpoints('comprehensive', index);
    const x = report.sections.crossReferences;
    if (!x || isMissing(x)) throw new Error('expected cross-references');
    expect(x.items).toHaveLength(1);
    expect(x.items[0]).toMatchObject({ workflowId: 'wf-0', title: 'Older budget story' });
    expect(text.slice(x.items[0]!.span.start, x.items[0]!.span.end)).toContain(
      x.items[0]!.text.split(' ')[0],
    );
    expect(queries.length).toBeGreaterThan(0);
  });

  it('without a model, marks the model section missing at every depth, naming the settings and what a model would add', async () => {
    const standard = await runFromCheckpoints('standard', null);
    expect(standard.sections.llm).toEqual({
      missing: { reason: expect.stringContaining('AUTOINTEL_LLM_BASE_URL') },
    });
    const experimental = await runFromCheckpoints('experimental', null);
    const reason = isMissing(experimental.sections.llm) ? experimental.sections.llm.missing.reason : '';
    expect(reason).toContain('the rhetoric explained');
    expect(reason).toContain('AUTOINTEL_LLM_MODEL');
  });

  it('fails the report stage with a typed error when a checkpoint is missing', async () => {
    const pipeline = createAnalysisPipeline({ acquirer, analysis: new InProcessAnalysisRunner() });
    const stage = pipeline.stagesFor('standard').find((s) => s.name === 'report')!;
    const outcome = await stage.run({ workflowId: 'w', url: 'u', depth: 'standard', outputs: {} }, ctx());
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'analysis.missing_checkpoint' } });
  });
});
