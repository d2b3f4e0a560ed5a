import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sentimentChartSvg } from '../analysis/render/chart.js';
import { REPORT_SCHEMA_VERSION, ReportSchema, type Report } from '../analysis/report.js';
import { AdjustableClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { svgToPng } from '../delivery/chart-png.js';
import { ReportLinks } from '../delivery/report-links.js';
import { REPORT_PAGE_CSP, renderReportPage, reportPageRoute, safeHref } from './report-page.js';
import { createHttpServer } from './server.js';

const TEXT =
  'Taxes rose by 5% last year. "We will cut them," the minister said. Critics disagree strongly with the plan.';

function report(
  over: { title?: string; finalUrl?: string; arc?: number[]; claimText?: string } = {},
): Report {
  return ReportSchema.parse({
    schemaVersion: REPORT_SCHEMA_VERSION,
    depth: 'deep',
    createdAt: '2026-01-01T00:00:00.000Z',
    source: {
      input: over.finalUrl ?? 'https://example.org/a',
      finalUrl: over.finalUrl ?? 'https://example.org/a',
      kind: 'article',
      title: over.title ?? 'Budget debate',
      byline: null,
      siteName: 'Example',
      publishedTime: null,
      language: 'en',
      wordCount: 19,
      contentHash: 'abc',
    },
    timings: [{ stage: 'acquire', ms: 5 }],
    engines: { 'wink-nlp': '2.4.0' },
    notes: [],
    sections: {
      summary: { items: [{ text: 'Taxes rose by 5% last year.', score: 1, span: { start: 0, end: 27 } }] },
      keyPoints: { items: [] },
      topics: { items: [] },
      entities: { items: [{ text: 'Critics', type: 'other', count: 1, spans: [{ start: 67, end: 74 }] }] },
      sentiment: { items: [{ label: 'neutral', score: 0, span: { start: 0, end: TEXT.length } }] },
      claims: {
        items: [
          {
            text: over.claimText ?? 'Taxes rose by 5% last year.',
            score: 0.9,
            speaker: null,
            span: { start: 0, end: 27 },
          },
        ],
      },
      sentimentArc: {
        items: (over.arc ?? [0.2, -0.4, 0.6]).map((score, index) => ({
          index,
          score,
          span: { start: index * 30, end: index * 30 + 30 },
        })),
      },
      quotes: {
        items: [{ text: 'We will cut them,', speaker: 'the minister', span: { start: 29, end: 46 } }],
      },
    },
  });
}

/** The same link with the signature's first character changed (always to a different one). */
const tamper = (path: string): string =>
  path.replace(/s=(.)/, (_m, c: string) => `s=${c === 'A' ? 'B' : 'A'}`);

describe('ReportLinks', () => {
  const links = new ReportLinks({
    secret: randomBytes(32),
    publicUrl: 'https://bot.example/',
    ttlMs: 3_600_000,
  });
  const pathOf = (url: string): string => url.slice('https://bot.example'.length);

  it('verifies its own link until it expires, and nothing else', () => {
    const now = 1_700_000_000_000;
    const link = links.linkFor('wf-1', now);
    expect(link).toMatch(/^https:\/\/bot\.example\/r\/wf-1\?e=\d+&s=[\w-]+$/);
    expect(links.verify(pathOf(link), now)).toBe('wf-1');
    expect(links.verify(pathOf(link), now + 3_600_000)).toBeNull();
    expect(links.verify(pathOf(link).replace('wf-1', 'wf-2'), now)).toBeNull();
    expect(
      links.verify(
        pathOf(link).replace(/e=(\d+)/, (_m, e: string) => `e=${Number(e) + 60}`),
        now,
      ),
    ).toBeNull();
    expect(links.verify(tamper(pathOf(link)), now)).toBeNull();
    expect(links.verify('/r/wf-1', now)).toBeNull();
    const other = new ReportLinks({
      secret: randomBytes(32),
      publicUrl: 'https://bot.example',
      ttlMs: 3_600_000,
    });
    expect(other.verify(pathOf(link), now)).toBeNull();
  });

  it('rejects bad options at construction, naming them', () => {
    expect(() => new ReportLinks({ secret: Buffer.alloc(8), publicUrl: 'https://x', ttlMs: 1 })).toThrow(
      /secret/,
    );
    expect(() => new ReportLinks({ secret: randomBytes(32), publicUrl: 'ftp://x', ttlMs: 1 })).toThrow(
      /publicUrl/,
    );
  });
});

describe('renderReportPage', () => {
  it('shows the summary, the chart, the claims linked into the highlighted source text', () => {
    const html = renderReportPage(report(), TEXT);
    expect(html).toContain('<h1><bdi>Budget debate</bdi></h1>');
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(html).toContain('href="#src-claim-1"');
    expect(html).toContain('<mark class="claim" id="src-claim-1">Taxes rose by 5% last year.</mark>');
    expect(html).toContain('<mark class="quote" id="src-quote-1">We will cut them,</mark>');
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script/i);
  });

  it('renders hostile content inert: markup escaped, javascript: never a link, bidi overrides removed, long lines wrap', () => {
    const hostile = report({
      title: '<script>alert(1)</script>\u202Egnp.exe',
      finalUrl: 'javascript:alert(1)',
      claimText: `<img src=x onerror=alert(1)> ${'A'.repeat(100_000)}`,
    });
    const html = renderReportPage(hostile, `<b>${TEXT}</b>`);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain('href="javascript:');
    expect(html).not.toContain('\u202E');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;');
    expect(html).toContain('overflow-wrap:anywhere');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('https://ok.example/a?b=1')).toBe('https://ok.example/a?b=1');
  });

  it('lists published fact-checks with the rating as published and a link to the review, or that none was found', () => {
    const base = report();
    const withChecks = ReportSchema.parse({
      ...base,
      depth: 'comprehensive',
      sections: {
        ...base.sections,
        factChecks: {
          items: [
            {
              claim: 'Taxes rose by 5% last year.',
              span: { start: 0, end: 27 },
              sourceKind: 'google',
              reviewedClaim: 'Taxes rose 5% last year',
              claimant: null,
              publisher: 'Example <b>Checkers</b>',
              rating: 'Half True',
              ratingScale: null,
              reviewUrl: 'https://checkers.example/taxes',
              reviewDate: null,
              workflowId: null,
              match: 1,
            },
          ],
          checked: [
            { claim: 'Taxes rose by 5% last year.', span: { start: 0, end: 27 } },
            { claim: 'Critics disagree strongly with the plan.', span: { start: 67, end: 107 } },
          ],
          sources: [{ kind: 'google', status: 'searched', detail: '2 of 2 claims searched.' }],
        },
      },
    });
    const html = renderReportPage(withChecks, TEXT);
    expect(html).toContain('Rating as published');
    expect(html).toContain('“Half True”');
    expect(html).toContain('href="https://checkers.example/taxes"');
    expect(html).toContain('Example &lt;b&gt;Checkers&lt;/b&gt;');
    expect(html).toContain('no published fact-check found');
  });

  it("shows the model's statements with the model's name and their verified quotes, each linked into the source", () => {
    const base = report();
    const quote = { text: 'Critics disagree strongly with the plan.', span: { start: 67, end: 107 } };
    expect(TEXT.slice(quote.span.start, quote.span.end)).toBe(quote.text);
    const withModel = ReportSchema.parse({
      ...base,
      sections: {
        ...base.sections,
        llm: {
          items: [
            {
              kind: 'argument',
              text: 'Critics <i>object</i> to the tax plan.',
              detail: 'objection',
              model: 'model-<a>',
              quotes: [quote],
            },
          ],
          models: ['model-<a>'],
          promptVersion: 'p3',
          dropped: { statements: 2, quotes: 0 },
          chunks: { done: 1, total: 1 },
          usage: {
            calls: 1,
            cachedCalls: 0,
            promptTokens: 900,
            completionTokens: 120,
            costUsd: 0.01,
            estimated: false,
          },
          budget: { limitUsd: 1, limitTokens: 0, estimateUsd: 0.01, estimateTokens: 1020, stopped: null },
          notes: [],
        },
      },
    });
    const html = renderReportPage(withModel, TEXT);
    expect(html).toContain('Model analysis (grounded in quotes)');
    expect(html).toContain('Argument structure (objection)');
    expect(html).toContain('Critics &lt;i&gt;object&lt;/i&gt; to the tax plan.');
    expect(html).toContain('model-&lt;a&gt;');
    expect(html).toContain('“Critics disagree strongly with the plan.” (§67)');
    expect(html).toContain('href="#src-model-quote-1"');
    expect(html).toMatch(
      /<mark class="quote" id="src-model-quote-1">Critics disagree strongly with the plan\.<\/mark>/,
    );
    expect(html).toContain('2 model statements dropped: not found in the source.');

    const unconfigured = ReportSchema.parse({
      ...base,
      sections: { ...base.sections, llm: { missing: { reason: 'No model is configured' } } },
    });
    expect(renderReportPage(unconfigured, TEXT)).toContain('Not available: No model is configured');
  });

  it('cuts a huge source text and says so', () => {
    const html = renderReportPage(report(), TEXT + 'x'.repeat(300_000), 1_000);
    expect(html).toContain('Showing the first 1,000 of 300,107 characters.');
  });
});

describe('sentiment chart', () => {
  it('two reports give two different charts, each a valid PNG within Discord limits', async () => {
    const a = sentimentChartSvg(report({ arc: [0.9, 0.8, 0.7] }), { theme: 'dark' });
    const b = sentimentChartSvg(report({ arc: [-0.9, 0.1, -0.5] }), { theme: 'dark' });
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(a).not.toBe(b);
    const pa = await svgToPng(a!);
    const pb = await svgToPng(b!);
    for (const png of [pa, pb]) {
      expect(png).not.toBeNull();
      expect(png!.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(png!.readUInt32BE(16)).toBe(720);
      expect(png!.readUInt32BE(20)).toBe(260);
      expect(png!.length).toBeLessThan(10 * 1024 * 1024);
    }
    expect(pa!.equals(pb!)).toBe(false);
  });

  it('draws nothing when there is neither an arc nor claims', () => {
    const r = report();
    const bare = {
      ...r,
      sections: { ...r.sections, sentimentArc: { missing: { reason: 'standard depth' } } },
    };
    expect(sentimentChartSvg(bare)).toBeNull();
  });
});

describe('GET /r/<id>', () => {
  it('serves a signed link with a strict CSP; a tampered or expired one is a 404 like an unknown id', async () => {
    const clock = new AdjustableClock(1_700_000_000_000);
    const links = new ReportLinks({
      secret: randomBytes(32),
      publicUrl: 'https://bot.example',
      ttlMs: 60_000,
    });
    const r = report();
    const server = createHttpServer({
      host: '127.0.0.1',
      port: 0,
      clock,
      logger: createLogger({ level: 'silent' }),
      mode: 'test',
    });
    server.route(
      'GET',
      '/r/*',
      reportPageRoute({
        links,
        clock,
        logger: createLogger({ level: 'silent' }),
        source: {
          getWorkflow: (id) => Promise.resolve(id === 'wf-1' ? { reportId: 'rep-1' } : null),
          getReport: (id) => Promise.resolve(id === 'rep-1' ? { report: r } : null),
          getCheckpoints: () => Promise.resolve({ acquire: { content: { text: TEXT } } }),
        },
      }),
    );
    const { url } = await server.start();
    try {
      const path = links.linkFor('wf-1', clock.now()).slice('https://bot.example'.length);
      const ok = await fetch(url + path);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-security-policy')).toBe(REPORT_PAGE_CSP);
      expect(REPORT_PAGE_CSP).toContain("default-src 'none'");
      expect(await ok.text()).toContain('Budget debate');
      expect((await fetch(url + tamper(path))).status).toBe(404);
      const unknown = links.linkFor('wf-2', clock.now()).slice('https://bot.example'.length);
      expect((await fetch(url + unknown)).status).toBe(404);
      clock.advance(60_001);
      expect((await fetch(url + path)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
