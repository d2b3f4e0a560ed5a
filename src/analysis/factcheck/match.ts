// Does a published fact-check concern this claim? Token containment with documented thresholds, numbers and
// negation respected.
//
// A claim and a reviewed claim match when, over their content words (lower-cased, NFKC, stop words removed, a
// trailing plural "s" folded, thousands separators dropped):
//   1. the smaller side has at least MIN_SHARED_TOKENS content words, and they share at least that many;
//   2. word containment = shared / min(|claim|, |reviewed|) is at least MATCH_THRESHOLD (0.6): most of the shorter
//      statement's words appear in the longer one, which tolerates a reviewer's shorter wording of a long sentence;
//   3. bigram containment (the shorter side's adjacent content-word pairs found in the longer) is at least
//      BIGRAM_THRESHOLD (0.6), so one swapped predicate ("tripled" vs "cut" the water tax) is not the same claim;
//   4. when both mention numbers, they share at least one: "tripled in 2025" is not "tripled in 2015";
//   5. both or neither are negated ("not", "never", "no", …): "X causes Y" is not "X does not cause Y".
// Below that, nothing is attached: a wrong fact-check beside a claim is worse than none.

export const MATCH_THRESHOLD = 0.6;
export const MIN_SHARED_TOKENS = 3;
export const BIGRAM_THRESHOLD = 0.6;

const NEGATIONS = new Set([
  'not',
  'no',
  'never',
  'nor',
  'none',
  'nobody',
  'nothing',
  'neither',
  'cannot',
  'without',
]);

const STOP = new Set(
  `a an the and or but if then than that this these those there their they them it its is are was were be been being
  am do does did done has have had having of in on at to for from by with without about into over under as so such
  very can could will would shall should may might must just also only own same too i me my we our you your
  he him his she her who whom which what when where why how all any both each few more most other some s t
  said says say claim claims claimed according`.split(/\s+/),
);

export interface ClaimTokens {
  readonly words: ReadonlySet<string>;
  /** Adjacent content words, "a b", in text order. */
  readonly bigrams: ReadonlySet<string>;
  readonly numbers: ReadonlySet<string>;
  readonly negated: boolean;
}

export function tokens(text: string): ClaimTokens {
  const order: string[] = [];
  const numbers = new Set<string>();
  let negated = false;
  // Thousands separators go first so "20,000" and "20000" are the same number.
  const raw = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\u2019/g, "'")
    .replace(/n't\b/g, ' not')
    .replace(/(\d)[,\u00a0\u202f](?=\d{3}\b)/g, '$1');
  for (const t of raw.split(/[^\p{L}\p{N}.]+/u)) {
    const w = t.replace(/^\.+|\.+$/g, '');
    if (w === '') continue;
    if (/^\d+(\.\d+)?$/.test(w)) {
      numbers.add(w);
      order.push(w);
      continue;
    }
    for (const part of w.split('.')) {
      if (part === '') continue;
      if (NEGATIONS.has(part)) {
        negated = true;
        continue;
      }
      if (STOP.has(part)) continue;
      order.push(part.length > 3 && part.endsWith('s') && !part.endsWith('ss') ? part.slice(0, -1) : part);
    }
  }
  const bigrams = new Set<string>();
  for (let i = 1; i < order.length; i++) bigrams.add(`${order[i - 1]} ${order[i]}`);
  return { words: new Set(order), bigrams, numbers, negated };
}

export interface MatchScore {
  /** shared / min(size): 1 when the shorter statement is wholly contained in the longer. */
  readonly containment: number;
  readonly shared: number;
  /** The shorter side's bigrams found in the longer, as a fraction. */
  readonly bigramContainment: number;
  readonly matched: boolean;
}

export function matchClaims(a: ClaimTokens | string, b: ClaimTokens | string): MatchScore {
  const x = typeof a === 'string' ? tokens(a) : a;
  const y = typeof b === 'string' ? tokens(b) : b;
  let shared = 0;
  for (const w of x.words) if (y.words.has(w)) shared++;
  const smaller = Math.min(x.words.size, y.words.size);
  const containment = smaller === 0 ? 0 : shared / smaller;
  const [short, long] = x.words.size <= y.words.size ? [x, y] : [y, x];
  let sharedBigrams = 0;
  for (const g of short.bigrams) if (long.bigrams.has(g)) sharedBigrams++;
  const bigramContainment = short.bigrams.size === 0 ? 0 : sharedBigrams / short.bigrams.size;
  let numbersAgree = true;
  if (x.numbers.size > 0 && y.numbers.size > 0) {
    numbersAgree = false;
    for (const n of x.numbers) if (y.numbers.has(n)) numbersAgree = true;
  }
  const matched =
    smaller >= MIN_SHARED_TOKENS &&
    shared >= MIN_SHARED_TOKENS &&
    containment >= MATCH_THRESHOLD &&
    bigramContainment >= BIGRAM_THRESHOLD &&
    numbersAgree &&
    x.negated === y.negated;
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return { containment: round(containment), shared, bigramContainment: round(bigramContainment), matched };
}
