// Trains the NER tagger: averaged perceptron, hashed features, seeded shuffling so the model file is reproducible.
import { LABELS, type ConllSentence } from './conll.js';
import { capitalisedWords, fnv1a } from './features.js';
import { greedyDecode, type NerModelHeader } from './model.js';

export interface NerTrainOptions {
  readonly epochs: number;
  readonly buckets: number;
  readonly seed: number;
  /** Averaged weights smaller than this (in absolute value, every label) are dropped from the file. */
  readonly prune: number;
}

export const DEFAULT_NER_TRAIN_OPTIONS: NerTrainOptions = {
  epochs: 8,
  buckets: 1 << 19,
  seed: 13,
  prune: 0.02,
};

/** mulberry32: a small seeded PRNG, so shuffles are the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Document-level capitalised-word sets, one per document index. */
export function docCapsOf(sentences: readonly ConllSentence[]): Map<number, Set<string>> {
  const byDoc = new Map<number, string[][]>();
  for (const s of sentences) {
    const list = byDoc.get(s.doc) ?? [];
    list.push([...s.tokens]);
    byDoc.set(s.doc, list);
  }
  return new Map([...byDoc].map(([d, list]) => [d, capitalisedWords(list)]));
}

export function trainNer(
  sentences: readonly ConllSentence[],
  options: NerTrainOptions = DEFAULT_NER_TRAIN_OPTIONS,
  log: (line: string) => void = () => {},
): Map<number, Float32Array> {
  const L = LABELS.length;
  const B = options.buckets;
  const w = new Float64Array(B * L);
  const u = new Float64Array(B * L);
  let c = 1;
  const labelIndex = new Map<string, number>(LABELS.map((l, i) => [l, i]));
  const caps = docCapsOf(sentences);
  const order = sentences.map((_, i) => i);
  const random = rng(options.seed);
  const bucketsOf = (features: readonly string[]): number[] => features.map((f) => fnv1a(f) % B);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let errors = 0;
    let tokens = 0;
    for (const si of order) {
      const s = sentences[si]!;
      greedyDecode(
        s.tokens,
        caps.get(s.doc)!,
        (features, scores) => {
          for (const b of bucketsOf(features)) for (let l = 0; l < L; l++) scores[l]! += w[b * L + l]!;
        },
        (i, features, predicted) => {
          const gold = labelIndex.get(s.tags[i]!) ?? 0;
          tokens++;
          if (predicted !== gold) {
            errors++;
            for (const b of bucketsOf(features)) {
              w[b * L + gold]! += 1;
              u[b * L + gold]! += c;
              w[b * L + predicted]! -= 1;
              u[b * L + predicted]! -= c;
            }
          }
          c++;
          // Predicted history, as at tagging time, so the model learns to recover from its own mistakes.
          return undefined;
        },
      );
    }
    log(`epoch ${epoch + 1}: ${((100 * errors) / tokens).toFixed(2)}% token errors`);
  }
  const rows = new Map<number, Float32Array>();
  for (let b = 0; b < B; b++) {
    const row = new Float32Array(L);
    let keep = false;
    for (let l = 0; l < L; l++) {
      const avg = w[b * L + l]! - u[b * L + l]! / c;
      row[l] = avg;
      if (Math.abs(avg) >= options.prune) keep = true;
    }
    if (keep) rows.set(b, row);
  }
  return rows;
}

/** The int16 scale that fits the largest weight. */
export function headerFor(
  rows: ReadonlyMap<number, Float32Array>,
  options: NerTrainOptions,
  trainedOn: string,
  devF1: number | null,
): NerModelHeader {
  let max = 0;
  for (const row of rows.values()) for (const x of row) max = Math.max(max, Math.abs(x));
  return {
    version: `ner-ap-${options.epochs}e-${options.buckets}b-s${options.seed}`,
    labels: [...LABELS],
    buckets: options.buckets,
    scale: max === 0 ? 1 : 32767 / max,
    trainedOn,
    devF1,
  };
}
