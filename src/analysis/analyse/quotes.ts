// Notable quotes: quoted speech in the text, and salient first-person statements of transcript speakers.
import { sentenceAt, type ParsedDocument } from './document.js';

export interface QuoteHit {
  readonly start: number;
  readonly end: number;
  readonly speaker: string | null;
  readonly sentence: number;
  readonly score: number;
}

const QUOTE_PAIRS: readonly (readonly [string, string])[] = [
  ['“', '”'],
  ['"', '"'],
  ['«', '»'],
  ['„', '“'],
  ['「', '」'],
];
const MIN_QUOTE_WORDS = 6;
const MAX_QUOTE_CHARS = 600;
const FIRST_PERSON = new Set(['i', 'we', 'my', 'our', 'me', 'us']);

/** Quoted passages of at least six words; the span covers the words inside the quote marks. */
export function findQuotedSpeech(doc: ParsedDocument): QuoteHit[] {
  const { text } = doc;
  const out: QuoteHit[] = [];
  for (const [open, close] of QUOTE_PAIRS) {
    let from = 0;
    for (;;) {
      const a = text.indexOf(open, from);
      if (a < 0) break;
      const b = text.indexOf(close, a + 1);
      if (b < 0) break;
      const inner = text.slice(a + 1, b);
      from = b + 1;
      if (inner.length > MAX_QUOTE_CHARS || inner.includes('\n\n')) {
        from = a + 1;
        continue;
      }
      const words = inner
        .trim()
        .split(/\s+/)
        .filter((w) => /\p{L}/u.test(w));
      if (words.length < MIN_QUOTE_WORDS) continue;
      const lead = inner.length - inner.trimStart().length;
      const start = a + 1 + lead;
      const end = a + 1 + inner.trimEnd().length;
      const sentence = sentenceAt(doc, start);
      out.push({
        start,
        end,
        speaker: doc.sentences[sentence]?.speaker ?? null,
        sentence,
        score: words.length,
      });
    }
  }
  return out.sort((x, y) => x.start - y.start).filter((q, i, all) => i === 0 || q.start >= all[i - 1]!.end);
}

/**
 * For transcripts: first-person statements ranked by salience (the sentence's centrality plus the strength of
 * its sentiment), so what speakers say about themselves and their positions surfaces.
 */
export function findSpeakerStatements(
  doc: ParsedDocument,
  centrality: readonly number[],
  k: number,
): QuoteHit[] {
  const scored: QuoteHit[] = [];
  for (const s of doc.sentences) {
    if (s.speaker === null) continue;
    let words = 0;
    let firstPerson = false;
    for (let i = s.tokenStart; i < s.tokenEnd; i++) {
      const t = doc.tokens[i]!;
      if (!t.word) continue;
      words++;
      if (FIRST_PERSON.has(t.normal)) firstPerson = true;
    }
    if (!firstPerson || words < 8 || words > 60) continue;
    const score = (centrality[s.index] ?? 0) + Math.abs(s.sentiment);
    scored.push({ start: s.start, end: s.end, speaker: s.speaker, sentence: s.index, score });
  }
  scored.sort((a, b) => b.score - a.score || a.start - b.start);
  // At most two per speaker, so one voluble speaker does not take every slot.
  const perSpeaker = new Map<string, number>();
  const out: QuoteHit[] = [];
  for (const q of scored) {
    if (out.length >= k) break;
    const n = perSpeaker.get(q.speaker ?? '') ?? 0;
    if (n >= 2) continue;
    perSpeaker.set(q.speaker ?? '', n + 1);
    out.push(q);
  }
  return out.sort((a, b) => a.start - b.start);
}
