// Ranking measures of CLEF CheckThat! Task 1: average precision, precision at k, and their means over documents.

/** Indices of `scores` from highest to lowest; ties keep input order so results are reproducible. */
export function rankOrder(scores: readonly number[]): number[] {
  return scores
    .map((s, i) => [s, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, i]) => i);
}

/**
 * Average precision of a ranking: the mean, over the relevant items, of the precision at each one's rank.
 * A document with no relevant item has AP 0 (as in the official CheckThat! scorer).
 */
export function averagePrecision(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  assertSameLength(scores, labels);
  const order = rankOrder(scores);
  let hits = 0;
  let sum = 0;
  order.forEach((idx, rank) => {
    if (labels[idx] === 1) {
      hits++;
      sum += hits / (rank + 1);
    }
  });
  return hits === 0 ? 0 : sum / hits;
}

/** Precision among the k top-ranked items; when fewer than k items exist, still divided by k. */
export function precisionAtK(scores: readonly number[], labels: readonly (0 | 1)[], k: number): number {
  assertSameLength(scores, labels);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, received ${k}`);
  const order = rankOrder(scores).slice(0, k);
  let hits = 0;
  for (const idx of order) if (labels[idx] === 1) hits++;
  return hits / k;
}

/** Per-document scores and labels, as needed for the per-document means. */
export interface RankedDocument {
  readonly id: string;
  readonly scores: readonly number[];
  readonly labels: readonly (0 | 1)[];
}

export interface RankingSummary {
  readonly map: number;
  readonly p10: number;
  readonly p30: number;
  readonly perDocument: readonly { id: string; ap: number; p10: number; p30: number }[];
}

/** MAP, P@10 and P@30 as means over documents. */
export function summariseRanking(documents: readonly RankedDocument[]): RankingSummary {
  const perDocument = documents.map((d) => ({
    id: d.id,
    ap: averagePrecision(d.scores, d.labels),
    p10: precisionAtK(d.scores, d.labels, 10),
    p30: precisionAtK(d.scores, d.labels, 30),
  }));
  const mean = (xs: readonly number[]): number =>
    xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    map: mean(perDocument.map((d) => d.ap)),
    p10: mean(perDocument.map((d) => d.p10)),
    p30: mean(perDocument.map((d) => d.p30)),
    perDocument,
  };
}

function assertSameLength(scores: readonly number[], labels: readonly unknown[]): void {
  if (scores.length !== labels.length) {
    throw new RangeError(`scores (${scores.length}) and labels (${labels.length}) differ in length`);
  }
}
