import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TranscriptSegment } from '../acquire/types.js';
import { alignTokens, boundedSentences, EnglishParser, parseGeneric } from './document.js';

const parser = new EnglishParser();
const noSegments = { segments: null, lineBreaksEndSentences: true };

describe('EnglishParser offsets', () => {
  it('maps every token and sentence back to the exact characters of the original text', () => {
    const words = [
      'Mr.',
      'Smith',
      "can't",
      'won’t',
      'U.S.A.',
      'café',
      '😀',
      '“quoted”',
      '5:30pm',
      'e-mail',
      'I’m',
      '—',
      'x@y.com',
    ];
    const gaps = [' ', '  ', '\n', '\n\n', '\t', '. ', '! ', '? ', ', ', '\r\n'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...words), fc.constantFrom(...gaps)), { maxLength: 40 }),
        (parts) => {
          const text = parts.map(([w, g]) => w + g).join('');
          const doc = parser.parse(text, noSegments);
          let last = 0;
          for (const t of doc.tokens) {
            expect(t.start).toBeGreaterThanOrEqual(last);
            last = t.end;
          }
          // Tokens tile the text: together they hold every non-space character, in order.
          const ink = (s: string) => s.replace(/\s+/g, '');
          expect(doc.tokens.map((t) => ink(text.slice(t.start, t.end))).join('')).toBe(ink(text));
          for (const s of doc.sentences) {
            const slice = text.slice(s.start, s.end);
            expect(slice).toBe(slice.trim());
            expect(slice.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('recovers each token even when the reported whitespace is wrong', () => {
    expect(alignTokens('a  b', ['a', 'b'], ['', ' '])).toEqual([
      [0, 1],
      [3, 4],
    ]);
  });

  it('ends a sentence at a line break, so a heading is not glued to its paragraph', () => {
    const doc = parser.parse('A Heading Without Period\nThe paragraph follows here.', noSegments);
    expect(doc.sentences.map((s) => doc.text.slice(s.start, s.end))).toEqual([
      'A Heading Without Period',
      'The paragraph follows here.',
    ]);
  });
});

describe('transcripts', () => {
  it('splits a sentence where the speaker changes and gives each sentence its speaker and times', () => {
    const a = 'We will cut taxes';
    const b = 'That is not true.';
    const text = `${a}\n${b}`;
    const segments: TranscriptSegment[] = [
      { start: 0, end: 3, speaker: 'SMITH', text: a, charStart: 0, charEnd: a.length },
      { start: 3, end: 5, speaker: 'JONES', text: b, charStart: a.length + 1, charEnd: text.length },
    ];
    // Captions-style parsing (no line-break sentence ends) still must not merge two speakers.
    const doc = parser.parse(text, { segments, lineBreaksEndSentences: false });
    expect(doc.sentences.map((s) => [text.slice(s.start, s.end), s.speaker, s.startTime, s.endTime])).toEqual(
      [
        [a, 'SMITH', 0, 3],
        [b, 'JONES', 3, 5],
      ],
    );
  });
});

describe('parseGeneric', () => {
  it('segments Chinese text into words and sentences with exact offsets', () => {
    const text = '今天天气很好。我们去公园散步吧！';
    const doc = parseGeneric(text, 'zh', noSegments);
    expect(doc.sentences).toHaveLength(2);
    expect(doc.tokens.filter((t) => t.word).length).toBeGreaterThan(4);
    for (const t of doc.tokens) expect(text.slice(t.start, t.end)).not.toBe('');
    expect(doc.english).toBe(false);
  });
});

describe('boundedSentences', () => {
  const segmenter = new Intl.Segmenter('fr', { granularity: 'sentence' });
  const text = Array.from(
    { length: 400 },
    (_, i) => `Phrase numéro ${i} du conseil municipal, adoptée mardi soir. `,
  ).join('');

  it('yields the same sentences as one segmenter pass over the whole text', () => {
    const whole = [...segmenter.segment(text)].map((s) => [s.index, s.segment]);
    const windowed = [...boundedSentences(text, segmenter, 512)].map((s) => [s.index, s.segment]);
    expect(windowed).toEqual(whole);
  });

  it('cuts a sentence longer than the window at a space, covering every character exactly once', () => {
    const long = `${'mot '.repeat(5_000)}fin.`;
    const pieces = [...boundedSentences(long, segmenter, 1_000)];
    expect(pieces.length).toBeGreaterThan(15);
    expect(pieces.map((p) => p.segment).join('')).toBe(long);
    for (const p of pieces.slice(0, -1)) expect(p.segment.endsWith(' ')).toBe(true);
    let at = 0;
    for (const p of pieces) {
      expect(p.index).toBe(at);
      at += p.segment.length;
    }
  });

  it('never splits a surrogate pair when a window ends inside one', () => {
    const emoji = '😀'.repeat(3_000);
    const pieces = [...boundedSentences(emoji, segmenter, 1_001)];
    expect(pieces.map((p) => p.segment).join('')).toBe(emoji);
    for (const p of pieces) expect(p.segment.length % 2).toBe(0);
  });

  it('keeps parseGeneric offsets exact on a long single-line CJK text', () => {
    const zh = '市议会周二晚上通过了明年的预算'.repeat(2_000);
    const doc = parseGeneric(zh, 'zh', noSegments);
    expect(doc.sentences.length).toBeGreaterThan(1);
    for (const t of doc.tokens) expect(zh.slice(t.start, t.end).length).toBe(t.end - t.start);
    expect(doc.sentences.at(-1)?.end).toBe(zh.length);
  });
});
