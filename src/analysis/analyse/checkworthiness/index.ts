// Check-worthiness ranker: scores each sentence of an ordered transcript by how much it deserves a fact-check.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PermanentError, toAppError } from '../../../core/errors.js';
import {
  DENSE_FEATURE_GROUP_NAMES,
  DENSE_FEATURE_NAMES,
  FEATURE_SET_VERSION,
  extractFeatures,
  featureDimension,
} from './features.js';
import type { FeatureConfig } from './features.js';
import { decodeWeights, dot, sigmoid } from './model.js';
import { SentenceAnalyser } from './nlp.js';
import type { SentenceAnalysis } from './nlp.js';
import { defaultModelPath } from './paths.js';
import { modelFileSchema } from './train.js';

export type { SentenceAnalysis } from './nlp.js';
export { SentenceAnalyser } from './nlp.js';
export { defaultModelPath } from './paths.js';

export interface ClaimCandidate {
  text: string;
  speaker: string | null;
}

export interface CheckworthinessRanker {
  readonly version: string;
  /**
   * Scores in [0, 1], in input order; higher means more check-worthy. The list must be the whole transcript in
   * order, since speaker roles and context come from it. `analyses`, when given, must be one per sentence, as
   * produced by `SentenceAnalyser.analyse` (lets a caller that already ran wink-nlp skip a second pass).
   */
  score(sentences: readonly ClaimCandidate[], analyses?: readonly SentenceAnalysis[]): number[];
}

class LinearCheckworthinessRanker implements CheckworthinessRanker {
  readonly version: string;
  readonly #weights: Float32Array;
  readonly #config: FeatureConfig;
  readonly #analyser: SentenceAnalyser;

  constructor(version: string, weights: Float32Array, config: FeatureConfig, analyser: SentenceAnalyser) {
    this.version = version;
    this.#weights = weights;
    this.#config = config;
    this.#analyser = analyser;
  }

  score(sentences: readonly ClaimCandidate[], analyses?: readonly SentenceAnalysis[]): number[] {
    if (analyses !== undefined && analyses.length !== sentences.length) {
      throw new RangeError(
        `analyses (${analyses.length}) and sentences (${sentences.length}) differ in length`,
      );
    }
    const a = analyses ?? sentences.map((s) => this.#analyser.analyse(s.text));
    return extractFeatures(sentences, a, this.#config).map((x) => sigmoid(dot(this.#weights, x)));
  }
}

/** Loads the ranker from a model file (default: models/checkworthiness.json under the package root). */
export function loadCheckworthinessRanker(modelPath?: string): CheckworthinessRanker {
  const file = modelPath ?? defaultModelPath();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e: unknown) {
    throw new PermanentError('checkworthiness.model_unreadable', `cannot read model ${path.basename(file)}`, {
      cause: toAppError(e),
    });
  }
  const parsed = modelFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PermanentError('checkworthiness.model_invalid', `model ${path.basename(file)} is malformed`, {
      context: { issues: parsed.error.issues.slice(0, 3).map((i) => i.message) },
    });
  }
  const m = parsed.data;
  const sameNames =
    m.features.denseNames.length === DENSE_FEATURE_NAMES.length &&
    m.features.denseNames.every((n, i) => n === DENSE_FEATURE_NAMES[i]);
  if (m.features.featureSetVersion !== FEATURE_SET_VERSION || !sameNames) {
    throw new PermanentError(
      'checkworthiness.model_mismatch',
      `model ${m.version} was trained on feature set ${m.features.featureSetVersion}, this code computes ${FEATURE_SET_VERSION}`,
    );
  }
  const config: FeatureConfig = m.features;
  const unknownGroup = config.disabledGroups.find(
    (g) => !(DENSE_FEATURE_GROUP_NAMES as readonly string[]).includes(g),
  );
  if (unknownGroup !== undefined) {
    throw new PermanentError(
      'checkworthiness.model_mismatch',
      `model ${m.version} switches off feature group ${unknownGroup}, which this code does not know`,
    );
  }
  if (m.weights.length !== featureDimension(config)) {
    throw new PermanentError('checkworthiness.model_invalid', `model ${m.version} has a wrong weight count`);
  }
  const ranker = new LinearCheckworthinessRanker(
    m.version,
    decodeWeights(m.weights.data, m.weights.length),
    config,
    new SentenceAnalyser(),
  );
  // A few passes over a small transcript compile the hot paths, so the first real call is not paying for it.
  for (let i = 0; i < 4; i++) ranker.score(WARM_UP);
  return ranker;
}

const WARM_UP: readonly ClaimCandidate[] = [
  { text: 'Good evening, and welcome to the debate.', speaker: 'HOST' },
  { text: 'Senator, what would you do about the deficit?', speaker: 'HOST' },
  { text: 'Well, thank you.', speaker: 'SENATOR' },
  { text: 'The deficit rose by $400 billion, or 20 percent, since 2016.', speaker: 'SENATOR' },
  { text: 'My opponent voted against that bill three times -- he never supported it!', speaker: 'SENATOR' },
  { text: "I think we're going to do great things, believe me.", speaker: 'SENATOR' },
  { text: '(APPLAUSE)', speaker: null },
  {
    text: 'Unemployment is the lowest it has been in 50 years, according to the Labor Department.',
    speaker: 'GOVERNOR',
  },
];
