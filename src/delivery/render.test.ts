import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Report } from '../analysis/report.js';
import { ReportSchema } from '../analysis/report.js';
import { LIMITS, validateMessage } from '../discord-api/limits.js';
import { partMarker, renderOutcome, renderProgressCard, renderReport, renderStatus } from './render.js';
import { reportArbitrary } from '../../test/support/report-arbitrary.js';
import { escapeInline, sanitize, splitText } from './text.js';
import type { WorkflowRecord } from '../store/store.js';

const WF = '0b4f8c1e-4f8a-4c2b-9d7e-1a2b3c4d5e6f';

export function sampleReport(overrides: Partial<Report['sections']> = {}): Report {
  const span = { start: 0, end: 10 };
  return {
    schemaVersion: 2,
    depth: 'deep',
    createdAt: '2025-01-01T00:00:00.000Z',
    source: {
      input: 'https://example.com/a',
      finalUrl: 'https://example.com/a',
      kind: 'article',
      title: 'A *bold* title @everyone',
      byline: 'Ann Author',
      siteName: 'Example',
      publishedTime: '2025-01-01',
      language: 'en',
      wordCount: 1234,
      contentHash: 'abc123',
    },
    timings: [{ stage: 'acquire', ms: 12 }],
    engines: { 'wink-nlp': '2.4.0' },
    notes: ['Fact-check lookups are not configured.'],
    sections: {
      summary: { items: [{ text: 'The council approved the budget. Taxes rise by 3%.', score: 1, span }] },
      keyPoints: { items: [{ text: 'Budget approved.', score: 1, span }] },
      topics: { items: [{ label: 'budget', score: 1, spans: [span] }] },
      entities: { items: [{ text: 'Council', type: 'organization', count: 2, spans: [span] }] },
      sentiment: { items: [{ label: 'neutral', score: 0.1, span }] },
      claims: { items: [{ text: 'Taxes rise by 3% next year.', score: 0.9, speaker: null, span }] },
      rhetoric: {
        items: [
          { kind: 'absolute', cue: 'always', detail: null, sentence: 'They always raise taxes.', span },
        ],
      },
      ...overrides,
    },
  };
}

const allStrings = (m: unknown): string[] => {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) if (k !== 'files' && k !== 'url') walk(x);
  };
  walk(m);
  return out;
};

describe('renderReport', () => {
  it('keeps every message of 10,000 generated reports (random and adversarial) within every Discord limit', () => {
    let messages = 0;
    let reports = 0;
    fc.assert(
      fc.property(reportArbitrary, (report) => {
        expect(ReportSchema.safeParse(report).success).toBe(true);
        const out = renderReport(report, { workflowId: WF });
        reports++;
        messages += out.length;
        expect(out.length).toBeGreaterThan(0);
        out.forEach((m, i) => {
          expect(validateMessage(m)).toEqual([]);
          expect(m.allowed_mentions).toEqual({ parse: [] });
          expect(m.embeds?.at(-1)?.footer?.text).toBe(partMarker(WF, i + 1, out.length));
          // No live mention can survive: every @ is followed by a zero-width space.
          for (const s of allStrings(m)) expect(/@(?!\u200b)/.test(s)).toBe(false);
        });
        expect(out[0]?.files?.[0]?.name).toBe(`report-${WF}.md`);
      }),
      { numRuns: Number(process.env['RENDER_RUNS'] ?? 10_000), seed: 20250101, endOnFailure: true },
    );
    console.log(`render property: ${reports} reports → ${messages} messages, 0 limit violations`);
  }, 1_200_000);

  it('splits a long summary across embeds without cutting a word', () => {
    const words = Array.from({ length: 900 }, (_, i) => `word${i}`);
    const text = `${words.join(' ')}.`;
    const report = sampleReport({ summary: { items: [{ text, score: 1, span: { start: 0, end: 1 } }] } });
    const out = renderReport(report, { workflowId: WF });
    const descs = out.flatMap((m) => m.embeds ?? []).map((e) => e.description ?? '');
    const shownWords = descs
      .join(' ')
      .split(/\s+/)
      .filter((w) => /^word\d+$/.test(w));
    // Every shown word is a whole word of the input, in order.
    shownWords.forEach((w, i) => expect(w).toBe(words[i]));
    expect(shownWords.length).toBeGreaterThan(400);
  });

  it('attaches the full report as Markdown, truncated to the file limit when asked', () => {
    const out = renderReport(sampleReport(), { workflowId: WF, maxFileBytes: 200 });
    const file = out[0]?.files?.[0];
    expect(file).toBeDefined();
    const bytes = Buffer.from(file?.contentBase64 ?? '', 'base64');
    expect(bytes.length).toBeLessThanOrEqual(200);
    expect(bytes.toString('utf8')).toContain('truncated');
    const full = renderReport(sampleReport(), { workflowId: WF });
    expect(Buffer.from(full[0]?.files?.[0]?.contentBase64 ?? '', 'base64').toString('utf8')).toContain(
      'Taxes rise by 3% next year.',
    );
  });

  it('escapes markdown and mentions in titles and text', () => {
    const out = renderReport(sampleReport(), { workflowId: WF });
    const head = out[0]?.embeds?.[0];
    expect(head?.title).toBe('A \\*bold\\* title @\u200beveryone');
    expect(head?.url).toBe('https://example.com/a');
  });

  it('links key points, claims, quotes and chapters to their place in the source (text fragment, t=)', () => {
    const span = { start: 0, end: 10 };
    const article = renderReport(
      sampleReport({
        quotes: { items: [{ text: 'We will (not) stop here.', speaker: 'Mayor', span }] },
      }),
      { workflowId: WF },
    );
    const text = JSON.stringify(article);
    expect(text).toContain('Budget approved. [↗](<https://example.com/a#:~:text=Budget%20approved.>)');
    expect(text).toContain('[↗](<https://example.com/a#:~:text=Taxes%20rise%20by%203%25%20next%20year.>)');
    // The quote's parentheses are encoded, so the masked link cannot end early.
    expect(text).toContain(
      'We will (not) stop here. [↗](<https://example.com/a#:~:text=We%20will%20%28not%29',
    );

    const timed = { start: 0, end: 10, startTime: 95, endTime: 130, speaker: 'Ann' };
    const video = sampleReport({
      chapters: {
        items: [
          {
            title: 'Budget talk',
            span: timed,
            summary: [{ text: 'The budget passed.', span: timed }],
            speakers: ['Ann'],
          },
        ],
      },
    });
    video.source.finalUrl = 'https://www.youtube.com/watch?v=abcdefghijk';
    video.source.kind = 'media';
    const rendered = renderReport(video, { workflowId: WF });
    const chapters = rendered.flatMap((m) => m.embeds ?? []).find((e) => e.title === 'Chapters');
    expect(chapters?.description).toContain('1:35 Budget talk — The budget passed.');
    expect(chapters?.description).toContain('[↗](<https://www.youtube.com/watch?v=abcdefghijk&t=95s>)');
    for (const m of rendered) expect(validateMessage(m)).toEqual([]);
  });

  it('states a missing section with its reason instead of leaving it out silently', () => {
    const out = renderReport(
      sampleReport({ claims: { missing: { reason: 'no claim model at this depth' } } }),
      {
        workflowId: WF,
      },
    );
    const text = JSON.stringify(out);
    expect(text).toContain('Claims: not produced — no claim model at this depth');
  });
});

describe('splitText', () => {
  it('shows each looked-up claim with the ratings as published, or that no published fact-check was found', () => {
    const report = sampleReport({
      factChecks: {
        items: [
          {
            claim: 'Taxes rose by 5% @everyone',
            span: { start: 0, end: 10 },
            sourceKind: 'google',
            reviewedClaim: 'Taxes rose by 5%',
            claimant: null,
            publisher: 'Example Checkers',
            rating: 'Half True',
            ratingScale: null,
            reviewUrl: 'https://checkers.example/taxes',
            reviewDate: '2026-01-02',
            workflowId: null,
            match: 1,
          },
        ],
        checked: [
          { claim: 'Taxes rose by 5% @everyone', span: { start: 0, end: 10 } },
          { claim: 'Spending fell.', span: { start: 11, end: 25 } },
        ],
        sources: [
          {
            kind: 'google',
            status: 'not_configured',
            detail: 'AUTOINTEL_FACTCHECK_API_KEY is not set, so the API was not searched.',
          },
        ],
      },
    });
    const messages = renderReport(report, { workflowId: 'wf-fc' });
    for (const m of messages) expect(validateMessage(m)).toEqual([]);
    const fields = messages.flatMap((m) => m.embeds ?? []).flatMap((e) => e.fields ?? []);
    const values = fields.map((f) => `${f.name} => ${f.value}`).join('\n');
    expect(values).toMatch(/Half True.*Example Checkers/);
    expect(values).toContain('no published fact-check found');
    expect(values).toContain('AUTOINTEL\\_FACTCHECK\\_API\\_KEY is not set');
    expect(values).not.toContain('@everyone');
  });

  it('never cuts inside a word unless that single word is longer than the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z]{1,30}$/), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 31, max: 500 }),
        (words, limit) => {
          const text = words.join(' ');
          const pieces = splitText(text, limit);
          expect(pieces.join(' ')).toBe(text);
          for (const p of pieces) expect(escapeInline(p).length).toBeLessThanOrEqual(limit - 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hard-splits an over-long word between code points, never inside a surrogate pair', () => {
    const word = '😀'.repeat(50);
    const pieces = splitText(word, 11);
    expect(pieces.join('')).toBe(word);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(10);
      expect(sanitize(p)).toBe(p);
    }
  });
});

const workflow = (over: Partial<WorkflowRecord>): WorkflowRecord => ({
  id: WF,
  request: {
    url: 'https://example.com/@everyone',
    depth: 'standard',
    requesterId: '1',
    guildId: '2',
    channelId: '3',
    interactionId: '4',
    origin: 'discord',
    delivery: {},
  },
  status: 'failed',
  progress: null,
  attempts: 1,
  lastError: { code: 'acquire.private_address', message: 'That address is on a private network.' },
  createdAt: 0,
  updatedAt: 0,
  startedAt: 0,
  finishedAt: 65_000,
  runAfter: 0,
  leaseOwner: null,
  runId: null,
  leaseExpiresAt: null,
  cancelRequested: false,
  reportId: null,
  deliveryState: null,
  deliveryError: null,
  ...over,
});

describe('cards and texts', () => {
  it('renders the progress card within limits with stage, percent and elapsed time', () => {
    const card = renderProgressCard(
      { stage: 'transcribe', percent: 42, message: 'Chunk 3/7', updatedAt: 0 },
      WF,
      125_000,
    );
    expect(validateMessage(card)).toEqual([]);
    const fields = card.embeds?.[0]?.fields ?? [];
    expect(fields.map((f) => f.value)).toEqual(['transcribe', '████░░░░░░ 42%', '2m 05s']);
  });

  it('renders a failure with the user-safe reason and its code, never the raw error', () => {
    const msg = renderOutcome(workflow({}));
    expect(validateMessage(msg)).toEqual([]);
    expect(msg.embeds?.[0]?.description).toBe('That address is on a private network.');
    expect(msg.embeds?.[0]?.title).toBe('Analysis failed');
    const cancelled = renderOutcome(workflow({ status: 'cancelled', lastError: null }));
    expect(cancelled.embeds?.[0]?.title).toBe('Analysis cancelled');
  });

  it('renders a status text under 2000 characters with mentions neutralised', () => {
    const text = renderStatus(
      workflow({ request: { ...workflow({}).request, url: `@everyone ${'x'.repeat(5000)}` } }),
      0,
    );
    expect(text.length).toBeLessThanOrEqual(LIMITS.content);
    expect(text).not.toMatch(/@(?!\u200b)/);
    expect(text).toContain('Elapsed: 1m 05s');
  });

  it("adds the workflow's model spend to the status when there is any, and stays within the limit", () => {
    const wf = workflow({});
    const spend = { calls: 3, promptTokens: 2000, completionTokens: 500, costUsd: 0.25 };
    expect(renderStatus(wf, 0, spend)).toContain('Model spend: $0.25 (3 calls, 2,500 tokens)');
    const none = { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
    expect(renderStatus(wf, 0, none)).toBe(renderStatus(wf, 0));
    const long = workflow({ request: { ...wf.request, url: 'x'.repeat(5000) }, lastError: null });
    expect(renderStatus(long, 0, spend).length).toBeLessThanOrEqual(LIMITS.content);
  });
});
