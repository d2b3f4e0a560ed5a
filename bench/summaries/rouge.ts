// ROUGE-N and ROUGE-L F1 over lower-cased alphanumeric tokens (no stemming, no stop-word removal).

export interface RougeScores {
  readonly r1: number;
  readonly r2: number;
  readonly rl: number;
}

export const rougeTokens = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

const f1 = (overlap: number, candidate: number, reference: number): number =>
  overlap === 0 || candidate === 0 || reference === 0
    ? 0
    : (2 * (overlap / candidate) * (overlap / reference)) / (overlap / candidate + overlap / reference);

function ngrams(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const g = tokens.slice(i, i + n).join(' ');
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

function rougeN(c: readonly string[], r: readonly string[], n: number): number {
  const cg = ngrams(c, n);
  const rg = ngrams(r, n);
  let overlap = 0;
  for (const [g, k] of cg) overlap += Math.min(k, rg.get(g) ?? 0);
  return f1(overlap, Math.max(0, c.length - n + 1), Math.max(0, r.length - n + 1));
}

/** Longest common subsequence length, O(|a|·|b|) time and O(|b|) memory. */
function lcs(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++)
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** ROUGE-1/2/L F1 of a candidate against one reference. */
export function rouge(candidate: string, reference: string): RougeScores {
  const c = rougeTokens(candidate);
  const r = rougeTokens(reference);
  return { r1: rougeN(c, r, 1), r2: rougeN(c, r, 2), rl: f1(lcs(c, r), c.length, r.length) };
}
