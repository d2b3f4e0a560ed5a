import { describe, expect, it } from 'vitest';
import { averagePrecision, precisionAtK, rankOrder, summariseRanking } from './metrics.js';

describe('ranking metrics', () => {
  // Ranking by score: items 0,1,2,3,4 (scores descending); relevant at ranks 1, 3 and 5.
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5];
  const labels: (0 | 1)[] = [1, 0, 1, 0, 1];

  it('computes average precision as the mean precision at each relevant rank', () => {
    // (1/1 + 2/3 + 3/5) / 3
    expect(averagePrecision(scores, labels)).toBeCloseTo((1 + 2 / 3 + 3 / 5) / 3, 12);
  });

  it('ranks by score, not by input order', () => {
    // Relevant items get the two lowest scores of four: ranks 3 and 4 → (1/3 + 2/4) / 2.
    expect(averagePrecision([0.1, 0.9, 0.2, 0.8], [1, 0, 1, 0])).toBeCloseTo((1 / 3 + 2 / 4) / 2, 12);
  });

  it('gives AP 0 to a document with nothing relevant and 1 to a perfect ranking', () => {
    expect(averagePrecision([0.3, 0.2], [0, 0])).toBe(0);
    expect(averagePrecision([0.3, 0.2, 0.1], [1, 1, 0])).toBe(1);
  });

  it('breaks score ties by input order', () => {
    expect(rankOrder([0.5, 0.7, 0.5])).toEqual([1, 0, 2]);
  });

  it('divides P@k by k even when fewer than k items exist', () => {
    expect(precisionAtK(scores, labels, 1)).toBe(1);
    expect(precisionAtK(scores, labels, 2)).toBe(0.5);
    expect(precisionAtK(scores, labels, 10)).toBeCloseTo(3 / 10, 12);
    expect(() => precisionAtK(scores, labels, 0)).toThrow(RangeError);
  });

  it('averages AP and P@k over documents for MAP', () => {
    const s = summariseRanking([
      { id: 'a', scores, labels },
      { id: 'b', scores: [0.1, 0.9], labels: [1, 0] },
    ]);
    const apA = (1 + 2 / 3 + 3 / 5) / 3;
    expect(s.map).toBeCloseTo((apA + 0.5) / 2, 12);
    expect(s.p10).toBeCloseTo((0.3 + 0.1) / 2, 12);
    expect(s.perDocument.map((d) => d.id)).toEqual(['a', 'b']);
  });

  it('rejects scores and labels of different lengths', () => {
    expect(() => averagePrecision([1, 2], [1])).toThrow(RangeError);
  });
});
