import { describe, expect, it } from 'vitest';
import { depthScores, segment } from './segmentation.js';

describe('TextTiling segmentation', () => {
  it('cuts two topics apart where the vocabulary changes', () => {
    const a = ['tax', 'budget', 'deficit', 'spending', 'revenue'];
    const b = ['troops', 'war', 'iraq', 'military', 'allies'];
    const pick = (pool: string[], i: number) => [pool[i % 5]!, pool[(i + 2) % 5]!, pool[(i + 3) % 5]!];
    const sentences = [
      ...Array.from({ length: 12 }, (_, i) => pick(a, i)),
      ...Array.from({ length: 12 }, (_, i) => pick(b, i)),
    ];
    const starts = segment(sentences, { minSentences: 5 });
    expect(starts[0]).toBe(0);
    expect(starts).toHaveLength(2);
    expect(Math.abs(starts[1]! - 12)).toBeLessThanOrEqual(1);
  });

  it('keeps a short text as one chapter', () => {
    expect(segment([['a'], ['b'], ['c']])).toEqual([0]);
  });

  it('scores a valley by its rise to the peaks on both sides', () => {
    expect(depthScores([0.8, 0.2, 0.6])).toEqual([0, 0.6000000000000001 + 0.39999999999999997, 0]);
  });
});
