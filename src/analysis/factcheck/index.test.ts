import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RetryLaterError } from '../../core/errors.js';
import { err, ok } from '../../core/result.js';
import { memoryPartials } from '../../core/stage.js';
import type { ReportIndex } from '../analyse/types.js';
import type { Span } from '../report.js';
import { extractClaimReviews } from './claimreview.js';
import type { FactCheckSearch, PublishedClaim } from './google.js';
import { locate, runFactChecks, TOP_CLAIMS, type FactCheckRequest } from './index.js';
import type { ReportScope } from '../../store/store.js';

const page = readFileSync(
  new URL('../../../test/fixtures/factcheck/single-jsonld.html', import.meta.url),
  'utf8',
);

const TEXT =
  'State senator Jordan Avery said in a post that the state tripled its water tax in 2025. ' +
  'Budget records show the water levy rose by ten percent. ' +
  'The governor said the new bridge will open in 2027. ' +
  'Officials claimed the city planted 40,000 trees last year.';
const claimAt = (sentence: string): { text: string; span: Span } => {
  const start = TEXT.indexOf(sentence);
  if (start < 0) throw new Error(`not in TEXT: ${sentence}`);
  return { text: sentence, span: { start, end: start + sentence.length } };
};
const CLAIMS = [
  claimAt('State senator Jordan Avery said in a post that the state tripled its water tax in 2025.'),
  claimAt('The governor said the new bridge will open in 2027.'),
  claimAt('Officials claimed the city planted 40,000 trees last year.'),
];

const request = (over: Partial<FactCheckRequest> = {}): FactCheckRequest => ({
  depth: 'comprehensive',
  claims: CLAIMS,
  text: TEXT,
  language: 'en',
  pageReviews: [],
  workflowId: 'wf-new',
  scope: { kind: 'guild', guildId: 'guild-1' },
  ...over,
});
const ctx = () => ({ signal: new AbortController().signal });

function fakeSearch(answers: Record<string, PublishedClaim[]>, calls: string[] = []): FactCheckSearch {
  return {
    name: 'Google Fact Check Tools',
    search: (q) => {
      calls.push(q);
      const key = Object.keys(answers).find((k) => q.includes(k));
      return Promise.resolve(ok(key === undefined ? [] : answers[key]!));
    },
  };
}

const published = (text: string, rating: string, publisher = 'Example Checkers'): PublishedClaim => ({
  text,
  claimant: 'Someone',
  claimDate: null,
  reviews: [
    {
      publisher,
      site: 'checkers.example',
      url: 'https://checkers.example/r/1',
      title: null,
      reviewDate: '2027-01-05T00:00:00Z',
      textualRating: rating,
      languageCode: 'en',
    },
  ],
});

describe('runFactChecks', () => {
  it('has nothing at standard depth, nor at deep depth unless the page publishes a ClaimReview', async () => {
    const deps = { search: null, reportIndex: null };
    expect(await runFactChecks(request({ depth: 'standard' }), deps, ctx())).toBeNull();
    expect(await runFactChecks(request({ depth: 'deep' }), deps, ctx())).toBeNull();
    const deep = await runFactChecks(
      request({ depth: 'deep', pageReviews: extractClaimReviews(page) }),
      deps,
      ctx(),
    );
    expect(deep).toMatchObject({
      items: [{ sourceKind: 'page', rating: 'Pants on Fire!', claim: CLAIMS[0]!.text }],
      checked: [],
      sources: [
        { kind: 'page', status: 'searched' },
        { kind: 'google', status: 'skipped' },
        { kind: 'earlier-report', status: 'skipped' },
      ],
    });
  });

  it('attaches the page’s own ClaimReview to the claim it matches, rating and scale as published', async () => {
    const r = await runFactChecks(
      request({ pageReviews: extractClaimReviews(page) }),
      { search: null, reportIndex: null },
      ctx(),
    );
    if (r === null || !('items' in r)) throw new Error('expected a section');
    expect(r.items).toEqual([
      {
        claim: CLAIMS[0]!.text,
        span: CLAIMS[0]!.span,
        sourceKind: 'page',
        reviewedClaim: 'The state tripled its water tax in 2025.',
        claimant: 'Jordan Avery',
        publisher: 'Example Truth Meter',
        rating: 'Pants on Fire!',
        ratingScale: '1 on a scale from 1 (worst) to 6 (best)',
        reviewUrl: 'https://truth-meter.example/factchecks/2025/mar/14/water-tax-tripled/',
        reviewDate: '2025-03-14',
        workflowId: null,
        match: 1,
      },
    ]);
    expect(r.checked.map((c) => c.claim)).toEqual(CLAIMS.map((c) => c.text));
    expect(r.sources).toEqual([
      { kind: 'page', status: 'searched', detail: 'The page publishes 1 schema.org ClaimReview.' },
      {
        kind: 'google',
        status: 'not_configured',
        detail: 'AUTOINTEL_FACTCHECK_API_KEY is not set, so the API was not searched.',
      },
      {
        kind: 'earlier-report',
        status: 'skipped',
        detail: 'No report index is available here.',
      },
    ]);
  });

  it('keeps a page review that matches none of our claims, placed in the text when its words are there', async () => {
    const review = { ...extractClaimReviews(page)[0]!, claimReviewed: 'the water levy rose by ten percent.' };
    const r = await runFactChecks(
      request({ claims: [], pageReviews: [review] }),
      { search: null, reportIndex: null },
      ctx(),
    );
    if (r === null || !('items' in r)) throw new Error('expected a section');
    const span = r.items[0]!.span!;
    expect(TEXT.slice(span.start, span.end)).toBe('the water levy rose by ten percent');
    expect(r.items[0]!.match).toBeNull();
    expect(r.sources[1]).toMatchObject({ kind: 'google', status: 'not_configured' });
  });

  it('attaches Google results only where they match; a claim without one stays listed with no item', async () => {
    const calls: string[] = [];
    const search = fakeSearch(
      {
        'water tax': [
          published('The state tripled its water tax in 2025', 'False'),
          // Same topic, different claim: must not be attached.
          published('The state cut its water tax in 2025', 'True'),
        ],
        bridge: [published('The new bridge will open in 2027', 'Unproven', 'Bridge Watch')],
        trees: [published('The city planted 4,000 trees', 'Mostly false')],
      },
      calls,
    );
    const r = await runFactChecks(request(), { search, reportIndex: null }, ctx());
    if (r === null || !('items' in r)) throw new Error('expected a section');
    expect(calls).toHaveLength(3);
    expect(r.items.map((i) => [i.claim, i.rating, i.publisher])).toEqual([
      [CLAIMS[0]!.text, 'False', 'Example Checkers'],
      [CLAIMS[1]!.text, 'Unproven', 'Bridge Watch'],
    ]);
    expect(r.items.every((i) => i.sourceKind === 'google' && i.match! >= 0.6)).toBe(true);
    expect(r.sources[1]).toEqual({
      kind: 'google',
      status: 'searched',
      detail: '3 of 3 claims searched.',
    });
  });

  it('looks up at most the top claims, stops at a quota error and says what failed', async () => {
    const many = Array.from({ length: 8 }, (_, i) => claimAt(CLAIMS[i % 3]!.text));
    const calls: string[] = [];
    let n = 0;
    const search: FactCheckSearch = {
      name: 'Google Fact Check Tools',
      search: (q) => {
        calls.push(q);
        n++;
        return Promise.resolve(
          n < 3
            ? ok([])
            : err(
                new RetryLaterError('factcheck.rate_limited', 'HTTP 429 (quota exceeded) after 3 attempts', {
                  userMessage: 'The fact-check service refused more requests for now (quota).',
                }),
              ),
        );
      },
    };
    const r = await runFactChecks(request({ claims: many }), { search, reportIndex: null }, ctx());
    if (r === null || !('items' in r)) throw new Error('expected a section');
    expect(r.checked).toHaveLength(TOP_CLAIMS);
    expect(calls).toHaveLength(3);
    expect(r.sources[1]).toEqual({
      kind: 'google',
      status: 'failed',
      detail:
        '2 of 5 claims searched; the rest failed: The fact-check service refused more requests for now (quota). (HTTP 429 (quota exceeded) after 3 attempts, factcheck.rate_limited).',
    });
  });

  it('does not pay twice for a lookup an earlier run of the stage already saved', async () => {
    const outputs: Record<string, unknown> = {};
    const calls: string[] = [];
    const search = fakeSearch(
      { 'water tax': [published('The state tripled its water tax in 2025', 'False')] },
      calls,
    );
    const partials = memoryPartials('analyse', outputs);
    const first = await runFactChecks(request(), { search, reportIndex: null }, { ...ctx(), partials });
    const second = await runFactChecks(request(), { search, reportIndex: null }, { ...ctx(), partials });
    expect(calls).toHaveLength(3);
    expect(second).toEqual(first);
  });

  it('finds the same claim in the guild’s earlier reports only, verified against the earlier report’s own text', async () => {
    const searches: { q: string; scope: ReportScope }[] = [];
    const reports: Record<string, unknown> = {
      'r-old': {
        sections: {
          claims: { items: [{ text: 'Avery repeated that the state tripled its water tax in 2025.' }] },
        },
      },
      'r-unrelated': { sections: { claims: { items: [{ text: 'The state water tax funds new pipes.' }] } } },
    };
    const index: ReportIndex = {
      search: (q, o) => {
        searches.push({ q, scope: o.scope });
        return Promise.resolve(
          q.includes('tripled')
            ? [
                { workflowId: 'wf-new', reportId: 'r-self', url: 'https://self', title: 'self', snippet: '' },
                {
                  workflowId: 'wf-old',
                  reportId: 'r-old',
                  url: 'https://old.example/a',
                  title: 'Older story',
                  snippet: '',
                },
                {
                  workflowId: 'wf-x',
                  reportId: 'r-unrelated',
                  url: 'https://x.example',
                  title: 'Pipes',
                  snippet: '',
                },
              ]
            : [],
        );
      },
      loadReport: (id) => Promise.resolve(reports[id] ?? null),
    };
    const r = await runFactChecks(request(), { search: null, reportIndex: index }, ctx());
    if (r === null || !('items' in r)) throw new Error('expected a section');
    expect(searches.length).toBeGreaterThan(0);
    expect(searches.every((s) => s.scope.kind === 'guild' && s.scope.guildId === 'guild-1')).toBe(true);
    expect(searches[0]!.q).not.toMatch(/\bthe\b/);
    expect(r.items).toEqual([
      expect.objectContaining({
        claim: CLAIMS[0]!.text,
        sourceKind: 'earlier-report',
        reviewedClaim: 'Avery repeated that the state tripled its water tax in 2025.',
        publisher: 'Older story',
        rating: null,
        reviewUrl: 'https://old.example/a',
        workflowId: 'wf-old',
      }),
    ]);
    expect(r.sources[2]).toMatchObject({ kind: 'earlier-report', status: 'searched' });

    // Outside a server, only the requester's own earlier reports are searched.
    searches.length = 0;
    await runFactChecks(
      request({ scope: { kind: 'direct', requesterId: 'dm-user' } }),
      { search: null, reportIndex: index },
      ctx(),
    );
    expect(searches.length).toBeGreaterThan(0);
    expect(searches.every((s) => s.scope.kind === 'direct' && s.scope.requesterId === 'dm-user')).toBe(true);
  });

  it('says so when the index fails, keeping what other sources found', async () => {
    const index: ReportIndex = {
      search: () => Promise.reject(new Error('disk I/O error')),
      loadReport: () => Promise.resolve(null),
    };
    const r = await runFactChecks(
      request({ pageReviews: extractClaimReviews(page) }),
      { search: null, reportIndex: index },
      ctx(),
    );
    if (r === null || !('items' in r)) throw new Error('expected a section');
    expect(r.items).toHaveLength(1);
    expect(r.sources[2]).toEqual({
      kind: 'earlier-report',
      status: 'failed',
      detail: 'The report index failed (factcheck.index_failed).',
    });
  });
});

describe('locate', () => {
  it('finds a phrase across case and whitespace differences, without its final full stop', () => {
    expect(locate('One.  The Water\nlevy rose, they said', 'the water levy rose.')).toEqual({
      start: 6,
      end: 25,
    });
    expect(locate('abc', 'not here')).toBeNull();
    expect(locate('abc', ' . ')).toBeNull();
  });
});
