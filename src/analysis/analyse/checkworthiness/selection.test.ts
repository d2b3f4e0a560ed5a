import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { groupCt19Documents, readCt19Csv } from './csv.js';
import { DEFAULT_FEATURE_SCALES, defaultFeatureConfig, featureDimension } from './features.js';
import { averagePrecision } from './metrics.js';
import { DEFAULT_TRAIN_OPTIONS, dot, trainLinear } from './model.js';
import { SentenceAnalyser } from './nlp.js';
import {
  CANDIDATES,
  SHIPPED_CANDIDATE,
  chooseCandidate,
  findCandidate,
  nestedLeaveOneDocumentOut,
} from './selection.js';
import type { Candidate } from './selection.js';
import { analyseDocuments, featuriseDocuments } from './train.js';

const SAMPLE = fileURLToPath(new URL('../../../../test/fixtures/ct19-sample.csv', import.meta.url));

describe('chooseCandidate', () => {
  it('takes the best candidate when it is better on every document', () => {
    expect(
      chooseCandidate([
        [0.1, 0.2, 0.3, 0.2],
        [0.3, 0.4, 0.5, 0.4],
        [0.2, 0.3, 0.4, 0.3],
      ]),
    ).toBe(1);
  });

  it('prefers an earlier candidate whose mean is within one standard error of the best', () => {
    // Candidate 1 has the higher mean (0.325 vs 0.3) but loses on half the documents: the difference is noise.
    expect(
      chooseCandidate([
        [0.3, 0.3, 0.3, 0.3],
        [0.45, 0.2, 0.45, 0.2],
      ]),
    ).toBe(0);
    // A consistent lead of 0.05 on every document is not noise.
    expect(
      chooseCandidate([
        [0.3, 0.3, 0.3, 0.3],
        [0.35, 0.35, 0.35, 0.35],
      ]),
    ).toBe(1);
  });

  it('refuses nothing to choose from and candidates scored on different documents', () => {
    expect(() => chooseCandidate([])).toThrow(RangeError);
    expect(() => chooseCandidate([[0.1, 0.2], [0.3]])).toThrow(/different documents/);
  });
});

describe('candidates', () => {
  it('have unique names and include the shipped configuration', () => {
    expect(new Set(CANDIDATES.map((c) => c.name)).size).toBe(CANDIDATES.length);
    expect(findCandidate(SHIPPED_CANDIDATE).name).toBe(SHIPPED_CANDIDATE);
    expect(() => findCandidate('nope')).toThrow(/unknown candidate nope/);
  });
});

describe('nestedLeaveOneDocumentOut', () => {
  // Four documents of 120 sentences: the first and second halves of the two vendored CT19 excerpts.
  const docs = groupCt19Documents(readCt19Csv(readFileSync(SAMPLE, 'utf8'))).flatMap((d) => [
    { fileName: `${d.fileName}#a`, rows: d.rows.slice(0, 120) },
    { fileName: `${d.fileName}#b`, rows: d.rows.slice(120, 240) },
  ]);
  const analysed = analyseDocuments(docs, new SentenceAnalyser());
  const options = { ...DEFAULT_TRAIN_OPTIONS, epochs: 2 };
  const small: Candidate[] = [
    {
      name: 'named-only',
      why: 'test',
      config: defaultFeatureConfig(8, { word: 0, bigram: 0, posNgram: 0, contextWord: 0 }),
      options,
    },
    {
      name: 'words',
      why: 'test',
      config: defaultFeatureConfig(10, DEFAULT_FEATURE_SCALES, ['neighbours']),
      options,
    },
  ];
  const result = nestedLeaveOneDocumentOut(analysed, small);

  it('scores each held-out document with the chosen candidate trained on the other documents only', () => {
    expect(result.outer.map((d) => d.id)).toEqual(docs.map((d) => d.fileName));
    result.outer.forEach((outer, k) => {
      const candidate = small.find((c) => c.name === outer.chosen) as Candidate;
      const prepared = featuriseDocuments(analysed, candidate.config);
      const weights = trainLinear(
        prepared.filter((_, i) => i !== k),
        featureDimension(candidate.config),
        candidate.options,
      );
      const held = prepared[k];
      expect(outer.scores).toEqual(held?.vectors.map((x) => dot(weights, x)));
      expect(outer.labels).toEqual(analysed[k]?.labels);
    });
  });

  it('chooses in each outer fold from inner figures that leave the held-out document out', () => {
    result.outer.forEach((outer, k) => {
      expect(outer.innerMap).toHaveLength(small.length);
      // The inner figure of a candidate is the mean AP over the other documents, each scored by a model trained
      // without it and without the held-out document.
      const candidate = small[0] as Candidate;
      const prepared = featuriseDocuments(analysed, candidate.config);
      const inner = prepared
        .map((doc, j) => {
          if (j === k) return undefined;
          const w = trainLinear(
            prepared.filter((_, i) => i !== j && i !== k),
            featureDimension(candidate.config),
            candidate.options,
          );
          return averagePrecision(
            doc.vectors.map((x) => dot(w, x)),
            doc.labels,
          );
        })
        .filter((x): x is number => x !== undefined);
      expect(outer.innerMap[0]).toBeCloseTo(inner.reduce((a, b) => a + b, 0) / inner.length, 12);
    });
  });

  it('reports plain leave-one-document-out per candidate and a choice over all documents', () => {
    expect(result.candidates.map((c) => c.candidate.name)).toEqual(['named-only', 'words']);
    for (const c of result.candidates) expect(c.lodo).toHaveLength(docs.length);
    expect(small.map((c) => c.name)).toContain(result.chosenOnAll);
  });

  it('needs at least three documents', () => {
    expect(() => nestedLeaveOneDocumentOut(analysed.slice(0, 2), small)).toThrow(/at least 3/);
  });
});
