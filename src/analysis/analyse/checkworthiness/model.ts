// Weighted L2 logistic regression on sparse vectors, trained with seeded AdaGrad SGD, and its compact encoding.
import type { SparseVector } from './features.js';

export interface TrainOptions {
  readonly epochs: number;
  readonly learningRate: number;
  /** L2 strength per example update, applied to the weights the example touches. */
  readonly l2: number;
  /** Weight of a positive example; `'balanced'` makes both classes weigh the same in total. */
  readonly positiveWeight: number | 'balanced';
  readonly seed: number;
}

export const DEFAULT_TRAIN_OPTIONS = {
  epochs: 12,
  learningRate: 0.1,
  l2: 1e-4,
  positiveWeight: 'balanced',
  seed: 20190101,
} as const satisfies TrainOptions;

/** A small, seeded PRNG (mulberry32): the same seed gives the same training run everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function dot(weights: ArrayLike<number>, x: SparseVector): number {
  let z = 0;
  const { indices, values } = x;
  for (let k = 0; k < indices.length; k++)
    z += (weights[indices[k] as number] as number) * (values[k] as number);
  return z;
}

function validate(opts: TrainOptions): void {
  const bad = (name: string, v: unknown): never => {
    throw new RangeError(`invalid training option ${name}: ${String(v)}`);
  };
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) bad('epochs', opts.epochs);
  if (!(opts.learningRate > 0)) bad('learningRate', opts.learningRate);
  if (!(opts.l2 >= 0)) bad('l2', opts.l2);
  if (opts.positiveWeight !== 'balanced' && !(opts.positiveWeight > 0))
    bad('positiveWeight', opts.positiveWeight);
}

/** Trains the weights (dimension `dim`) of a class-weighted logistic regression. Deterministic for a given seed. */
export function trainLogistic(
  xs: readonly SparseVector[],
  ys: readonly (0 | 1)[],
  dim: number,
  options: Partial<TrainOptions> = {},
): Float32Array {
  const opts: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  validate(opts);
  if (xs.length !== ys.length)
    throw new RangeError(`xs (${xs.length}) and ys (${ys.length}) differ in length`);
  const positives = ys.reduce<number>((a, y) => a + y, 0);
  const negatives = ys.length - positives;
  const posWeight =
    opts.positiveWeight === 'balanced'
      ? positives === 0
        ? 1
        : Math.max(1, negatives / positives)
      : opts.positiveWeight;
  const w = new Float64Array(dim);
  const g2 = new Float64Array(dim).fill(1e-6);
  const order = Array.from(xs.keys());
  const rand = seededRandom(opts.seed);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    for (const i of order) {
      const x = xs[i] as SparseVector;
      const y = ys[i] as 0 | 1;
      const p = sigmoid(dot(w, x));
      // Class weight scales the loss gradient; it is divided by posWeight's root so that AdaGrad's step
      // sizes stay comparable between the rare and the common class.
      const cw = y === 1 ? Math.sqrt(posWeight) : 1 / Math.sqrt(posWeight);
      const err = (p - y) * cw;
      const { indices, values } = x;
      for (let k = 0; k < indices.length; k++) {
        const idx = indices[k] as number;
        const g = err * (values[k] as number) + opts.l2 * (w[idx] as number);
        const acc = (g2[idx] as number) + g * g;
        g2[idx] = acc;
        w[idx] = (w[idx] as number) - (opts.learningRate * g) / Math.sqrt(acc);
      }
    }
  }
  return Float32Array.from(w);
}

/** Float32 little-endian, base64: exact, and about a third the size of decimal JSON numbers. */
export function encodeWeights(weights: Float32Array): string {
  const buf = Buffer.alloc(weights.length * 4);
  weights.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

export function decodeWeights(data: string, length: number): Float32Array {
  const buf = Buffer.from(data, 'base64');
  if (buf.length !== length * 4) {
    throw new RangeError(`encoded weights hold ${buf.length / 4} values, expected ${length}`);
  }
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}
