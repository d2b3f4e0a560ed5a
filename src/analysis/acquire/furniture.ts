// Page furniture: the parts of a page that are not the article (captions, credits, promos, ads, share widgets,
// related links, bylines, datelines), recognised by markup first and by text patterns second.

export const FURNITURE_KINDS = [
  'caption',
  'credit',
  'promo',
  'advertisement',
  'share',
  'related',
  'byline',
  'dateline',
  'navigation',
] as const;
export type FurnitureKind = (typeof FURNITURE_KINDS)[number];

/** A stretch of the stored text that is furniture: kept in the full text, left out of every ranked section. */
export interface FurnitureRange {
  /** UTF-16 offsets into the stored text, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly kind: FurnitureKind;
}

/** What an element's tag, role, class, id and itemprop say it is, or null when nothing marks it as furniture. */
export function furnitureOfElement(tag: string, attr: (name: string) => string | null): FurnitureKind | null {
  const t = tag.toUpperCase();
  if (t === 'FIGCAPTION') return 'caption';
  if (t === 'NAV') return 'navigation';
  const role = (attr('role') ?? '').toLowerCase();
  if (role === 'navigation') return 'navigation';
  const names = [attr('class'), attr('id'), attr('itemprop'), attr('data-testid')]
    .filter((x): x is string => x !== null)
    .join(' ')
    .toLowerCase();
  if (names !== '') {
    // Word-boundary tests on class tokens: "ad" must be a whole token ("ad-slot"), never "head" or "shadow".
    if (/(^|[\s_-])(ads?|advert\w*|sponsor\w*|dfp|outbrain|taboola)($|[\s_-])/.test(names))
      return 'advertisement';
    if (/newsletter|subscri(be|ption)|signup|sign-up|(^|[\s_-])promos?($|[\s_-])/.test(names)) return 'promo';
    if (/(^|[\s_-])(share|sharing|social|sharetools)($|[\s_-])/.test(names)) return 'share';
    if (/related|recommend|more-stories|read-more|see-also|most-popular/.test(names)) return 'related';
    if (/credit/.test(names)) return 'credit';
    if (/caption/.test(names)) return 'caption';
    if (/byline|author-name/.test(names)) return 'byline';
    if (/dateline|timestamp|publish-date|pubdate/.test(names)) return 'dateline';
  }
  if (t === 'ASIDE' || role === 'complementary') return 'related';
  return null;
}

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const NAME = "[\\p{Lu}][\\p{L}.'’-]*";
const PATTERNS: readonly (readonly [FurnitureKind, RegExp])[] = [
  [
    'advertisement',
    /^(advertisement|advertising|sponsored( content)?|ad|story continues below advertisement)$/i,
  ],
  [
    'related',
    /^(continue reading( the main story)?|read more:?|see more:?|learn more|more on this( story)?:?|more \w+ news:|related( articles| stories| coverage| links| content| reading)?(:.*)?|recommended( for you| stories| reading)?(:.*)?|most (popular|read)|you (may|might) also like.*)$/i,
  ],
  ['caption', /^(photo|image|video|graphic|gallery)( \d+ of \d+)?$/i],
  ['caption', /^((gallery|slideshow):.*|\d+ photos)$/i],
  ['credit', /^(image |photo(graph)? )?credits?:?\s*\S.{0,100}$/i],
  ['credit', /^(photo|image|illustration|photograph)( by)?:\s*\S.{0,100}$/i],
  [
    'credit',
    /^.{0,120}\b(getty images|associated press|reuters|agence france-presse|afp|epa|shutterstock|alamy)\W*$/i,
  ],
  // "Sign up" alone is prose ("when you sign up for Facebook"); a promo names what it sells or asks now.
  [
    'promo',
    /(\bsign up (now|today|here|for (our|the|a) [\w\s]{0,30}(newsletter|emails?|alerts?|briefing))\b|\bsubscribe (now|today|to (our|the))\b|\bnewsletters?\b|\bin your inbox\b|\bfollow us on\b|^subscribe$)/i,
  ],
  [
    'share',
    /^((share|tweet|email|print|save|pin|copy link|comments?( \(\d+( posted)?\))?|share (this|on) \w+)\s*[|•·]?\s*)+$/i,
  ],
  ['byline', new RegExp(`^[Bb]y ${NAME}( ${NAME}){0,3}((,| and) ${NAME}( ${NAME}){0,3})*$`, 'u')],
  ['byline', /^.{0,80}\bcontributed( reporting)? to this (report|article|story)\.?$/i],
  [
    'dateline',
    new RegExp(
      `^((updated|published|posted|last updated)( on)?:?\\s*)?(\\w+day,? )?(${MONTH} \\d{1,2}|\\d{1,2} ${MONTH}),? \\d{4}([,\\s]+\\d{1,2}[:.]\\d{2}\\s*([ap]\\.?m\\.?)?( \\w{2,4})?)?$`,
      'i',
    ),
  ],
  [
    'dateline',
    /^((updated|published|posted)( on)?:?\s*)?\d{1,2}[./-]\d{1,2}[./-]\d{2,4}([,\s]+\d{1,2}[:.]\d{2})?$/i,
  ],
];
/** Longer lines are prose, whatever words they contain (a promo line is a sentence or two). */
const MAX_FURNITURE_WORDS: Readonly<Partial<Record<FurnitureKind, number>>> = { promo: 30, credit: 20 };
const DEFAULT_MAX_WORDS = 16;

/** The furniture kind of one line of text, by its wording alone; null for ordinary prose. */
export function furnitureOfLine(line: string): FurnitureKind | null {
  const trimmed = line.trim();
  const text = /^\[.*\]$|^\(.*\)$/.test(trimmed) ? trimmed.slice(1, -1).trim() : trimmed;
  if (text === '') return null;
  const words = text.split(/\s+/).length;
  // A whole line in brackets that is not a sentence is an inline link to another story: "[Bardo museum …]".
  if (/^\[[^\]]+\]$/.test(trimmed) && words >= 3 && words <= DEFAULT_MAX_WORDS && !/[.!?]$/.test(text))
    return 'related';
  for (const [kind, re] of PATTERNS) {
    if (words > (MAX_FURNITURE_WORDS[kind] ?? DEFAULT_MAX_WORDS)) continue;
    if (re.test(text)) return kind;
  }
  return null;
}

/**
 * Dateline prefix of a paragraph ("LONDON — ", "WASHINGTON (AP) — "): its length, or 0. Only the place name is
 * furniture; the sentence it opens is kept.
 */
export function datelinePrefix(paragraph: string): number {
  const m = /^\p{Lu}[\p{Lu}\s.,'-]{1,40}(\s\([\p{L}\s.]{1,30}\))?\s[—–-]{1,2}\s/u.exec(paragraph);
  return m === null ? 0 : m[0].length;
}

/** Furniture found by text patterns, one range per matching line (and dateline prefixes) of `text`. */
export function findTextFurniture(text: string): FurnitureRange[] {
  const out: FurnitureRange[] = [];
  const re = /[^\n]+/g;
  /** Whether the previous line opened (or continued) a related-link list: "Read more:" and its headlines. */
  let inList = false;
  let previousEnd = -1;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const line = m[0];
    const lead = line.length - line.trimStart().length;
    const paragraphStart =
      m.index === 0 || /\n[^\S\n]*\n\s*$/.test(text.slice(Math.max(0, m.index - 20), m.index));
    const adjacent = previousEnd >= 0 && /^\s*$/.test(text.slice(previousEnd, m.index));
    let kind = furnitureOfLine(line);
    if (kind === null && inList && adjacent && isListedHeadline(line)) kind = 'related';
    inList = kind === 'related' && (inList || LIST_HEADING.test(line.trim()));
    if (kind !== null) {
      out.push({ start: m.index + lead, end: m.index + line.trimEnd().length, kind });
      previousEnd = m.index + line.length;
      continue;
    }
    previousEnd = -1;
    if (paragraphStart) {
      const n = datelinePrefix(line.slice(lead));
      if (n > 0) out.push({ start: m.index + lead, end: m.index + lead + n, kind: 'dateline' });
    }
  }
  return out;
}

/** A heading that opens a related-link list. */
const LIST_HEADING =
  /(:|^(related|read more|see more|more on this( story)?|recommended|most (popular|read)))$/i;

/** A headline in a link list: short, and not ending like a sentence. */
const isListedHeadline = (line: string): boolean => {
  const t = line.trim();
  return t.split(/\s+/).length <= DEFAULT_MAX_WORDS && !/[.!?:"”]$/.test(t);
};

/** Sorted, non-overlapping union of ranges (the first range's kind wins where two overlap). */
export function mergeFurniture(...lists: readonly (readonly FurnitureRange[])[]): FurnitureRange[] {
  const all = lists.flat().sort((a, b) => a.start - b.start || b.end - a.end);
  const out: FurnitureRange[] = [];
  for (const r of all) {
    const prev = out[out.length - 1];
    if (prev !== undefined && r.start < prev.end) {
      if (r.end > prev.end) out[out.length - 1] = { ...prev, end: r.end };
      continue;
    }
    out.push(r);
  }
  return out;
}
