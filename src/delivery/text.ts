// Text shaping for Discord: sanitising, markdown escaping, and splitting at sentence/word boundaries within a limit.
import { measure } from '../discord-api/limits.js';

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// C0/C1 controls (incl. the separators Python's strip() treats as whitespace but JavaScript's does not).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const WHITESPACE = /[\s\u0085]+/g;

/** One line of user text: well-formed UTF-16, no control characters, whitespace collapsed, trimmed. */
export function sanitize(s: string): string {
  return s.replace(LONE_SURROGATES, '\uFFFD').replace(CONTROLS, ' ').replace(WHITESPACE, ' ').trim();
}

// Characters that start or end Discord markdown spans, masked links, mentions, headings and quotes.
const INLINE_MARKDOWN = /[\\*_~`|[\]<>#]/g;

/**
 * Escapes markdown and neutralises mentions (a zero-width space after every `@`, on top of `allowed_mentions`).
 * Purely per character, so escape(a + b) === escape(a) + escape(b): lengths of pieces add up exactly.
 */
export function escapeInline(s: string): string {
  return s.replace(INLINE_MARKDOWN, '\\$&').replace(/@/g, '@\u200b');
}

/** Escaped length of `s`, without building the string. */
export function escapedLength(s: string): number {
  let n = measure(s);
  for (const ch of s) if (ch === '@' || '\\*_~`|[]<>#'.includes(ch)) n += 1;
  return n;
}

/**
 * Escapes a piece that will start a line: a leading `-`/`+` or `1.` would turn into a list item. Adds at most
 * one character to `escapeInline`, which is why splitting reserves one.
 */
export function escapePiece(raw: string): string {
  const e = escapeInline(raw);
  if (/^[-+]/.test(e)) return `\\${e}`;
  const list = /^(\d+)([.)])(\s|$)/.exec(e);
  if (list) return `${list[1] ?? ''}\\${e.slice((list[1] ?? '').length)}`;
  return e;
}

const sentences = new Intl.Segmenter('en', { granularity: 'sentence' });
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

type Level = 'sentence' | 'word' | 'grapheme' | 'codepoint';

function* units(text: string, level: Level): Iterable<string> {
  switch (level) {
    case 'sentence':
      for (const s of sentences.segment(text)) if (s.segment.trim() !== '') yield s.segment.trim();
      return;
    case 'word':
      for (const w of text.split(' ')) if (w !== '') yield w;
      return;
    case 'grapheme':
      // Printable ASCII never forms multi-character clusters: skip the (slow) segmenter for it.
      if (/^[\x20-\x7e]*$/.test(text)) yield* text;
      else for (const g of graphemes.segment(text)) yield g.segment;
      return;
    case 'codepoint':
      yield* text;
      return;
  }
}

const NEXT: Record<Level, Level | null> = {
  sentence: 'word',
  word: 'grapheme',
  grapheme: 'codepoint',
  codepoint: null,
};

/**
 * Splits sanitised text into raw pieces whose `escapePiece` form is at most `limit` long: whole sentences where
 * they fit, else whole words, and only a single word longer than the limit is cut (between graphemes, and between
 * code points for a grapheme cluster longer than the limit). Never splits a surrogate pair.
 */
export function splitText(text: string, limit: number, maxPieces = Infinity): string[] {
  const budget = limit - 1;
  if (budget < 2) throw new RangeError(`splitText needs a limit of at least 3, received ${limit}`);
  if (escapedLength(text) <= budget) return text.trim() === '' ? [] : [text.trim()];
  const pieces: string[] = [];
  let cur = '';
  let curCost = 0;
  const flush = (): void => {
    if (cur.trim() !== '') pieces.push(cur.trim());
    cur = '';
    curCost = 0;
  };
  const add = (unit: string, level: Level): void => {
    if (pieces.length >= maxPieces) return;
    const cost = escapedLength(unit);
    const sep = cur === '' ? 0 : level === 'sentence' || level === 'word' ? 1 : 0;
    if (curCost + sep + cost <= budget) {
      cur = cur === '' ? unit : cur + (sep ? ' ' : '') + unit;
      curCost += sep + cost;
      return;
    }
    if (cost <= budget) {
      flush();
      cur = unit;
      curCost = cost;
      return;
    }
    const next = NEXT[level];
    // A single code point costs at most 2 (an escaped character, or a surrogate pair), which the guard above
    // guarantees fits, so the code point level never gets here.
    if (next === null) return;
    if (level === 'word' || level === 'sentence') flush();
    for (const u of units(unit, next)) {
      add(u, next);
      if (pieces.length >= maxPieces) return;
    }
  };
  for (const s of units(text, 'sentence')) {
    add(s, 'sentence');
    if (pieces.length >= maxPieces) break;
  }
  flush();
  return pieces.slice(0, maxPieces);
}

/**
 * The first piece `splitText` would make, without splitting the rest: only a prefix twice the limit is looked at
 * (an escaped piece of `limit` can never cover more), which keeps huge inputs cheap.
 */
export function firstPiece(text: string, limit: number): string {
  let end = Math.min(text.length, limit * 2 + 2);
  if (end < text.length && /[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1;
  return splitText(text.slice(0, end), limit, 1)[0] ?? '';
}

/** Sanitised `text` cut (raw, unescaped) at a sentence or word boundary to `maxChars`, ` …` marking a cut. */
export function clip(text: string, maxChars: number): string {
  const clean = sanitize(text);
  return escapedLength(clean) > maxChars ? `${firstPiece(clean, maxChars)} …` : clean;
}

/** The start of `text` within `limit` (escaped), ending in `…` when something was cut. */
export function truncate(text: string, limit: number): string {
  const sliced = text.length > limit * 4 + 8;
  const s = sanitize(sliced ? text.slice(0, limit * 4 + 8) : text);
  if (s === '') return '';
  if (!sliced && escapedLength(s) + 1 <= limit) return escapePiece(s);
  return `${escapePiece(firstPiece(s, limit - 1))}…`;
}

/** Joins items with `, ` within `limit`, ending with `… +N more` when not all fit. */
export function joinCompact(items: readonly string[], limit: number): string {
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] ?? '';
    const rest = items.length - i - 1;
    const tail = rest > 0 ? ` … +${rest} more`.length : 0;
    const sep = out.length > 0 ? 2 : 0;
    if (used + sep + measure(item) + tail <= limit) {
      out.push(item);
      used += sep + measure(item);
    } else {
      const more = ` … +${items.length - i} more`;
      return out.length > 0 ? out.join(', ') + more : more.trim();
    }
  }
  return out.join(', ');
}
