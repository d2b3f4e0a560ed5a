// Named-entity features: word identity, shape, affixes and context, hashed into a fixed number of buckets.

/** 32-bit FNV-1a: a stable hash (the model file depends on it, so it must never change). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** "McDonald's" → "XxXxxxx'x" collapsed to "XxXx'x": the kind of characters in order, runs merged. */
export function wordShape(w: string): string {
  let out = '';
  for (const ch of w) {
    const c = /\p{Lu}/u.test(ch) ? 'X' : /\p{Ll}/u.test(ch) ? 'x' : /\p{N}/u.test(ch) ? 'd' : ch;
    if (!out.endsWith(c)) out += c;
  }
  return out;
}

const lower = (w: string | undefined): string => (w === undefined ? '<none>' : w.toLowerCase());
const normDigits = (w: string): string => w.replace(/\p{N}/gu, '0');

/**
 * The static features of every token of a sentence (those that do not depend on earlier predictions), as
 * strings. `docCaps` holds lower-cased words seen capitalised mid-sentence elsewhere in the document: a word in
 * an all-caps headline is likely a name when the body writes it capitalised.
 */
export function staticFeatures(tokens: readonly string[], docCaps: ReadonlySet<string>): string[][] {
  const n = tokens.length;
  const allCaps = tokens.every((t) => !/\p{Ll}/u.test(t));
  return tokens.map((w, i) => {
    const l = w.toLowerCase();
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    const f = [
      'b',
      `w=${normDigits(l)}`,
      `s=${wordShape(w)}`,
      `p1=${l.slice(0, 1)}`,
      `p2=${l.slice(0, 2)}`,
      `p3=${l.slice(0, 3)}`,
      `x1=${l.slice(-1)}`,
      `x2=${l.slice(-2)}`,
      `x3=${l.slice(-3)}`,
      `x4=${l.slice(-4)}`,
      `w-1=${normDigits(lower(prev))}`,
      `w+1=${normDigits(lower(next))}`,
      `w-2=${normDigits(lower(tokens[i - 2]))}`,
      `w+2=${normDigits(lower(tokens[i + 2]))}`,
      `s-1=${prev === undefined ? '<s>' : wordShape(prev)}`,
      `s+1=${next === undefined ? '</s>' : wordShape(next)}`,
      `w-1w=${lower(prev)}|${l}`,
      `ww+1=${l}|${lower(next)}`,
      `s-1s+1=${prev === undefined ? '<s>' : wordShape(prev)}|${wordShape(w)}|${next === undefined ? '</s>' : wordShape(next)}`,
    ];
    if (i === 0) f.push('first');
    if (i === n - 1) f.push('last');
    if (allCaps) f.push('capsline', `capsline-doc=${docCaps.has(l)}`);
    if (docCaps.has(l)) f.push('doccap');
    if (w.includes('-')) f.push('hyphen');
    if (/^\p{Lu}\.$/u.test(w) || /^(\p{Lu}\.)+$/u.test(w)) f.push('initials');
    if (w.length === 1) f.push('len1');
    return f;
  });
}

/** Lower-cased words written capitalised somewhere other than a sentence's first token, in mixed-case sentences. */
export function capitalisedWords(sentences: readonly (readonly string[])[]): Set<string> {
  const out = new Set<string>();
  for (const tokens of sentences) {
    if (tokens.every((t) => !/\p{Ll}/u.test(t))) continue;
    for (let i = 1; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (/^\p{Lu}\p{Ll}/u.test(t)) out.add(t.toLowerCase());
    }
  }
  return out;
}

/** Features that depend on the labels already predicted for the two previous tokens. */
export function dynamicFeatures(prev: string, prev2: string, word: string, shape: string): string[] {
  return [
    `t-1=${prev}`,
    `t-2t-1=${prev2}|${prev}`,
    `t-1w=${prev}|${word.toLowerCase()}`,
    `t-1s=${prev}|${shape}`,
  ];
}
