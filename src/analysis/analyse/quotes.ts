// Notable quotes: quoted speech with its speaker, and salient first-person statements of transcript speakers.
import { sentenceAt, type ParsedDocument } from './document.js';
import { contentWordSet, isRepeatSet } from './redundancy.js';

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

/** A person the entity tagger found: its display name and where it is mentioned. */
export interface PersonMentions {
  readonly name: string;
  readonly mentions: readonly { readonly start: number; readonly end: number }[];
}

const SAY = '(?:said|says|added|asked|told|wrote|explained|argued|noted|insisted|warned|recalled|continued)';
const PRONOUN = /^(he|she|they)$/i;
/** Window either side of a quote that attribution is looked for in: one clause, not the next sentence. */
const WINDOW = 120;

/**
 * Finds who said each quote, from the wording around it: `”, X said` / `”, said X` after the quote,
 * `X said: “` / `X said, “` / `According to X, “` / `X: “` before it; a pronoun ("he said") resolves to the
 * person mentioned last before the quote. Speakers are the entities' names, so "Mr. Reeves said" gives
 * "Eric Reeves". A quote that already has a speaker (a transcript turn) keeps it.
 */
export function attributeQuotes(
  text: string,
  quotes: readonly QuoteHit[],
  persons: readonly PersonMentions[],
): QuoteHit[] {
  const all = persons
    .flatMap((p) => p.mentions.map((m) => ({ start: m.start, end: m.end, name: p.name })))
    .sort((a, b) => a.start - b.start);
  const inRange = (from: number, to: number) => all.filter((m) => m.start >= from && m.end <= to);
  const lastBefore = (offset: number) => {
    let best: (typeof all)[number] | undefined;
    for (const m of all) {
      if (m.end > offset) break;
      best = m;
    }
    return best;
  };
  return quotes.map((q) => {
    if (q.speaker !== null) return q;
    // After the quote: skip the closing mark and punctuation, stop at the end of the sentence.
    const afterStart = q.end + (/^\s*[”"»“]?/.exec(text.slice(q.end))?.[0].length ?? 0);
    const after = clauseAfter(text, afterStart);
    const saidAfter = new RegExp(`^[,.!?]?\\s*(?:${SAY}\\b|[\\p{L}.'’ -]{1,60}?\\s${SAY}\\b)`, 'u').exec(
      after,
    );
    if (saidAfter) {
      const who = inRange(afterStart, afterStart + saidAfter[0].length + 60)[0];
      if (who) return { ...q, speaker: who.name };
      const pronoun =
        /\b(he|she|they)\s+\w+$/i.exec(saidAfter[0]) ?? /^[,.!?]?\s*\w+\s+(he|she)\b/i.exec(after);
      if (pronoun && PRONOUN.test(pronoun[1]!)) {
        const prior = lastBefore(q.start);
        if (prior) return { ...q, speaker: prior.name };
      }
    }
    // Before the quote: "X said: “", "X said, “", "According to X, “", "X: “".
    const openAt = Math.max(0, q.start - 1);
    const before = text.slice(Math.max(0, openAt - WINDOW), openAt);
    const sentenceStart = Math.max(before.lastIndexOf('. '), before.lastIndexOf('\n')) + 1;
    const lead = before.slice(sentenceStart);
    const leadStart = openAt - lead.length;
    if (
      new RegExp(`(${SAY}(\\s+\\w+)?[,:]?|:)\\s*[“"«]?\\s*$`, 'u').test(lead) ||
      /\baccording to\b/i.test(lead)
    ) {
      const candidates = inRange(leadStart, openAt);
      const who = candidates[candidates.length - 1];
      if (who) return { ...q, speaker: who.name };
      if (/\b(he|she)\s+\w+[,:]?\s*[“"«]?\s*$/i.test(lead)) {
        const prior = lastBefore(leadStart);
        if (prior) return { ...q, speaker: prior.name };
      }
    }
    return q;
  });
}

function clauseAfter(text: string, from: number): string {
  const rest = text.slice(from, from + WINDOW);
  // A title's full stop ("Mr. Reeves said") does not end the clause.
  const stop = rest.search(/(?<!\b(?:Mr|Mrs|Ms|Dr|St|Sen|Gov|Rep|Gen|Prof|Jr|Sr))[.!?](\s|$)|\n/);
  return stop < 0 ? rest : rest.slice(0, stop + 1);
}

/**
 * One item per quote: a quote repeated in the text (a pull quote, a transcript echo) keeps its first occurrence,
 * with the speaker any of its occurrences was attributed to.
 */
export function mergeRepeatedQuotes(text: string, quotes: readonly QuoteHit[]): QuoteHit[] {
  const out: { q: QuoteHit; words: Set<string> }[] = [];
  for (const q of [...quotes].sort((a, b) => a.start - b.start)) {
    const words = contentWordSet(text.slice(q.start, q.end));
    const same = out.find((o) => isRepeatSet(o.words, words));
    if (same === undefined) out.push({ q, words });
    else if (same.q.speaker === null && q.speaker !== null) same.q = { ...same.q, speaker: q.speaker };
  }
  return out.map((o) => o.q);
}
