// Word error rate: word-level edit distance between a hypothesis and a reference, after normalising both.

export function normaliseWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .split(/\s+/)
    .filter((w) => w !== '');
}

/** (substitutions + deletions + insertions) / reference words, as counts so a corpus total can be summed. */
export function wordErrors(hypothesis: string, reference: string): { errors: number; words: number } {
  const h = normaliseWords(hypothesis);
  const r = normaliseWords(reference);
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (r[i - 1] === h[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1));
    }
    prev = cur;
  }
  return { errors: prev[h.length] ?? 0, words: r.length };
}
