// Summary selection: central sentences without repeats, as many as the document's length warrants, with a
// short TL;DR line drawn from the best of them.
import { contentWordSet, isRepeatSet } from './redundancy.js';

export interface SummaryCandidate {
  /** Sentence index in the document. */
  readonly index: number;
  readonly text: string;
  /** Centrality in [0, 1]. */
  readonly score: number;
}

export interface SummarySelection {
  /** The TL;DR line and the sentence it comes from; null when there is nothing to summarise. */
  readonly tldr: { readonly index: number; readonly text: string } | null;
  /** The other selected sentences, in document order; none repeats another or the TL;DR. */
  readonly body: readonly number[];
}

/**
 * Sentences to select for a document of `words` words: three for a news brief, growing with the logarithm of the
 * length (a 1,600-word article gets 6, a 10,000-word transcript 9), never more than 10.
 */
export function summaryLength(words: number): number {
  return Math.max(3, Math.min(10, Math.round(1.5 * Math.log2(Math.max(1, words) / 100))));
}

/** Words a TL;DR line may have before it is cut at a clause boundary. */
const TLDR_MAX_WORDS = 30;

/**
 * Greedy selection by score (ties to the earlier sentence), skipping any sentence that repeats one already taken
 * (see `redundancy.ts` for the threshold). The best sentence becomes the TL;DR line, shortened.
 */
export function selectSummary(candidates: readonly SummaryCandidate[], k: number): SummarySelection {
  const ranked = [...candidates].sort((a, b) => b.score - a.score || a.index - b.index);
  const chosen: { c: SummaryCandidate; words: Set<string> }[] = [];
  for (const c of ranked) {
    if (chosen.length >= k + 1) break;
    const words = contentWordSet(c.text);
    if (words.size === 0) continue;
    if (chosen.some((x) => isRepeatSet(x.words, words))) continue;
    chosen.push({ c, words });
  }
  const first = chosen[0];
  if (first === undefined) return { tldr: null, body: [] };
  return {
    tldr: { index: first.c.index, text: tldrLine(first.c.text) },
    body: chosen
      .slice(1)
      .map((x) => x.c.index)
      .sort((a, b) => a - b),
  };
}

/**
 * A sentence made into a short line: bracketed asides and a trailing attribution (", officials said.") removed, a
 * leading connective dropped, and a sentence still over 30 words cut at its first clause boundary after 12.
 */
export function tldrLine(sentence: string): string {
  let t = sentence.replace(/\s*\([^()]{0,120}\)/g, '').trim();
  t = t.replace(/^(but|and|however|meanwhile|still|so|yet|also),?\s+/i, '');
  t = t.replace(
    /,\s+(?:[\p{L}.'’-]+\s+){0,5}(?:said|says|added|reported|told [^,.]{1,40})(?:\s+[\p{L}]+){0,2}\s*\.?$/u,
    '.',
  );
  const words = t.split(/\s+/);
  if (words.length > TLDR_MAX_WORDS) {
    // Only a clause that hangs off the main one is cut: ", which …", "; …", " — …".
    const boundary =
      /(?:,\s+(?=(?:which|who|while|although|though|because|as|after|before|where|when|with|including|but|and)\b)|;\s+|\s[—–]\s+)/giu;
    for (let m = boundary.exec(t); m !== null; m = boundary.exec(t)) {
      if (t.slice(0, m.index).split(/\s+/).length >= 12) {
        t = t.slice(0, m.index);
        break;
      }
    }
    if (t.split(/\s+/).length > TLDR_MAX_WORDS) t = `${t.split(/\s+/).slice(0, TLDR_MAX_WORDS).join(' ')} …`;
  }
  t = t.replace(/[,;:\s—–-]+$/u, '');
  if (/^\p{Ll}/u.test(t)) t = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?…"”’]$/u.test(t) ? t : `${t}.`;
}
