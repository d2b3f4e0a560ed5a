import { describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../report.js';
import { compactSpan } from './format.js';
import { escapeMarkdown, renderMarkdown } from './markdown.js';
import { renderText } from './text.js';

const report: Report = ReportSchema.parse({
  schemaVersion: 1,
  depth: 'deep',
  createdAt: '2026-01-01T00:00:00.000Z',
  source: {
    input: 'https://example.org/a',
    finalUrl: 'https://example.org/a',
    kind: 'article',
    title: 'A *bold* title',
    byline: null,
    siteName: 'Example',
    publishedTime: null,
    language: 'en',
    wordCount: 12,
    contentHash: 'abc',
  },
  timings: [{ stage: 'acquire', ms: 5 }],
  engines: { 'wink-nlp': '2.4.0' },
  notes: ['Only language-neutral analysis ran.'],
  sections: {
    summary: { items: [{ text: 'Taxes rose by 5%.', score: 1, span: { start: 0, end: 17 } }] },
    keyPoints: { items: [] },
    topics: { items: [{ label: 'taxes', score: 1, spans: [{ start: 0, end: 5 }] }] },
    entities: { missing: { reason: 'wink-nlp English model; text is de' } },
    sentiment: { items: [{ label: 'neutral', score: 0, span: { start: 0, end: 17 } }] },
    claims: {
      items: [
        {
          text: 'Taxes rose by 5%.',
          score: 0.9,
          speaker: 'SMITH',
          span: { start: 0, end: 17, startTime: 65, endTime: 70 },
        },
      ],
    },
    rhetoric: { missing: { reason: 'The rhetoric lexicons are English' } },
  },
});

describe('renderMarkdown', () => {
  it('shows a missing section with its reason instead of content', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('## Entities\n\n_Not available: wink-nlp English model; text is de_');
    expect(md).toContain('## Rhetoric signals\n\n_Not available: The rhetoric lexicons are English_');
  });

  it('gives each item its span, as a media time when the source is timed', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('- Taxes rose by 5%. `@0–17`');
    expect(md).toContain('1. `0.90` **SMITH:** Taxes rose by 5%. `1:05–1:10`');
  });

  it('escapes Markdown in source text and says when a present section is empty', () => {
    const md = renderMarkdown(report);
    expect(md.startsWith('# A \\*bold\\* title')).toBe(true);
    expect(md).toContain('## Key points\n\n_Nothing found._');
    expect(escapeMarkdown('a|b_c')).toBe('a\\|b\\_c');
  });

  it('leaves out sections the depth did not ask for', () => {
    expect(renderMarkdown(report)).not.toContain('## Chapters');
  });
});

describe('renderText', () => {
  it('prints the reason of a missing section and the notes, without markup', () => {
    const text = renderText(report);
    expect(text).toContain('ENTITIES\n  Not available: wink-nlp English model; text is de');
    expect(text).toContain('NOTES\n  - Only language-neutral analysis ran.');
    expect(text).not.toContain('**');
  });
});

const factChecked: Report = ReportSchema.parse({
  ...report,
  depth: 'comprehensive',
  sections: {
    ...report.sections,
    factChecks: {
      items: [
        {
          claim: 'Taxes rose by 5%.',
          span: { start: 0, end: 17 },
          sourceKind: 'google',
          reviewedClaim: 'Taxes went up 5% this year',
          claimant: 'Jo Smith',
          publisher: 'Example *Checkers*',
          rating: 'Half True',
          ratingScale: null,
          reviewUrl: 'https://checkers.example/taxes',
          reviewDate: '2026-01-02T00:00:00Z',
          workflowId: null,
          match: 0.75,
        },
        {
          claim: 'Taxes rose by 5%.',
          span: { start: 0, end: 17 },
          sourceKind: 'earlier-report',
          reviewedClaim: 'Smith said taxes rose by 5%.',
          claimant: null,
          publisher: 'Older story',
          rating: null,
          ratingScale: null,
          reviewUrl: 'https://old.example/a',
          reviewDate: null,
          workflowId: 'wf-old',
          match: 1,
        },
        {
          claim: 'The page reviews this claim.',
          span: null,
          sourceKind: 'page',
          reviewedClaim: 'The page reviews this claim.',
          claimant: null,
          publisher: 'Page Desk',
          rating: 'False',
          ratingScale: '1 on a scale from 1 (worst) to 5 (best)',
          reviewUrl: null,
          reviewDate: '2025-11-08',
          workflowId: null,
          match: null,
        },
      ],
      checked: [
        { claim: 'Taxes rose by 5%.', span: { start: 0, end: 17 } },
        { claim: 'Spending fell.', span: { start: 18, end: 32 } },
      ],
      sources: [
        { kind: 'page', status: 'searched', detail: 'The page publishes 1 schema.org ClaimReview.' },
        { kind: 'google', status: 'searched', detail: '2 of 2 claims searched.' },
        {
          kind: 'earlier-report',
          status: 'searched',
          detail: '2 claims searched.',
        },
      ],
    },
  },
});

describe('fact checks', () => {
  it('Markdown: each looked-up claim with its published ratings, attributed and quoted, or that none was found', () => {
    const md = renderMarkdown(factChecked);
    expect(md).toContain(
      '- “Taxes rose by 5%.” `@0–17`\n' +
        '  - rated “Half True” by Example \\*Checkers\\*, 2026-01-02, via Google Fact Check Tools — <https://checkers.example/taxes> — their wording: “Taxes went up 5% this year” (claimed by Jo Smith)\n' +
        '  - also in an earlier report: “Older story” <https://old.example/a> (workflow wf-old), as “Smith said taxes rose by 5%.”\n' +
        '- “Spending fell.” `@18–32`\n' +
        '  - _no published fact-check found_\n' +
        '- “The page reviews this claim.” _(not in the analysed text)_\n' +
        "  - rated “False” by Page Desk, score 1 on a scale from 1 (worst) to 5 (best), 2025-11-08, via this page's ClaimReview markup",
    );
    expect(md).toContain("**Searched**\n\n- this page's ClaimReview markup (searched): The page publishes 1");
  });

  it('text: the same content without markup, naming sources that were not configured', () => {
    const notConfigured = ReportSchema.parse({
      ...factChecked,
      sections: {
        ...factChecked.sections,
        factChecks: {
          items: [],
          checked: [{ claim: 'Spending fell.', span: { start: 18, end: 32 } }],
          sources: [
            {
              kind: 'google',
              status: 'not_configured',
              detail: 'AUTOINTEL_FACTCHECK_API_KEY is not set, so the API was not searched.',
            },
          ],
        },
      },
    });
    const text = renderText(notConfigured);
    expect(text).toContain(
      'FACT CHECKS\n  - "Spending fell." [@18–32]\n      no published fact-check found\n  Searched:\n' +
        '    - Google Fact Check Tools (not configured): AUTOINTEL_FACTCHECK_API_KEY is not set, so the API was not searched.',
    );
    expect(renderText(factChecked)).toContain('rated “Half True” by Example *Checkers*');
  });
});

describe('compactSpan', () => {
  it('prefers media time and falls back to character offsets', () => {
    expect(compactSpan({ start: 3, end: 9 })).toBe('@3–9');
    expect(compactSpan({ start: 3, end: 9, startTime: 3725, endTime: 3725.5 })).toBe('1:02:05');
  });
});
