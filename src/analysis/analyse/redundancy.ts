// When two sentences say the same thing: token Jaccard or containment over content words, the one test every
// selection (summary, key points, TL;DR, quotes) and the summary benchmark share.

/**
 * Two sentences repeat each other when the Jaccard overlap of their content-word sets exceeds 0.5, or when the
 * smaller set (at least four words) is 80 % contained in the larger one — a sentence restated with a clause added
 * ("X rose 5%" / "X rose 5% on Monday, the company said"). Containment needs four words so that short sentences
 * sharing a name are not taken for repeats.
 */
export const REPEAT_JACCARD = 0.5;
export const REPEAT_CONTAINMENT = 0.8;
const MIN_CONTAINED_WORDS = 4;

const STOP = new Set(
  (
    'a an the and or but if of to in on at by for with from as is are was were be been being it its this that these those ' +
    'he she they we you i his her their our your my him them us me not no so than then there here has have had do does did ' +
    'will would can could should may might must also just about into over after before said says say'
  ).split(' '),
);

/** The content-word set of a text: lower-cased letters/digits runs, stop words and one-letter words removed. */
export function contentWordSet(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? []) {
    const base = w.replace(/['’]s$/, '');
    if (base.length > 1 && !STOP.has(base)) out.add(base);
  }
  return out;
}

export function overlapStats(
  a: ReadonlySet<string>,
  b: ReadonlySet<string>,
): { jaccard: number; containment: number } {
  if (a.size === 0 || b.size === 0) return { jaccard: 0, containment: 0 };
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const w of small) if (large.has(w)) inter++;
  return { jaccard: inter / (a.size + b.size - inter), containment: inter / small.size };
}

export function isRepeatSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const { jaccard, containment } = overlapStats(a, b);
  return (
    jaccard > REPEAT_JACCARD ||
    (Math.min(a.size, b.size) >= MIN_CONTAINED_WORDS && containment >= REPEAT_CONTAINMENT)
  );
}

export const isRepeat = (a: string, b: string): boolean => isRepeatSet(contentWordSet(a), contentWordSet(b));

/** Pairs (i < j) of texts that repeat each other. */
export function repeatPairs(texts: readonly string[]): number {
  const sets = texts.map(contentWordSet);
  let n = 0;
  for (let i = 0; i < sets.length; i++)
    for (let j = i + 1; j < sets.length; j++) if (isRepeatSet(sets[i]!, sets[j]!)) n++;
  return n;
}
