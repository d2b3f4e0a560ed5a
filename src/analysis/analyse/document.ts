// Turns text into sentences and tokens that carry exact UTF-16 offsets into the original string, plus speakers/times.
import winkNLP, { type ItsFunction } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import type { TranscriptSegment } from '../acquire/types.js';

export interface Token {
  /** UTF-16 offsets into the analysed text, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** Lower-cased normal form (contractions expanded by wink: "n't" → "not"). */
  readonly normal: string;
  /** Lemma for English, the lower-cased form otherwise: the unit of lexical similarity. */
  readonly lemma: string;
  /** Universal POS tag for English; 'X' when no tagger ran. */
  readonly pos: string;
  readonly stop: boolean;
  /** A word (not punctuation, space, emoji, number-like symbol). */
  readonly word: boolean;
  readonly negated: boolean;
  /** wink's token type (word, number, punctuation, …); 'word' or 'other' without wink. */
  readonly type: string;
}

export interface Sentence {
  readonly index: number;
  readonly start: number;
  readonly end: number;
  /** Token index range, end exclusive. */
  readonly tokenStart: number;
  readonly tokenEnd: number;
  /** Sentence sentiment in [-1, 1]; 0 when no English model ran. */
  readonly sentiment: number;
  readonly speaker: string | null;
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
}

export interface ParsedDocument {
  readonly text: string;
  /** True when the wink English model did the parsing (POS, sentiment, negation available). */
  readonly english: boolean;
  readonly tokens: readonly Token[];
  readonly sentences: readonly Sentence[];
  /** Whole-document sentiment in [-1, 1] (English only, else 0). */
  readonly sentiment: number;
  /** wink's entities (DATE, CARDINAL, MONEY, …) by first token index; empty without the English model. */
  readonly entities: readonly { readonly token: number; readonly type: string }[];
}

export interface ParseOptions {
  readonly segments: readonly TranscriptSegment[] | null;
  /** Whether a single line break ends a sentence (true for articles/text; captions wrap lines mid-sentence). */
  readonly lineBreaksEndSentences: boolean;
}

type Wink = ReturnType<typeof winkNLP>;

/** The English parser. Loading the model costs ~200 ms, so one instance is made per thread and reused. */
export class EnglishParser {
  readonly #nlp: Wink;

  constructor() {
    this.#nlp = winkNLP(model);
  }

  parse(text: string, options: ParseOptions): ParsedDocument {
    const its = this.#nlp.its;
    const doc = this.#nlp.readDoc(text);
    const toks = doc.tokens();
    const values = toks.out() as string[];
    const spaces = toks.out(its.precedingSpaces) as string[];
    const normals = toks.out(its.normal) as string[];
    const lemmas = toks.out(its.lemma as ItsFunction<string>) as string[];
    const pos = toks.out(its.pos) as string[];
    const stops = toks.out(its.stopWordFlag) as unknown as boolean[];
    const types = toks.out(its.type) as string[];
    const negs = toks.out(its.negationFlag) as unknown as boolean[];
    const offsets = alignTokens(text, values, spaces);
    const tokens: Token[] = values.map((_, i) => ({
      start: offsets[i]![0],
      end: offsets[i]![1],
      normal: normals[i] ?? '',
      lemma: (lemmas[i] ?? normals[i] ?? '').toLowerCase(),
      pos: pos[i] ?? 'X',
      stop: stops[i] === true,
      word: types[i] === 'word',
      negated: negs[i] === true,
      type: types[i] ?? 'word',
    }));
    const spans = doc.sentences().out(its.span) as unknown as [number, number][];
    const sentiments = doc.sentences().out(its.sentiment) as unknown as number[];
    const raw: RawSentence[] = spans.map(([a, b], i) => ({
      tokenStart: a,
      tokenEnd: b + 1,
      sentiment: sentiments[i] ?? 0,
    }));
    const breaks = (t: string, i: number): boolean =>
      types[i] === 'tabCRLF' &&
      (options.lineBreaksEndSentences || /\n[^\S\n]*\n/.test(t)) &&
      t.includes('\n');
    const split = splitAtBreaks(raw, values, breaks);
    const docSentiment = Number(doc.out(its.sentiment)) || 0;
    const entitySpans = doc.entities().out(its.span) as unknown as [number, number][];
    const entityTypes = doc.entities().out(its.type) as string[];
    const entities = entitySpans.map(([a], i) => ({ token: a, type: entityTypes[i] ?? 'UNKNOWN' }));
    return { ...finish(text, tokens, split, options.segments, true, docSentiment), entities };
  }
}

/**
 * A language-neutral parser for text the English model does not cover: sentences and words from the ICU
 * segmenter (handles CJK word breaks too); no POS, sentiment or entities.
 */
export function parseGeneric(text: string, language: string | null, options: ParseOptions): ParsedDocument {
  const locale = language ?? undefined;
  const words = new Intl.Segmenter(locale, { granularity: 'word' });
  const sentencesSeg = new Intl.Segmenter(locale, { granularity: 'sentence' });
  const tokens: Token[] = [];
  const raw: RawSentence[] = [];
  for (const s of boundedSentences(text, sentencesSeg)) {
    // Sentences also end at line breaks: headings and paragraphs rarely carry terminal punctuation.
    const parts = s.segment.split(options.lineBreaksEndSentences ? /(\n+)/ : /(\n[^\S\n]*\n+)/);
    let offset = s.index;
    for (const part of parts) {
      const tokenStart = tokens.length;
      for (const w of words.segment(part)) {
        if (w.segment.trim() === '') continue;
        const lower = w.segment.toLowerCase();
        tokens.push({
          start: offset + w.index,
          end: offset + w.index + w.segment.length,
          normal: lower,
          lemma: lower,
          pos: 'X',
          stop: false,
          word: w.isWordLike === true,
          negated: false,
          type: w.isWordLike === true ? 'word' : 'other',
        });
      }
      if (tokens.length > tokenStart) raw.push({ tokenStart, tokenEnd: tokens.length, sentiment: 0 });
      offset += part.length;
    }
  }
  return finish(text, tokens, raw, options.segments, false, 0);
}

/** Characters the sentence segmenter sees at once: ICU's cost per call grows faster than linearly with its input. */
export const SEGMENT_WINDOW = 4096;

/**
 * Sentences of `text` from the segmenter, run over bounded windows so the whole pass is linear in the text: each
 * window keeps every sentence but its last (which the window may have cut) and the next window starts there. A
 * single "sentence" longer than a window (no punctuation for pages) is cut at its last space or line break.
 */
export function* boundedSentences(
  text: string,
  segmenter: Intl.Segmenter,
  window = SEGMENT_WINDOW,
): Generator<{ readonly index: number; readonly segment: string }> {
  let pos = 0;
  while (pos < text.length) {
    const end = Math.min(text.length, pos + window);
    const slice = text.slice(pos, end);
    const pieces = [...segmenter.segment(slice)];
    const last = pieces[pieces.length - 1];
    if (end === text.length || last === undefined) {
      for (const p of pieces) yield { index: pos + p.index, segment: p.segment };
      return;
    }
    if (pieces.length > 1 && last.index > 0) {
      for (const p of pieces.slice(0, -1)) yield { index: pos + p.index, segment: p.segment };
      pos += last.index;
      continue;
    }
    const space = Math.max(slice.lastIndexOf(' '), slice.lastIndexOf('\n'));
    let cut = space >= window / 2 ? space + 1 : slice.length;
    // Never split a surrogate pair.
    const before = slice.charCodeAt(cut - 1);
    if (cut === slice.length && before >= 0xd800 && before <= 0xdbff) cut--;
    yield { index: pos, segment: slice.slice(0, cut) };
    pos += cut;
  }
}

interface RawSentence {
  tokenStart: number;
  tokenEnd: number;
  sentiment: number;
}

/**
 * Maps wink's tokens back to offsets. wink keeps each token's text and the whitespace before it, so a running
 * cursor finds every token; a search from the cursor covers any token whose text was normalised.
 */
export function alignTokens(
  text: string,
  values: readonly string[],
  spaces: readonly string[],
): [number, number][] {
  const out: [number, number][] = [];
  let cursor = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] ?? '';
    let start = cursor + (spaces[i]?.length ?? 0);
    if (!text.startsWith(value, start)) {
      const found = text.indexOf(value, cursor);
      start = found >= 0 ? found : Math.min(start, text.length);
    }
    const end = text.startsWith(value, start) ? start + value.length : start;
    out.push([start, end]);
    cursor = Math.max(cursor, end);
  }
  return out;
}

function splitAtBreaks(
  raw: readonly RawSentence[],
  values: readonly string[],
  isBreak: (value: string, index: number) => boolean,
): RawSentence[] {
  const out: RawSentence[] = [];
  for (const s of raw) {
    let from = s.tokenStart;
    for (let i = s.tokenStart; i < s.tokenEnd; i++) {
      if (isBreak(values[i] ?? '', i)) {
        if (i > from) out.push({ tokenStart: from, tokenEnd: i, sentiment: s.sentiment });
        from = i + 1;
      }
    }
    if (s.tokenEnd > from) out.push({ tokenStart: from, tokenEnd: s.tokenEnd, sentiment: s.sentiment });
  }
  return out;
}

/** Trims sentences to their non-space tokens, splits them where the speaker changes, and attaches times. */
function finish(
  text: string,
  tokens: readonly Token[],
  raw: readonly RawSentence[],
  segments: readonly TranscriptSegment[] | null,
  english: boolean,
  sentiment: number,
): ParsedDocument {
  const pieces: RawSentence[] = [];
  const segs = segments ?? [];
  let segCursor = 0;
  for (const r of raw) {
    let a = r.tokenStart;
    let b = r.tokenEnd;
    while (a < b && text.slice(tokens[a]!.start, tokens[a]!.end).trim() === '') a++;
    while (b > a && text.slice(tokens[b - 1]!.start, tokens[b - 1]!.end).trim() === '') b--;
    if (a >= b) continue;
    if (segs.length === 0) {
      pieces.push({ tokenStart: a, tokenEnd: b, sentiment: r.sentiment });
      continue;
    }
    // A sentence never crosses from one speaker's turn into another's.
    let from = a;
    let speaker: string | null | undefined;
    for (let i = a; i < b; i++) {
      while (segCursor < segs.length - 1 && segs[segCursor]!.charEnd <= tokens[i]!.start) segCursor++;
      const seg = segs[segCursor];
      const sp = seg && seg.charStart <= tokens[i]!.start ? seg.speaker : speaker;
      if (speaker !== undefined && sp !== speaker && sp !== null && i > from) {
        pieces.push({ tokenStart: from, tokenEnd: i, sentiment: r.sentiment });
        from = i;
      }
      speaker = sp;
    }
    pieces.push({ tokenStart: from, tokenEnd: b, sentiment: r.sentiment });
  }
  const sentences: Sentence[] = [];
  let si = 0;
  for (const untrimmed of pieces) {
    const p = trimPiece(text, tokens, untrimmed);
    if (p === null) continue;
    const start = tokens[p.tokenStart]!.start;
    const end = tokens[p.tokenEnd - 1]!.end;
    let speaker: string | null = null;
    let startTime: number | undefined;
    let endTime: number | undefined;
    if (segs.length > 0) {
      while (si < segs.length - 1 && segs[si]!.charEnd <= start) si++;
      let j = si;
      const first = segs[j];
      if (first && first.charStart < end && first.charEnd > start) {
        speaker = first.speaker;
        startTime = first.start;
        endTime = first.end;
        while (j + 1 < segs.length && segs[j + 1]!.charStart < end) {
          j++;
          endTime = Math.max(endTime, segs[j]!.end);
        }
      }
    }
    sentences.push({
      index: sentences.length,
      start,
      end,
      tokenStart: p.tokenStart,
      tokenEnd: p.tokenEnd,
      sentiment: Math.max(-1, Math.min(1, p.sentiment)),
      speaker,
      startTime,
      endTime,
    });
  }
  return { text, english, tokens, sentences, sentiment: Math.max(-1, Math.min(1, sentiment)), entities: [] };
}

const CONTENT_POS = new Set(['NOUN', 'PROPN', 'ADJ', 'VERB', 'NUM']);
/** Verbs of conversation that carry no topic ("let's talk", "you know"): they would make small talk look central. */
const LIGHT_VERBS = new Set(
  'be have do know think say go get make let want come take look see tell talk mean need put give try like keep ask use seem feel'.split(
    ' ',
  ),
);

/** A speaker split can leave the line break before the next turn at a piece's end. */
function trimPiece(text: string, tokens: readonly Token[], p: RawSentence): RawSentence | null {
  let a = p.tokenStart;
  let b = p.tokenEnd;
  const blank = (i: number): boolean => text.slice(tokens[i]!.start, tokens[i]!.end).trim() === '';
  while (a < b && blank(a)) a++;
  while (b > a && blank(b - 1)) b--;
  return a < b ? { tokenStart: a, tokenEnd: b, sentiment: p.sentiment } : null;
}

/** Content terms of a sentence: lemmas of non-stop words, the unit every similarity measure here uses. */
export function contentTerms(doc: ParsedDocument, s: Sentence): string[] {
  const out: string[] = [];
  for (let i = s.tokenStart; i < s.tokenEnd; i++) {
    const t = doc.tokens[i]!;
    if (!t.word || t.stop || t.lemma.length < 2) continue;
    if (doc.english ? !CONTENT_POS.has(t.pos) || LIGHT_VERBS.has(t.lemma) : isLikelyFunctionWord(t.lemma))
      continue;
    out.push(t.lemma);
  }
  return out;
}

/** Without a stop list, very short Latin-script words are mostly function words (de "der", fr "les"). */
function isLikelyFunctionWord(w: string): boolean {
  return /^[\p{Script=Latin}]{1,3}$/u.test(w);
}

export function wordCount(doc: ParsedDocument): number {
  let n = 0;
  for (const t of doc.tokens) if (t.word) n++;
  return n;
}

/** Index of the sentence containing (or first after) `offset`, by binary search; 0 for an empty document. */
export function sentenceAt(doc: ParsedDocument, offset: number): number {
  let lo = 0;
  let hi = doc.sentences.length - 1;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (doc.sentences[mid]!.end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
