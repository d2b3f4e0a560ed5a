// Weighted L2 logistic regression on sparse vectors, trained with seeded AdaGrad SGD, and its compact encoding.
import type { SparseVector } from './features.js';

export interface TrainOptions {
  /**
   * `pointwise`: class-weighted logistic loss per sentence. `pairwise`: logistic loss on (check-worthy,
   * not check-worthy) pairs from the same document, which optimises the within-document ranking that MAP
   * measures. `combined`: both, interleaved.
   */
  readonly objective: 'pointwise' | 'pairwise' | 'combined';
  readonly epochs: number;
  readonly learningRate: number;
  /** L2 strength per update, applied to the weights the update touches. */
  readonly l2: number;
  /** Weight of a positive example (pointwise); `'balanced'` makes both classes weigh the same in total. */
  readonly positiveWeight: number | 'balanced';
  /** Negatives drawn from the same document per positive, per epoch (pairwise). */
  readonly pairsPerPositive: number;
  readonly seed: number;
}

export const DEFAULT_TRAIN_OPTIONS = {
  objective: 'pointwise',
  epochs: 12,
  learningRate: 0.1,
  l2: 1e-3,
  positiveWeight: 'balanced',
  pairsPerPositive: 20,
  seed: 20190101,
} as const satisfies TrainOptions;

/** Sentences of one document with their labels: pairs are only formed inside a document. */
export interface LabelledGroup {
  readonly vectors: readonly SparseVector[];
  readonly labels: readonly (0 | 1)[];
}

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
  if (!['pointwise', 'pairwise', 'combined'].includes(opts.objective)) bad('objective', opts.objective);
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) bad('epochs', opts.epochs);
  if (!(opts.learningRate > 0)) bad('learningRate', opts.learningRate);
  if (!(opts.l2 >= 0)) bad('l2', opts.l2);
  if (opts.positiveWeight !== 'balanced' && !(opts.positiveWeight > 0))
    bad('positiveWeight', opts.positiveWeight);
  if (!Number.isInteger(opts.pairsPerPositive) || opts.pairsPerPositive < 1) {
    bad('pairsPerPositive', opts.pairsPerPositive);
  }
}

/** AdaGrad state over a dense weight vector; updates touch only the indices of the given sparse vector. */
class AdaGrad {
  readonly w: Float64Array;
  readonly #g2: Float64Array;
  readonly #lr: number;
  readonly #l2: number;

  constructor(dim: number, lr: number, l2: number) {
    this.w = new Float64Array(dim);
    this.#g2 = new Float64Array(dim).fill(1e-6);
    this.#lr = lr;
    this.#l2 = l2;
  }

  /** Moves the weights against `scale · x` (the loss gradient restricted to x's indices) plus L2. */
  step(x: SparseVector, scale: number): void {
    const { w } = this;
    const g2 = this.#g2;
    const { indices, values } = x;
    for (let k = 0; k < indices.length; k++) {
      const idx = indices[k] as number;
      const g = scale * (values[k] as number) + this.#l2 * (w[idx] as number);
      const acc = (g2[idx] as number) + g * g;
      g2[idx] = acc;
      w[idx] = (w[idx] as number) - (this.#lr * g) / Math.sqrt(acc);
    }
  }
}

/** A unit of work in an epoch: one sentence (pointwise) or one positive to pair with sampled negatives. */
type Task = { kind: 'point'; group: number; item: number } | { kind: 'pair'; group: number; item: number };

/** Trains a linear scorer of dimension `dim`. Deterministic for a given seed and input order. */
export function trainLinear(
  groups: readonly LabelledGroup[],
  dim: number,
  options: Partial<TrainOptions> = {},
): Float32Array {
  const opts: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  validate(opts);
  let positives = 0;
  let total = 0;
  const negativesOf: number[][] = [];
  const tasks: Task[] = [];
  groups.forEach((g, gi) => {
    if (g.vectors.length !== g.labels.length) {
      throw new RangeError(
        `group ${gi}: vectors (${g.vectors.length}) and labels (${g.labels.length}) differ`,
      );
    }
    const negs: number[] = [];
    g.labels.forEach((y, i) => {
      total++;
      if (y === 1) positives++;
      else negs.push(i);
      if (opts.objective !== 'pairwise') tasks.push({ kind: 'point', group: gi, item: i });
      if (opts.objective !== 'pointwise' && y === 1) tasks.push({ kind: 'pair', group: gi, item: i });
    });
    negativesOf.push(negs);
  });
  const negatives = total - positives;
  const posWeight =
    opts.positiveWeight === 'balanced'
      ? positives === 0
        ? 1
        : Math.max(1, negatives / positives)
      : opts.positiveWeight;
  // The class weight is split as √w on positives and 1/√w on negatives so that AdaGrad's step sizes stay
  // comparable between the rare and the common class; the ratio between the classes is still w.
  const posScale = Math.sqrt(posWeight);
  const negScale = 1 / posScale;
  const opt = new AdaGrad(dim, opts.learningRate, opts.l2);
  const rand = seededRandom(opts.seed);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = tasks.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = tasks[i] as Task;
      tasks[i] = tasks[j] as Task;
      tasks[j] = t;
    }
    for (const task of tasks) {
      const g = groups[task.group] as LabelledGroup;
      const x = g.vectors[task.item] as SparseVector;
      if (task.kind === 'point') {
        const y = g.labels[task.item] as 0 | 1;
        const p = sigmoid(dot(opt.w, x));
        opt.step(x, (p - y) * (y === 1 ? posScale : negScale));
        continue;
      }
      const negs = negativesOf[task.group] as number[];
      if (negs.length === 0) continue;
      for (let k = 0; k < opts.pairsPerPositive; k++) {
        const xn = g.vectors[negs[Math.floor(rand() * negs.length)] as number] as SparseVector;
        // Loss log(1 + exp(-(s⁺ - s⁻))): its gradient is (σ(s⁺ - s⁻) - 1) on x⁺ and the opposite on x⁻.
        const gz = sigmoid(dot(opt.w, x) - dot(opt.w, xn)) - 1;
        opt.step(x, gz);
        opt.step(xn, -gz);
      }
    }
  }
  return Float32Array.from(opt.w);
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
