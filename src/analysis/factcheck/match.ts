// Does a published fact-check concern this claim? Token containment with a documented threshold, numbers respected.
//
// A claim and a reviewed claim match when, over their content words (lower-cased, NFKC, stop words removed, a
// trailing plural "s" folded):
//   1. the smaller side has at least MIN_SHARED_TOKENS content words, and they share at least that many;
//   2. containment = shared / min(|claim|, |reviewed|) is at least MATCH_THRESHOLD (0.6): most of the shorter
//      statement's words appear in the longer one, which tolerates a reviewer's paraphrase of a longer sentence;
//   3. when both mention numbers, they share at least one: "tripled in 2025" is not "tripled in 2015".
// Below that, nothing is attached: a wrong fact-check beside a claim is worse than none.

export const MATCH_THRESHOLD = 0.6;
export const MIN_SHARED_TOKENS = 3;

const STOP = new Set(
  `a an the and or but if then than that this these those there their they them it its is are was were be been being
  am do does did done has have had having of in on at to for from by with without about into over under as so such
  not no nor very can could will would shall should may might must just also only own same too i me my we our you your
  he him his she her who whom which what when where why how all any both each few more most other some s t
  said says say claim claims claimed according`.split(/\s+/),
);

export interface ClaimTokens {
  readonly words: ReadonlySet<string>;
  readonly numbers: ReadonlySet<string>;
}

export function tokens(text: string): ClaimTokens {
  const words = new Set<string>();
  const numbers = new Set<string>();
  // Thousands separators go first so "20,000" and "20000" are the same number.
  const raw = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/(\d)[,\u00a0\u202f](?=\d{3}\b)/g, '$1');
  for (const t of raw.split(/[^\p{L}\p{N}.]+/u)) {
    const w = t.replace(/^\.+|\.+$/g, '');
    if (w === '') continue;
    if (/^\d+(\.\d+)?$/.test(w)) {
      numbers.add(w);
      words.add(w);
      continue;
    }
    for (const part of w.split('.')) {
      if (part === '' || STOP.has(part)) continue;
      words.add(part.length > 3 && part.endsWith('s') && !part.endsWith('ss') ? part.slice(0, -1) : part);
    }
  }
  return { words, numbers };
}

export interface MatchScore {
  /** shared / min(size): 1 when the shorter statement is wholly contained in the longer. */
  readonly containment: number;
  readonly shared: number;
  readonly matched: boolean;
}

export function matchClaims(a: ClaimTokens | string, b: ClaimTokens | string): MatchScore {
  const x = typeof a === 'string' ? tokens(a) : a;
  const y = typeof b === 'string' ? tokens(b) : b;
  let shared = 0;
  for (const w of x.words) if (y.words.has(w)) shared++;
  const smaller = Math.min(x.words.size, y.words.size);
  const containment = smaller === 0 ? 0 : shared / smaller;
  let numbersAgree = true;
  if (x.numbers.size > 0 && y.numbers.size > 0) {
    numbersAgree = false;
    for (const n of x.numbers) if (y.numbers.has(n)) numbersAgree = true;
  }
  const matched =
    smaller >= MIN_SHARED_TOKENS &&
    shared >= MIN_SHARED_TOKENS &&
    containment >= MATCH_THRESHOLD &&
    numbersAgree;
  return { containment: Math.round(containment * 1000) / 1000, shared, matched };
}
