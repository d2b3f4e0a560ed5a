import { describe, expect, it } from 'vitest';
import { cosine, mmrSelect, pageRank, rankSentences, tfidfVectors } from './textrank.js';

describe('pageRank', () => {
  it('ranks the hub of a star graph highest and keeps the total at 1', () => {
    const star = [
      [
        [1, 1],
        [2, 1],
        [3, 1],
      ],
      [[0, 1]],
      [[0, 1]],
      [[0, 1]],
    ] as const;
    const r = pageRank(star);
    expect(r[0]).toBeGreaterThan(r[1]!);
    expect(r[1]).toBeCloseTo(r[2]!, 9);
    expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('gives isolated nodes less than connected ones', () => {
    const r = pageRank([[[1, 1]], [[0, 1]], []]);
    expect(r[2]).toBeLessThan(r[0]!);
  });
});

describe('rankSentences (TextRank over TF-IDF similarity)', () => {
  it('puts the sentence that shares vocabulary with the others above an off-topic one', () => {
    const sentences = [
      ['budget', 'deficit', 'tax'],
      ['tax', 'budget', 'spending'],
      ['deficit', 'spending', 'budget', 'tax'],
      ['weather', 'rain', 'umbrella'],
    ];
    const { scores } = rankSentences(sentences);
    expect(scores[2]).toBe(1);
    expect(scores[3]).toBeLessThan(scores[0]!);
  });
});

describe('mmrSelect', () => {
  it('skips a near-duplicate of what it already took in favour of a different, slightly weaker item', () => {
    const vectors = tfidfVectors([
      ['a', 'b'],
      ['a', 'b'],
      ['c', 'd'],
    ]);
    const relevance = [1, 0.95, 0.9];
    const picked = mmrSelect(
      [0, 1, 2],
      (i) => relevance[i]!,
      (x, y) => cosine(vectors[x]!, vectors[y]!),
      2,
    );
    expect(picked).toEqual([0, 2]);
  });
});
