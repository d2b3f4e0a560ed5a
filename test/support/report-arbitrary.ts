// Generated reports for property tests: random text plus adversarial text (huge fields, markdown, mentions, odd Unicode).
import fc from 'fast-check';
import { STATEMENT_KINDS } from '../../src/analysis/llm/schemas.js';
import type { Report } from '../../src/analysis/report.js';
import { DEPTHS } from '../../src/core/stage.js';

const FRAGMENTS = [
  '@everyone',
  '@here',
  '<@&123456789012345678>',
  '<@123456789012345678>',
  '<#123456789012345678>',
  '**bold**',
  '__u__',
  '~~s~~',
  '||spoiler||',
  '```js\ncode\n```',
  '`',
  '> quote',
  '# heading',
  '-# small',
  '- item',
  '1. item',
  '[link](https://example.com)',
  '\\',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u2028',
  '\u0000',
  '\u001f',
  '\u0085',
  '😀',
  '👩‍👩‍👧‍👦',
  '\uD83D',
  '\uDE00',
  'e\u0301\u0302\u0303',
  '. ',
  '! ',
  '? ',
  '\n\n',
  '   ',
  '\t',
  'word',
  'Sentence one.',
  'https://example.com/a_b*c',
];

/** Text that stresses the renderer: random Unicode, adversarial fragments, and very long runs. */
export const nastyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((a) => a.join('')) },
  { weight: 2, arbitrary: fc.lorem({ maxCount: 60, mode: 'sentences' }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('a', 'é', '😀', '@', '*', 'x ', 'word. ', 'e\u0301'),
        fc.integer({ min: 1, max: 9000 }),
      )
      .map(([s, n]) => s.repeat(n)),
  },
  { weight: 1, arbitrary: fc.constant('') },
);

const span = fc.record(
  {
    start: fc.nat(100_000),
    end: fc.nat(100_000),
    startTime: fc.double({ min: 0, max: 100_000, noNaN: true }),
    endTime: fc.double({ min: 0, max: 100_000, noNaN: true }),
  },
  { requiredKeys: ['start', 'end'] },
);

const score = fc.double({ min: -1, max: 1, noNaN: true });
const unit = fc.double({ min: 0, max: 1, noNaN: true });

const section = <T>(
  item: fc.Arbitrary<T>,
  maxLength = 30,
): fc.Arbitrary<{ items: T[] } | { missing: { reason: string } }> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ items: fc.array(item, { maxLength }) }) },
    {
      weight: 1,
      arbitrary: fc.record({ missing: fc.record({ reason: nastyText.map((r) => r || 'no reason') }) }),
    },
  );

const nullable = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(a, { nil: null });

export const reportArbitrary: fc.Arbitrary<Report> = fc.record({
  schemaVersion: fc.constant(2 as const),
  depth: fc.constantFrom(...DEPTHS),
  createdAt: fc.constant<string>('2025-01-01T00:00:00.000Z'),
  source: fc.record({
    input: nastyText,
    finalUrl: fc.oneof(fc.webUrl(), nastyText),
    kind: fc.constantFrom('article' as const, 'text' as const, 'subtitles' as const, 'media' as const),
    title: nullable(nastyText),
    byline: nullable(nastyText),
    siteName: nullable(nastyText),
    publishedTime: nullable(nastyText),
    language: nullable(nastyText),
    wordCount: fc.nat(10_000_000),
    contentHash: fc.stringMatching(/^[0-9a-f]{8,64}$/),
  }),
  timings: fc.array(fc.record({ stage: nastyText, ms: fc.nat(1e7) }), { maxLength: 5 }),
  engines: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
  notes: fc.array(nastyText, { maxLength: 12 }),
  sections: fc.record(
    {
      summary: section(fc.record({ text: nastyText, score, span }), 20),
      keyPoints: section(fc.record({ text: nastyText, score, span })),
      topics: section(
        fc.record({ label: nastyText, score, spans: fc.array(span, { minLength: 1, maxLength: 2 }) }),
        60,
      ),
      entities: section(
        fc.record({
          text: nastyText,
          type: fc.constantFrom(
            'person' as const,
            'place' as const,
            'organization' as const,
            'other' as const,
          ),
          count: fc.integer({ min: 1, max: 1000 }),
          spans: fc.array(span, { minLength: 1, maxLength: 2 }),
        }),
        80,
      ),
      sentiment: section(
        fc.record({
          label: fc.constantFrom(
            'positive' as const,
            'negative' as const,
            'neutral' as const,
            'mixed' as const,
          ),
          score,
          span,
        }),
        1,
      ),
      claims: section(fc.record({ text: nastyText, score: unit, speaker: nullable(nastyText), span })),
      sentimentArc: section(fc.record({ index: fc.nat(1000), score, span }), 10),
      rhetoric: section(
        fc.record({
          kind: fc.constantFrom(
            'hedge' as const,
            'absolute' as const,
            'loaded_language' as const,
            'fallacy_cue' as const,
          ),
          cue: nastyText,
          detail: nullable(nastyText),
          sentence: nastyText,
          span,
        }),
      ),
      quotes: section(fc.record({ text: nastyText, speaker: nullable(nastyText), span }), 10),
      chapters: section(fc.record({ title: nastyText, span }), 20),
      crossReferences: section(
        fc.record({
          workflowId: fc.uuid(),
          url: fc.webUrl(),
          title: nastyText,
          matched: fc.constantFrom('claim' as const, 'entity' as const, 'text' as const),
          text: nastyText,
          span,
        }),
        10,
      ),
      factChecks: fc.oneof(
        fc.record({ missing: fc.record({ reason: nastyText.map((r) => r || 'no reason') }) }),
        fc.record({
          items: fc.array(
            fc.record({
              claim: nastyText,
              span: nullable(span),
              sourceKind: fc.constantFrom('page' as const, 'google' as const, 'earlier-report' as const),
              reviewedClaim: nastyText,
              claimant: nullable(nastyText),
              publisher: nullable(nastyText),
              rating: nullable(nastyText),
              ratingScale: nullable(nastyText),
              reviewUrl: nullable(fc.webUrl()),
              reviewDate: nullable(nastyText),
              workflowId: nullable(fc.uuid()),
              match: nullable(fc.double({ min: 0, max: 1, noNaN: true })),
            }),
            { maxLength: 10 },
          ),
          checked: fc.array(fc.record({ claim: nastyText, span }), { maxLength: 5 }),
          sources: fc.array(
            fc.record({
              kind: fc.constantFrom('page' as const, 'google' as const, 'earlier-report' as const),
              status: fc.constantFrom(
                'searched' as const,
                'not_configured' as const,
                'failed' as const,
                'skipped' as const,
              ),
              detail: nastyText.map((d) => d || 'searched'),
            }),
            { maxLength: 3 },
          ),
        }),
      ),
      llm: fc.oneof(
        {
          weight: 4,
          arbitrary: fc.record({
            items: fc.array(
              fc.record({
                kind: fc.constantFrom(...STATEMENT_KINDS),
                text: nastyText,
                detail: nullable(nastyText),
                model: nastyText,
                quotes: fc.array(fc.record({ text: nastyText, span }), { minLength: 1, maxLength: 2 }),
              }),
              { maxLength: 8 },
            ),
            models: fc.array(nastyText, { maxLength: 2 }),
            promptVersion: nastyText,
            dropped: fc.record({ statements: fc.nat(50), quotes: fc.nat(50) }),
            chunks: fc.record({ done: fc.nat(40), total: fc.nat(40) }),
            usage: fc.record({
              calls: fc.nat(100),
              cachedCalls: fc.nat(100),
              promptTokens: fc.nat(1_000_000),
              completionTokens: fc.nat(1_000_000),
              costUsd: fc.double({ min: 0, max: 20, noNaN: true }),
              estimated: fc.boolean(),
            }),
            budget: fc.record({
              limitUsd: fc.double({ min: 0, max: 20, noNaN: true }),
              limitTokens: fc.nat(2_000_000),
              estimateUsd: fc.double({ min: 0, max: 20, noNaN: true }),
              estimateTokens: fc.nat(2_000_000),
              stopped: nullable(nastyText),
            }),
            notes: fc.array(nastyText, { maxLength: 3 }),
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({ missing: fc.record({ reason: nastyText.map((r) => r || 'no reason') }) }),
        },
      ),
    },
    {
      requiredKeys: ['summary', 'keyPoints', 'topics', 'entities', 'sentiment'],
    },
  ),
});
