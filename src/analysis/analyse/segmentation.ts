// Topic segmentation in the manner of TextTiling: lexical cohesion across sentence windows, cut at the deepest valleys.

export interface SegmentationOptions {
  /** Sentences on each side of a gap that are compared. */
  readonly window?: number;
  /** No chapter shorter than this many sentences. */
  readonly minSentences?: number;
  readonly maxChapters?: number;
}

/** Cohesion between the `window` sentences before each gap and the `window` after: cosine of their term counts. */
export function gapCohesion(termLists: readonly (readonly string[])[], window: number): number[] {
  const n = termLists.length;
  const scores: number[] = [];
  for (let g = 1; g < n; g++) {
    const left = new Map<string, number>();
    const right = new Map<string, number>();
    for (let i = Math.max(0, g - window); i < g; i++)
      for (const t of termLists[i]!) left.set(t, (left.get(t) ?? 0) + 1);
    for (let i = g; i < Math.min(n, g + window); i++)
      for (const t of termLists[i]!) right.set(t, (right.get(t) ?? 0) + 1);
    let dot = 0;
    let nl = 0;
    let nr = 0;
    for (const [t, c] of left) {
      nl += c * c;
      const o = right.get(t);
      if (o !== undefined) dot += c * o;
    }
    for (const c of right.values()) nr += c * c;
    scores.push(nl > 0 && nr > 0 ? dot / Math.sqrt(nl * nr) : 0);
  }
  return scores;
}

/** Depth of each valley: how far cohesion rises to the nearest peak on the left plus on the right. */
export function depthScores(cohesion: readonly number[]): number[] {
  return cohesion.map((s, g) => {
    let l = s;
    for (let i = g - 1; i >= 0 && cohesion[i]! >= l; i--) l = cohesion[i]!;
    let r = s;
    for (let i = g + 1; i < cohesion.length && cohesion[i]! >= r; i++) r = cohesion[i]!;
    return l - s + (r - s);
  });
}

/**
 * Chapter start sentences (always beginning with 0). A gap becomes a boundary when its depth exceeds
 * mean − sd/2 (Hearst's cutoff), deepest first, keeping every chapter at least `minSentences` long.
 */
export function segment(
  termLists: readonly (readonly string[])[],
  options: SegmentationOptions = {},
): number[] {
  const n = termLists.length;
  const minSentences = options.minSentences ?? Math.max(5, Math.floor(n / 25));
  const maxChapters = options.maxChapters ?? 12;
  if (n < 2 * minSentences) return [0];
  const window = options.window ?? Math.max(3, Math.min(10, Math.floor(minSentences / 2) + 1));
  const raw = gapCohesion(termLists, window);
  // Light smoothing so a single odd sentence does not make a valley.
  const smooth = raw.map((_, i) => {
    let s = 0;
    let c = 0;
    for (let j = i - 1; j <= i + 1; j++) {
      if (j >= 0 && j < raw.length) {
        s += raw[j]!;
        c++;
      }
    }
    return s / c;
  });
  const depth = depthScores(smooth);
  const mean = depth.reduce((a, b) => a + b, 0) / depth.length;
  const sd = Math.sqrt(depth.reduce((a, b) => a + (b - mean) ** 2, 0) / depth.length);
  const cutoff = mean - sd / 2;
  const candidates = depth
    .map((d, i) => ({ d, start: i + 1 }))
    .filter((c) => c.d > cutoff && c.d > 0)
    .sort((a, b) => b.d - a.d || a.start - b.start);
  const starts = [0];
  for (const c of candidates) {
    if (starts.length >= maxChapters) break;
    if (c.start < minSentences || n - c.start < minSentences) continue;
    if (starts.some((s) => Math.abs(s - c.start) < minSentences)) continue;
    starts.push(c.start);
  }
  return starts.sort((a, b) => a - b);
}
