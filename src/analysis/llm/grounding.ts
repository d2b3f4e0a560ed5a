// The grounding check: each quote a model gives must be found in the source text, and gets that text's span.
//
// Tolerance, and nothing more: letter case; whitespace; punctuation and symbols (quote marks, dashes, commas,
// brackets — any character that is not a letter, digit or mark); Unicode compatibility forms (NFKC); and the
// transcript disfluencies "uh", "um", "erm", "er", "ah", "hmm", "mm" as whole words, in the source or the quote.
// Every word must otherwise be there, in order, exactly: a paraphrase is not found.
import type { Span } from '../report.js';
import type { TranscriptSegment } from '../acquire/types.js';

const DISFLUENCIES = new Set(['uh', 'um', 'umm', 'uhm', 'erm', 'er', 'ah', 'hmm', 'mm']);
/** A quote shorter than this (normalised characters) proves nothing: "the" is in every text. */
export const MIN_QUOTE_CHARS = 12;
const WORD = /[\p{L}\p{N}\p{M}]/u;

export interface NormalisedText {
  /** Lower-case words separated by single spaces. */
  readonly text: string;
  /** `origin[i]` is the offset in the original text of normalised character `i`. */
  readonly origin: readonly number[];
}

/** Words only, one space between them, disfluencies dropped; each character remembers where it came from. */
export function normalise(source: string): NormalisedText {
  const words: { chars: string; origin: number[] }[] = [];
  let cur: { chars: string; origin: number[] } | null = null;
  for (let i = 0; i < source.length;) {
    const cp = source.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const width = ch.length;
    const mapped = ch.normalize('NFKC').toLowerCase();
    for (const m of mapped) {
      if (WORD.test(m)) {
        cur ??= { chars: '', origin: [] };
        cur.chars += m;
        for (let k = 0; k < m.length; k++) cur.origin.push(i);
      } else if (cur !== null) {
        words.push(cur);
        cur = null;
      }
    }
    i += width;
  }
  if (cur !== null) words.push(cur);
  let text = '';
  const origin: number[] = [];
  for (const w of words) {
    if (DISFLUENCIES.has(w.chars)) continue;
    if (text !== '') {
      text += ' ';
      origin.push(w.origin[0]!);
    }
    text += w.chars;
    origin.push(...w.origin);
  }
  return { text, origin };
}

export interface GroundingIndex {
  readonly source: string;
  readonly norm: NormalisedText;
  readonly segments: readonly TranscriptSegment[] | null;
}

export const groundingIndex = (
  source: string,
  segments: readonly TranscriptSegment[] | null,
): GroundingIndex => ({ source, norm: normalise(source), segments });

/** The quote's span in the source (with media times when the source is timestamped), or null when not found. */
export function findQuote(index: GroundingIndex, quote: string): Span | null {
  const q = normalise(quote).text;
  if (q.length < MIN_QUOTE_CHARS) return null;
  // Whole words only: a match must not start or end inside a word of the source.
  let from = 0;
  for (;;) {
    const at = index.norm.text.indexOf(q, from);
    if (at < 0) return null;
    const endAt = at + q.length;
    const before = at === 0 || index.norm.text[at - 1] === ' ';
    const after = endAt === index.norm.text.length || index.norm.text[endAt] === ' ';
    if (before && after) {
      const start = index.norm.origin[at]!;
      const lastOrigin = index.norm.origin[endAt - 1]!;
      const last = index.source.codePointAt(lastOrigin)!;
      const end = lastOrigin + (last > 0xffff ? 2 : 1);
      return withTimes({ start, end }, index.segments);
    }
    from = at + 1;
  }
}

function withTimes(
  span: { start: number; end: number },
  segments: readonly TranscriptSegment[] | null,
): Span {
  if (segments === null || segments.length === 0) return span;
  const first = segments.find((s) => span.start < s.charEnd && span.start >= s.charStart);
  const last = [...segments].reverse().find((s) => span.end - 1 >= s.charStart && span.end - 1 < s.charEnd);
  if (first === undefined) return span;
  return { ...span, startTime: first.start, endTime: (last ?? first).end };
}
