// Model selection for the check-worthiness ranker by leave-one-document-out, and a nested estimate of how the
// selected model does on a document that took no part in any choice.
import { DEFAULT_FEATURE_SCALES, defaultFeatureConfig, featureDimension } from './features.js';
import type { DenseFeatureGroup, FeatureConfig } from './features.js';
import { averagePrecision } from './metrics.js';
import type { RankedDocument } from './metrics.js';
import { DEFAULT_TRAIN_OPTIONS, dot, trainLinear } from './model.js';
import type { TrainOptions } from './model.js';
import { featuriseDocuments } from './train.js';
import type { AnalysedDocument, PreparedDocument } from './train.js';

/** One configuration model selection may choose: features and training options together. */
export interface Candidate {
  readonly name: string;
  /** What the candidate is for, in a few words (printed by the bench). */
  readonly why: string;
  readonly config: FeatureConfig;
  readonly options: TrainOptions;
}

/** Groups that describe a sentence's place among its neighbours rather than the sentence itself. */
const CONTEXT_GROUPS = [
  'turn',
  'position',
  'topic',
  'neighbours',
] as const satisfies readonly DenseFeatureGroup[];

const NO_HASHED = { word: 0, bigram: 0, posNgram: 0, contextWord: 0 } as const;
const SENTENCE_SCALES = { ...DEFAULT_FEATURE_SCALES, contextWord: 0 } as const;

/**
 * The candidates, ordered from the fewest learned parameters to the most: when two candidates do equally well within
 * the noise, selection takes the earlier one. The list is short on purpose: while it was drawn up, plain
 * leave-one-document-out put L2 from 1e-4 to 3e-2, 3 to 12 epochs, pairwise and combined losses, smoothing scores over
 * neighbours, averaging seeds, dropping rarely seen hashed buckets, weighting documents equally and products of cue
 * pairs all within about 0.01 MAP of each other, which is the size of the seed-to-seed noise; each extra candidate
 * only adds chances to pick a lucky one.
 */
export const CANDIDATES: readonly Candidate[] = [
  {
    name: 'cues',
    why: 'named cues only (length, numbers, entities, syntax, lexicons, speaker, context), no word features',
    config: defaultFeatureConfig(8, NO_HASHED),
    options: DEFAULT_TRAIN_OPTIONS,
  },
  {
    name: 'sentence',
    why: 'the sentence and its speaker: named cues, words, bigrams, POS n-grams; nothing from the neighbours',
    config: defaultFeatureConfig(15, SENTENCE_SCALES, CONTEXT_GROUPS),
    options: DEFAULT_TRAIN_OPTIONS,
  },
  {
    name: 'sentence-l2',
    why: 'as sentence, ten times the L2 penalty',
    config: defaultFeatureConfig(15, SENTENCE_SCALES, CONTEXT_GROUPS),
    options: { ...DEFAULT_TRAIN_OPTIONS, l2: 1e-2 },
  },
  {
    name: 'sentence-pairwise',
    why: 'as sentence, trained on within-document (check-worthy, not) pairs',
    config: defaultFeatureConfig(15, SENTENCE_SCALES, CONTEXT_GROUPS),
    options: { ...DEFAULT_TRAIN_OPTIONS, objective: 'pairwise' },
  },
  {
    name: 'full',
    why: 'every feature including neighbour words and context cues (the configuration shipped before selection)',
    config: defaultFeatureConfig(17),
    options: DEFAULT_TRAIN_OPTIONS,
  },
];

/**
 * The candidate the shipped model is trained with: the one `chooseCandidate` picks over all training documents
 * (the bench prints that choice and says when it differs from this constant).
 */
export const SHIPPED_CANDIDATE = 'sentence';

export function findCandidate(name: string): Candidate {
  const c = CANDIDATES.find((x) => x.name === name);
  if (c === undefined) {
    throw new RangeError(`unknown candidate ${name}; known: ${CANDIDATES.map((x) => x.name).join(', ')}`);
  }
  return c;
}

const mean = (xs: readonly number[]): number =>
  xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/**
 * Picks a candidate from per-document AP on the same documents (`ap[c][d]`): the first candidate, in list order,
 * whose mean AP is within one standard error of the best candidate's, the error taken over the per-document
 * differences between the two. Differences that small are below the noise of the folds (a change of training seed
 * moves the mean by about as much), and the earlier candidate has fewer parameters to overfit with.
 */
export function chooseCandidate(ap: readonly (readonly number[])[]): number {
  if (ap.length === 0) throw new RangeError('no candidates to choose from');
  const means = ap.map(mean);
  let best = 0;
  means.forEach((m, i) => {
    if (m > (means[best] as number)) best = i;
  });
  const bestAp = ap[best] as readonly number[];
  for (let c = 0; c < ap.length; c++) {
    const row = ap[c] as readonly number[];
    if (row.length !== bestAp.length) throw new RangeError('candidates were scored on different documents');
    const diffs = bestAp.map((v, d) => v - (row[d] as number));
    if (mean(diffs) <= sampleSd(diffs) / Math.sqrt(diffs.length)) return c;
  }
  return best;
}

export interface CandidateResult {
  readonly candidate: Candidate;
  /** Plain leave-one-document-out: each document scored by this candidate trained on all the others. */
  readonly lodo: readonly RankedDocument[];
}

export interface NestedResult {
  readonly candidates: readonly CandidateResult[];
  /**
   * Nested leave-one-document-out: for each held-out document, the candidate is chosen by leave-one-document-out
   * over the remaining documents only, trained on all of them, and scores the held-out one.
   */
  readonly outer: readonly (RankedDocument & {
    readonly chosen: string;
    /** Inner leave-one-document-out MAP of each candidate (in candidate order) over the other documents. */
    readonly innerMap: readonly number[];
  })[];
  /** The choice made over all the documents: the configuration to ship. */
  readonly chosenOnAll: string;
}

function score(weights: Float32Array, doc: PreparedDocument): number[] {
  return doc.vectors.map((x) => dot(weights, x));
}

/**
 * Runs every candidate through leave-one-document-out and through the inner folds of the nested estimate. A model
 * trained without documents j and k serves as the inner fold for j when k is held out and for k when j is, so a
 * candidate costs n(n − 1)/2 + n trainings rather than n².
 */
export function nestedLeaveOneDocumentOut(
  documents: readonly AnalysedDocument[],
  candidates: readonly Candidate[] = CANDIDATES,
  onProgress: (message: string) => void = () => {},
): NestedResult {
  const n = documents.length;
  if (n < 3) throw new RangeError(`nested leave-one-document-out needs at least 3 documents, received ${n}`);
  if (candidates.length === 0) throw new RangeError('no candidates');
  const results: CandidateResult[] = [];
  // pairAp[c][k * n + j]: AP of document j under candidate c trained without j and k.
  const pairAp: Float64Array[] = [];
  for (const candidate of candidates) {
    const started = performance.now();
    const prepared = featuriseDocuments(documents, candidate.config);
    const dim = featureDimension(candidate.config);
    const train = (without: ReadonlySet<number>): Float32Array =>
      trainLinear(
        prepared.filter((_, i) => !without.has(i)),
        dim,
        candidate.options,
      );
    const lodo = prepared.map((held, k) => ({
      id: held.id,
      scores: score(train(new Set([k])), held),
      labels: held.labels,
    }));
    const pairs = new Float64Array(n * n);
    for (let k = 0; k < n; k++) {
      for (let j = k + 1; j < n; j++) {
        const w = train(new Set([j, k]));
        const dj = prepared[j] as PreparedDocument;
        const dk = prepared[k] as PreparedDocument;
        pairs[k * n + j] = averagePrecision(score(w, dj), dj.labels);
        pairs[j * n + k] = averagePrecision(score(w, dk), dk.labels);
      }
    }
    results.push({ candidate, lodo });
    pairAp.push(pairs);
    onProgress(`${candidate.name}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  const lodoAp = results.map((r) => r.lodo.map((d) => averagePrecision(d.scores, d.labels)));
  const outer = documents.map((doc, k) => {
    const inner = pairAp.map((pairs) => {
      const row: number[] = [];
      for (let j = 0; j < n; j++) if (j !== k) row.push(pairs[k * n + j] as number);
      return row;
    });
    const c = chooseCandidate(inner);
    const chosen = results[c] as CandidateResult;
    return {
      ...(chosen.lodo[k] as RankedDocument),
      id: doc.id,
      chosen: chosen.candidate.name,
      innerMap: inner.map(mean),
    };
  });
  return {
    candidates: results,
    outer,
    chosenOnAll: (results[chooseCandidate(lodoAp)] as CandidateResult).candidate.name,
  };
}
