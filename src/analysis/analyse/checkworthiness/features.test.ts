import { describe, expect, it } from 'vitest';
import {
  DENSE_FEATURE_GROUPS,
  DENSE_FEATURE_NAMES,
  DEFAULT_FEATURE_SCALES,
  defaultFeatureConfig,
  disabledDenseIndices,
  extractFeatures,
} from './features.js';
import type { SentenceInput } from './features.js';
import { SentenceAnalyser } from './nlp.js';

const SENTENCES: SentenceInput[] = [
  { text: 'What will you do about the deficit?', speaker: 'HOST' },
  { text: 'The deficit rose by $400 billion, or 20 percent, since 2016.', speaker: 'SENATOR' },
  { text: 'My opponent voted against that bill three times.', speaker: 'SENATOR' },
];
const analyser = new SentenceAnalyser();
const analyses = SENTENCES.map((s) => analyser.analyse(s.text));

describe('feature groups', () => {
  it('put every named feature in exactly one group', () => {
    const grouped = Object.values(DENSE_FEATURE_GROUPS).flat();
    expect([...grouped].sort()).toEqual([...DENSE_FEATURE_NAMES].sort());
  });

  it('leave a switched-off group out of every vector, and change nothing else', () => {
    const all = extractFeatures(SENTENCES, analyses, defaultFeatureConfig(12));
    const config = defaultFeatureConfig(12, DEFAULT_FEATURE_SCALES, ['neighbours', 'numbers']);
    const off = disabledDenseIndices(config);
    expect(off.size).toBe(DENSE_FEATURE_GROUPS.neighbours.length + DENSE_FEATURE_GROUPS.numbers.length);
    const some = extractFeatures(SENTENCES, analyses, config);
    some.forEach((v, i) => {
      const full = all[i];
      if (full === undefined) throw new Error('missing vector');
      const kept = [...full.indices]
        .map((idx, k) => [idx, full.values[k]] as const)
        .filter(([idx]) => !off.has(idx));
      expect([...v.indices].map((idx, k) => [idx, v.values[k]] as const)).toEqual(kept);
    });
    // The sentence with figures did have number features to lose.
    expect([...(all[1]?.indices ?? [])].some((idx) => off.has(idx))).toBe(true);
  });

  it('leave a namespace scaled to 0 out entirely', () => {
    const config = defaultFeatureConfig(12, { word: 0, bigram: 0, posNgram: 0, contextWord: 0 });
    for (const v of extractFeatures(SENTENCES, analyses, config)) {
      expect(Math.max(...v.indices)).toBeLessThan(DENSE_FEATURE_NAMES.length);
      expect([...v.values].every((x) => x !== 0)).toBe(true);
    }
  });

  it('refuses an unknown group by name', () => {
    const config = { ...defaultFeatureConfig(12), disabledGroups: ['colour'] };
    expect(() => extractFeatures(SENTENCES, analyses, config)).toThrow(/unknown feature group colour/);
  });
});
