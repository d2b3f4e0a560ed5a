// Training of the check-worthiness ranker from CT19 documents, and the model file it produces.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Ct19Document } from './csv.js';
import { extractFeatures, featureDimension } from './features.js';
import type { FeatureConfig, SentenceInput, SparseVector } from './features.js';
import { dot, encodeWeights, sigmoid, trainLinear } from './model.js';
import type { TrainOptions } from './model.js';
import type { SentenceAnalyser, SentenceAnalysis } from './nlp.js';

export const MODEL_FORMAT = 'autointel.checkworthiness';
export const MODEL_FORMAT_VERSION = 1;

export const modelFileSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  formatVersion: z.literal(MODEL_FORMAT_VERSION),
  version: z.string().min(1),
  features: z.object({
    featureSetVersion: z.number().int(),
    hashBits: z.number().int().min(8).max(24),
    denseNames: z.array(z.string()),
    scales: z.object({ word: z.number(), bigram: z.number(), posNgram: z.number(), contextWord: z.number() }),
    // Absent in files written before feature groups could be switched off: then none is.
    disabledGroups: z.array(z.string()).default([]),
  }),
  training: z.object({
    algorithm: z.string(),
    /** The named configuration the model was trained with, as chosen by leave-one-document-out selection. */
    candidate: z.string().optional(),
    options: z.object({
      objective: z.enum(['pointwise', 'pairwise', 'combined']),
      pairsPerPositive: z.number(),
      epochs: z.number(),
      learningRate: z.number(),
      l2: z.number(),
      positiveWeight: z.union([z.number(), z.literal('balanced')]),
      seed: z.number(),
    }),
    data: z.object({
      file: z.string(),
      sha256: z.string(),
      documents: z.number().int(),
      sentences: z.number().int(),
      positives: z.number().int(),
    }),
  }),
  topDenseWeights: z.array(z.tuple([z.string(), z.number()])),
  weights: z.object({ encoding: z.literal('float32le-base64'), length: z.number().int(), data: z.string() }),
});

export type CheckworthinessModelFile = z.infer<typeof modelFileSchema>;

/** A document turned into model inputs: one feature vector and one label per sentence. */
export interface PreparedDocument {
  readonly id: string;
  readonly vectors: readonly SparseVector[];
  readonly labels: readonly (0 | 1)[];
}

/** A document after linguistic analysis, before featurisation: several feature configs can share it. */
export interface AnalysedDocument {
  readonly id: string;
  readonly inputs: readonly SentenceInput[];
  readonly analyses: readonly SentenceAnalysis[];
  readonly labels: readonly (0 | 1)[];
}

/** Runs the (costly) wink-nlp analysis of each document once. */
export function analyseDocuments(
  documents: readonly Ct19Document[],
  analyser: SentenceAnalyser,
): AnalysedDocument[] {
  return documents.map((doc) => {
    const inputs = doc.rows.map((r) => ({
      text: r.text,
      speaker: r.speaker.trim() === '' ? null : r.speaker,
    }));
    return {
      id: doc.fileName,
      inputs,
      analyses: inputs.map((s) => analyser.analyse(s.text)),
      labels: doc.rows.map((r) => r.label),
    };
  });
}

/** Turns analysed documents into feature vectors under one config. */
export function featuriseDocuments(
  documents: readonly AnalysedDocument[],
  config: FeatureConfig,
): PreparedDocument[] {
  return documents.map((d) => ({
    id: d.id,
    vectors: extractFeatures(d.inputs, d.analyses, config),
    labels: d.labels,
  }));
}

/** Analyses and featurises each document once, so that cross-validation can reuse the vectors. */
export function prepareDocuments(
  documents: readonly Ct19Document[],
  analyser: SentenceAnalyser,
  config: FeatureConfig,
): PreparedDocument[] {
  return featuriseDocuments(analyseDocuments(documents, analyser), config);
}

/** Trains weights on the given prepared documents (all sentences pooled). */
export function trainOnPrepared(
  documents: readonly PreparedDocument[],
  config: FeatureConfig,
  options: TrainOptions,
): Float32Array {
  return trainLinear(documents, featureDimension(config), options);
}

export interface ModelFileInput {
  readonly weights: Float32Array;
  readonly config: FeatureConfig;
  readonly options: TrainOptions;
  readonly candidate?: string;
  readonly data: { file: string; sha256: string; documents: number; sentences: number; positives: number };
}

/** Builds the model file; its version is derived from the content, so identical training gives identical files. */
export function buildModelFile(input: ModelFileInput): CheckworthinessModelFile {
  const data = encodeWeights(input.weights);
  const hash = createHash('sha256')
    .update(JSON.stringify(input.config))
    .update(JSON.stringify(input.options))
    .update(data)
    .digest('hex');
  const topDenseWeights = input.config.denseNames
    .map((name, i): [string, number] => [name, Math.round((input.weights[i] ?? 0) * 1e4) / 1e4])
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    version: `cw${input.config.featureSetVersion}-${hash.slice(0, 12)}`,
    features: {
      ...input.config,
      denseNames: [...input.config.denseNames],
      scales: { ...input.config.scales },
      disabledGroups: [...input.config.disabledGroups],
    },
    training: {
      algorithm: `linear scorer, ${input.options.objective} logistic loss, L2, AdaGrad SGD`,
      ...(input.candidate === undefined ? {} : { candidate: input.candidate }),
      options: { ...input.options },
      data: { ...input.data },
    },
    topDenseWeights,
    weights: { encoding: 'float32le-base64', length: input.weights.length, data },
  };
}

/**
 * Leave-one-document-out cross-validation: each document is scored by a model trained on all the others, so no
 * sentence is ever scored by a model that saw it (the hashed feature space has no vocabulary fitted on data).
 */
export function leaveOneDocumentOut(
  documents: readonly PreparedDocument[],
  config: FeatureConfig,
  options: TrainOptions,
): { id: string; scores: number[]; labels: readonly (0 | 1)[] }[] {
  return documents.map((held) => {
    const weights = trainOnPrepared(
      documents.filter((d) => d !== held),
      config,
      options,
    );
    return { id: held.id, scores: held.vectors.map((x) => sigmoid(dot(weights, x))), labels: held.labels };
  });
}
