// Graph ranking: PageRank over weighted graphs, TF-IDF sentence similarity (LexRank/TextRank) and MMR selection.

/** A sparse, L2-normalised TF-IDF vector. */
export type SparseVector = ReadonlyMap<string, number>;

/** Weighted undirected graph as adjacency lists (`edges[i]` holds [j, weight] with j !== i). */
export type Graph = readonly (readonly (readonly [number, number])[])[];

export interface PageRankOptions {
  readonly damping?: number;
  readonly maxIterations?: number;
  readonly tolerance?: number;
}

/**
 * Weighted PageRank by power iteration. Nodes without edges keep the teleport share, so an isolated
 * sentence ranks below any sentence that others resemble. Scores sum to 1.
 */
export function pageRank(graph: Graph, options: PageRankOptions = {}): number[] {
  const n = graph.length;
  if (n === 0) return [];
  const d = options.damping ?? 0.85;
  const maxIter = options.maxIterations ?? 100;
  const tol = options.tolerance ?? 1e-6;
  const outWeight = graph.map((edges) => edges.reduce((s, [, w]) => s + w, 0));
  let rank = new Array<number>(n).fill(1 / n);
  for (let iter = 0; iter < maxIter; iter++) {
    const next = new Array<number>(n).fill((1 - d) / n);
    let dangling = 0;
    for (let i = 0; i < n; i++) {
      const ow = outWeight[i]!;
      if (ow === 0) {
        dangling += rank[i]!;
        continue;
      }
      const share = (d * rank[i]!) / ow;
      for (const [j, w] of graph[i]!) next[j]! += share * w;
    }
    // Rank held by nodes without edges is spread evenly so the total stays 1.
    const spread = (d * dangling) / n;
    let delta = 0;
    for (let i = 0; i < n; i++) {
      next[i]! += spread;
      delta += Math.abs(next[i]! - rank[i]!);
    }
    rank = next;
    if (delta < tol) break;
  }
  return rank;
}

/** TF-IDF vectors for term lists (one per sentence), IDF smoothed as ln((1 + N) / (1 + df)) + 1. */
export function tfidfVectors(docs: readonly (readonly string[])[]): SparseVector[] {
  const df = new Map<string, number>();
  for (const terms of docs) for (const t of new Set(terms)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  return docs.map((terms) => {
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    const v = new Map<string, number>();
    let norm = 0;
    for (const [t, c] of tf) {
      const w = (1 + Math.log(c)) * (Math.log((1 + n) / (1 + (df.get(t) ?? 0))) + 1);
      v.set(t, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (const [t, w] of v) v.set(t, w / norm);
    return v;
  });
}

export function cosine(a: SparseVector, b: SparseVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [t, w] of small) {
    const o = large.get(t);
    if (o !== undefined) dot += w * o;
  }
  return dot;
}

/**
 * The sentence similarity graph. Pairs are found through an inverted index, so the cost follows the number of
 * pairs that share a term rather than n²; terms in more than a tenth of a long text's sentences are near-stop
 * words and skipped. Each sentence keeps its `neighbours` strongest links (a kNN graph), which keeps PageRank
 * linear in the text's length; an edge stays when either end keeps it.
 */
export function similarityGraph(vectors: readonly SparseVector[], threshold = 0.05, neighbours = 20): Graph {
  const n = vectors.length;
  const postings = new Map<string, number[]>();
  vectors.forEach((v, i) => {
    for (const t of v.keys()) {
      let list = postings.get(t);
      if (!list) postings.set(t, (list = []));
      list.push(i);
    }
  });
  const maxDf = Math.max(20, Math.floor(n / 10));
  const kept: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  const dots = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    dots.clear();
    for (const [t, w] of vectors[i]!) {
      const list = postings.get(t)!;
      if (list.length > maxDf) continue;
      for (const j of list) {
        if (j === i) continue;
        dots.set(j, (dots.get(j) ?? 0) + w * vectors[j]!.get(t)!);
      }
    }
    const best = [...dots.entries()].filter(([, s]) => s >= threshold);
    if (best.length > neighbours) best.sort((a, b) => b[1] - a[1] || a[0] - b[0]).length = neighbours;
    for (const [j, s] of best) {
      kept[i]!.set(j, s);
      kept[j]!.set(i, s);
    }
  }
  return kept.map((m) => [...m.entries()]);
}

/** TextRank/LexRank scores of sentences given their term lists, normalised so the best is 1. */
export function rankSentences(termLists: readonly (readonly string[])[]): {
  scores: number[];
  vectors: SparseVector[];
} {
  const vectors = tfidfVectors(termLists);
  const raw = pageRank(similarityGraph(vectors));
  const max = Math.max(0, ...raw);
  return { scores: raw.map((s) => (max > 0 ? s / max : 0)), vectors };
}

/**
 * Maximal Marginal Relevance: repeatedly takes the candidate with the best
 * `lambda * relevance - (1 - lambda) * max similarity to what was already taken`, so picks stay diverse.
 */
export function mmrSelect(
  candidates: readonly number[],
  relevance: (i: number) => number,
  similarity: (a: number, b: number) => number,
  k: number,
  lambda = 0.7,
): number[] {
  const chosen: number[] = [];
  const left = new Set(candidates);
  while (chosen.length < k && left.size > 0) {
    let best = -1;
    let bestScore = -Infinity;
    for (const c of left) {
      let maxSim = 0;
      for (const s of chosen) maxSim = Math.max(maxSim, similarity(c, s));
      const score = lambda * relevance(c) - (1 - lambda) * maxSim;
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    chosen.push(best);
    left.delete(best);
  }
  return chosen;
}
