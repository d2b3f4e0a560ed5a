// The named-entity tagger: an averaged perceptron over hashed features, greedy left-to-right BIO decoding.
import { readFileSync } from 'node:fs';
import { PermanentError } from '../../../core/errors.js';
import { LABELS } from './conll.js';
import { dynamicFeatures, fnv1a, staticFeatures, wordShape } from './features.js';

const MAGIC = 'AINER1';

export interface NerModelHeader {
  readonly version: string;
  readonly labels: readonly string[];
  /** Hash buckets per label row: feature index = fnv1a(feature) mod buckets. */
  readonly buckets: number;
  /** Weights are stored as int16; the real weight is stored / scale. */
  readonly scale: number;
  readonly trainedOn: string;
  readonly devF1: number | null;
}

/** Weights of the non-zero buckets: bucket → row of one weight per label. */
export class NerModel {
  readonly header: NerModelHeader;
  readonly #rows: Map<number, Float32Array>;

  constructor(header: NerModelHeader, rows: Map<number, Float32Array>) {
    if (header.labels.join() !== LABELS.join())
      throw new PermanentError(
        'ner.bad_model',
        `NER model labels ${header.labels.join()} do not match ${LABELS.join()}`,
      );
    this.header = header;
    this.#rows = rows;
  }

  get version(): string {
    return this.header.version;
  }

  /** Adds the weights of `features` to `scores` (one per label). */
  addScores(features: readonly string[], scores: Float64Array): void {
    for (const f of features) {
      const row = this.#rows.get(fnv1a(f) % this.header.buckets);
      if (row === undefined) continue;
      for (let l = 0; l < row.length; l++) scores[l]! += row[l]!;
    }
  }

  /** BIO tags for one sentence. `docCaps`: see `capitalisedWords`. */
  tag(tokens: readonly string[], docCaps: ReadonlySet<string>): string[] {
    return greedyDecode(tokens, docCaps, (features, scores) => this.addScores(features, scores));
  }
}

/** Whether `label` may follow `prev` in BIO: an I-X continues only a B-X or I-X. */
export function allowed(prev: string, label: string): boolean {
  return !label.startsWith('I-') || prev.slice(2) === label.slice(2);
}

/** Left-to-right decoding shared by training and tagging: each token's best allowed label given the ones before. */
export function greedyDecode(
  tokens: readonly string[],
  docCaps: ReadonlySet<string>,
  score: (features: readonly string[], scores: Float64Array) => void,
  onToken?: (i: number, features: readonly string[], predicted: number) => string | undefined,
): string[] {
  const stat = staticFeatures(tokens, docCaps);
  const out: string[] = [];
  const scores = new Float64Array(LABELS.length);
  let prev = '<s>';
  let prev2 = '<s>';
  for (let i = 0; i < tokens.length; i++) {
    const features = [...stat[i]!, ...dynamicFeatures(prev, prev2, tokens[i]!, wordShape(tokens[i]!))];
    scores.fill(0);
    score(features, scores);
    let best = 0;
    for (let l = 1; l < LABELS.length; l++) {
      if (!allowed(prev, LABELS[l]!)) continue;
      if (scores[l]! > scores[best]!) best = l;
    }
    // Training may substitute the label later features see; tagging always uses its own prediction.
    const next = onToken?.(i, features, best) ?? LABELS[best]!;
    out.push(LABELS[best]!);
    prev2 = prev;
    prev = next;
  }
  return out;
}

/** Model file: magic, header length, JSON header, count, bucket indices (u32), weights (i16, row-major). */
export function serialiseModel(header: NerModelHeader, rows: ReadonlyMap<number, Float32Array>): Buffer {
  const keys = [...rows.keys()].sort((a, b) => a - b);
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const L = header.labels.length;
  const buf = Buffer.alloc(MAGIC.length + 4 + head.length + 4 + keys.length * 4 + keys.length * L * 2);
  let o = buf.write(MAGIC, 0, 'latin1');
  o = buf.writeUInt32LE(head.length, o);
  o += head.copy(buf, o);
  o = buf.writeUInt32LE(keys.length, o);
  for (const k of keys) o = buf.writeUInt32LE(k, o);
  for (const k of keys) {
    const row = rows.get(k)!;
    for (let l = 0; l < L; l++)
      o = buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(row[l]! * header.scale))), o);
  }
  return buf;
}

export function parseModel(buf: Buffer): NerModel {
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC)
    throw new PermanentError('ner.bad_model', 'Not an autointel NER model file');
  let o = MAGIC.length;
  const headLen = buf.readUInt32LE(o);
  o += 4;
  const header = JSON.parse(buf.toString('utf8', o, o + headLen)) as NerModelHeader;
  o += headLen;
  const count = buf.readUInt32LE(o);
  o += 4;
  const L = header.labels.length;
  const keys = new Uint32Array(count);
  for (let i = 0; i < count; i++, o += 4) keys[i] = buf.readUInt32LE(o);
  const rows = new Map<number, Float32Array>();
  for (let i = 0; i < count; i++) {
    const row = new Float32Array(L);
    for (let l = 0; l < L; l++, o += 2) row[l] = buf.readInt16LE(o) / header.scale;
    rows.set(keys[i]!, row);
  }
  return new NerModel(header, rows);
}

export function loadNerModel(file: string): NerModel {
  return parseModel(readFileSync(file));
}
