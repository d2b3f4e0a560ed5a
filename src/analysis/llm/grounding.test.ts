import { describe, expect, it } from 'vitest';
import type { TranscriptSegment } from '../acquire/types.js';
import { findQuote, groundingIndex, normalise } from './grounding.js';

const source =
  'The Senate passed the bill on Tuesday, 52–48.\n\nCritics said the “plan” would — in their words — cost $3 billion.';

describe('grounding', () => {
  it('finds a verbatim quote and returns the exact source span', () => {
    const span = findQuote(groundingIndex(source, null), 'The Senate passed the bill on Tuesday');
    expect(span).not.toBeNull();
    expect(source.slice(span!.start, span!.end)).toBe('The Senate passed the bill on Tuesday');
  });

  it('tolerates case, whitespace and punctuation differences only', () => {
    const index = groundingIndex(source, null);
    const span = findQuote(index, 'critics said the "plan" would -- in their words - cost $3 billion');
    expect(span).not.toBeNull();
    expect(source.slice(span!.start, span!.end)).toBe(
      'Critics said the “plan” would — in their words — cost $3 billion',
    );
    // A changed word, a paraphrase, or words out of order are not found.
    expect(findQuote(index, 'Critics said the plan would cost $4 billion')).toBeNull();
    expect(findQuote(index, 'The Senate approved the bill on Tuesday')).toBeNull();
    expect(findQuote(index, 'passed the Senate the bill on Tuesday')).toBeNull();
  });

  it('ignores transcript disfluencies on either side, and matches whole words only', () => {
    const spoken = 'So, uh, we think the um the budget will double by next year.';
    const index = groundingIndex(spoken, null);
    expect(findQuote(index, 'we think the the budget will double')).not.toBeNull();
    expect(findQuote(index, 'uh we think the um the budget will, uh, double')).not.toBeNull();
    // "he budget will double" starts inside the word "the".
    expect(findQuote(index, 'he budget will double by next')).toBeNull();
  });

  it('refuses quotes too short to prove anything', () => {
    expect(findQuote(groundingIndex(source, null), 'the bill')).toBeNull();
  });

  it('attaches media times when the source is timestamped', () => {
    const a = 'First we talk about rivers and lakes.';
    const b = ' Then the conversation turns to mountains.';
    const text = a + b;
    const segments: TranscriptSegment[] = [
      { start: 10, end: 14, speaker: null, text: a, charStart: 0, charEnd: a.length },
      { start: 14, end: 19.5, speaker: null, text: b, charStart: a.length, charEnd: text.length },
    ];
    const span = findQuote(groundingIndex(text, segments), 'rivers and lakes. Then the conversation turns');
    expect(span).toMatchObject({ startTime: 10, endTime: 19.5 });
  });

  it('maps characters outside the BMP and compatibility forms back to their source offsets', () => {
    const text = 'Launch 🚀 day: the ﬁrst rocket flew at noon today.';
    const span = findQuote(groundingIndex(text, null), 'the first rocket flew at noon');
    expect(text.slice(span!.start, span!.end)).toBe('the ﬁrst rocket flew at noon');
    expect(normalise('A—b  C').text).toBe('a b c');
  });
});
