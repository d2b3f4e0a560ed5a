// Reading stored reports: schema-1 reports stay readable under schema 2, keeping what still fits and dropping the rest.
import { describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_VERSION, ReportSchema } from './report.js';

const v1 = (sections: Record<string, unknown>) => ({
  schemaVersion: 1,
  depth: 'deep',
  createdAt: '2026-01-01T00:00:00.000Z',
  source: {
    input: 'https://example.org/a',
    finalUrl: 'https://example.org/a',
    kind: 'article',
    title: 'T',
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
    summary: { items: [] },
    keyPoints: { items: [] },
    topics: { items: [] },
    entities: { items: [] },
    sentiment: { items: [] },
    ...sections,
  },
});

const publishedChecks = {
  items: [],
  checked: [{ claim: 'Taxes rose.', span: { start: 0, end: 11 } }],
  sources: [{ kind: 'google', status: 'not_configured', detail: 'AUTOINTEL_FACTCHECK_API_KEY is not set.' }],
};

describe('ReportSchema reading schema 1', () => {
  it('keeps a missing model section and the published fact-check section', () => {
    const r = ReportSchema.parse(
      v1({ llm: { missing: { reason: 'no model configured' } }, factChecks: publishedChecks }),
    );
    expect(r.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(r.sections.llm).toEqual({ missing: { reason: 'no model configured' } });
    expect(r.sections.factChecks).toEqual(publishedChecks);
  });

  it('drops the old-shaped model items and the early {claim, source, verdict} fact-checks', () => {
    const r = ReportSchema.parse(
      v1({
        llm: { items: [{ stage: 'summary', text: 'old' }] },
        factChecks: {
          items: [{ claim: 'Taxes rose.', source: 'x', verdict: 'false', span: { start: 0, end: 11 } }],
        },
      }),
    );
    expect(r.sections.llm).toBeUndefined();
    expect(r.sections.factChecks).toBeUndefined();
    expect(r.sections.summary).toEqual({ items: [] });
  });

  it('still refuses a report of an unknown version', () => {
    expect(ReportSchema.safeParse({ ...v1({}), schemaVersion: 3 }).success).toBe(false);
  });
});
