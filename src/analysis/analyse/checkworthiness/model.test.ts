import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { groupCt19Documents, readCt19Csv } from './csv.js';
import { defaultFeatureConfig, featureDimension } from './features.js';
import { DEFAULT_TRAIN_OPTIONS, decodeWeights, encodeWeights, trainLinear } from './model.js';
import { SentenceAnalyser } from './nlp.js';
import { buildModelFile, prepareDocuments, trainOnPrepared } from './train.js';
import { averagePrecision } from './metrics.js';

/**
 * The first 250 sentences of two CT19 documents, vendored as test/fixtures/ct19-sample.csv (source and terms in the
 * README there): enough positives to learn from, small enough to be quick, and present in every clone.
 */
const SAMPLE = fileURLToPath(new URL('../../../../test/fixtures/ct19-sample.csv', import.meta.url));

function smallSlice(): ReturnType<typeof prepareDocuments> {
  const docs = groupCt19Documents(readCt19Csv(readFileSync(SAMPLE, 'utf8')))
    .filter((d) => d.fileName.includes('3pres') || d.fileName.includes('trump_acceptance'))
    .map((d) => ({ fileName: d.fileName, rows: d.rows.slice(0, 250) }));
  return prepareDocuments(docs, new SentenceAnalyser(), defaultFeatureConfig(12));
}

describe('training', () => {
  const config = defaultFeatureConfig(12);
  const prepared = smallSlice();
  const data = { file: 'slice', sha256: 'x', documents: 2, sentences: 500, positives: 0 };

  it('is deterministic: the same data and seed give byte-identical model files', () => {
    const a = buildModelFile({
      weights: trainOnPrepared(prepared, config, DEFAULT_TRAIN_OPTIONS),
      config,
      options: DEFAULT_TRAIN_OPTIONS,
      data,
    });
    const b = buildModelFile({
      weights: trainOnPrepared(prepared, config, DEFAULT_TRAIN_OPTIONS),
      config,
      options: DEFAULT_TRAIN_OPTIONS,
      data,
    });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const other = { ...DEFAULT_TRAIN_OPTIONS, seed: 1 };
    const c = buildModelFile({
      weights: trainOnPrepared(prepared, config, other),
      config,
      options: other,
      data,
    });
    expect(c.version).not.toBe(a.version);
  });

  it('learns: on its own training data the ranking beats the positive rate by far', () => {
    const weights = trainOnPrepared(prepared, config, DEFAULT_TRAIN_OPTIONS);
    for (const doc of prepared) {
      const scores = doc.vectors.map((x) => {
        let z = 0;
        x.indices.forEach((idx, k) => (z += (weights[idx] ?? 0) * (x.values[k] ?? 0)));
        return z;
      });
      const rate = doc.labels.filter((l) => l === 1).length / doc.labels.length;
      expect(averagePrecision(scores, doc.labels)).toBeGreaterThan(3 * rate);
    }
  });

  it('trains every objective and rejects invalid options by name', () => {
    for (const objective of ['pointwise', 'pairwise', 'combined'] as const) {
      const w = trainLinear(prepared, featureDimension(config), { objective, epochs: 1 });
      expect(w.some((v) => v !== 0)).toBe(true);
    }
    expect(() => trainLinear(prepared, featureDimension(config), { epochs: 0 })).toThrow(/epochs/);
  });

  it('encodes weights losslessly as float32', () => {
    const w = Float32Array.from([0, -1.5, 3.25e-7, 12345.678]);
    expect(decodeWeights(encodeWeights(w), 4)).toEqual(w);
    expect(() => decodeWeights(encodeWeights(w), 5)).toThrow(RangeError);
  });
});
