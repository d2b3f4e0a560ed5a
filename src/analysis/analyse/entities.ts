// Named entities: compromise types people/places/organisations; wink's proper-noun runs fill in the rest as 'other'.
import nlp from 'compromise';
import type { ParsedDocument } from './document.js';

export type EntityType = 'person' | 'place' | 'organization' | 'other';

export interface EntityMention {
  readonly start: number;
  readonly end: number;
  readonly sentence: number;
}

export interface FoundEntity {
  readonly text: string;
  readonly type: EntityType;
  readonly mentions: readonly EntityMention[];
}

interface CompromiseTerm {
  text: string;
  offset: { start: number; length: number };
}
interface CompromiseMatch {
  terms: CompromiseTerm[];
}

/** Titles and honorifics stay out of the name, so "Senator Sanders" and "Sanders" are one person. */
const TITLES = new Set(
  'mr mrs ms miss dr prof sir madam senator sen secretary president vice governor gov rep representative congressman congresswoman mayor judge justice general gen chairman chairwoman speaker leader minister prime chancellor king queen prince princess lord lady pope saint st captain capt officer sergeant sgt lieutenant lt colonel col admiral'.split(
    ' ',
  ),
);

/** Days and months are dates, not named entities. */
const CALENDAR = new Set(
  'monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december'.split(
    ' ',
  ),
);

/** wink reads "I'm" with a straight apostrophe as one proper noun. */
const PRONOUN_CONTRACTION = /^(i|you|we|they|he|she|it|let|that|there)['’]/;

/** Words that may sit inside a name between proper nouns: "Bank of America", "Johnson & Johnson". */
const CONNECTORS = new Set(['of', '&', 'de', 'la', 'von', 'van', 'der', 'del']);

interface Candidate {
  start: number;
  end: number;
  sentence: number;
}

/**
 * Finds typed entities. wink's proper-noun runs give the mentions and their exact spans; compromise (the slow
 * part, ~15k words/s) types each distinct name once, reading all of them as one short document of lines.
 */
export function findEntities(doc: ParsedDocument): FoundEntity[] {
  const candidates = properNounRuns(doc);
  const name = (c: Candidate): string => doc.text.slice(c.start, c.end).replace(/\s+/g, ' ');
  const distinct = new Map<string, EntityType>();
  for (const c of candidates) distinct.set(name(c), 'other');
  const names = [...distinct.keys()];
  const lineStarts: number[] = [];
  let compound = '';
  for (const n of names) {
    lineStarts.push(compound.length);
    compound += `${n}.\n`;
  }
  if (compound.length > 0) {
    const cdoc = nlp(compound);
    const kinds: [EntityType, CompromiseMatch[]][] = [
      ['organization', cdoc.organizations().json({ offset: true }) as CompromiseMatch[]],
      ['place', cdoc.places().json({ offset: true }) as CompromiseMatch[]],
      ['person', cdoc.people().json({ offset: true }) as CompromiseMatch[]],
    ];
    for (const [type, matches] of kinds) {
      for (const m of matches) {
        const first = m.terms[0];
        const last = m.terms[m.terms.length - 1];
        if (!first || !last) continue;
        const line = lastAtOrBefore(lineStarts, first.offset.start);
        const typed = names[line]!;
        // The typed part must cover most of the name, so "Iowa caucus" does not become a place.
        const covered = last.offset.start + last.offset.length - first.offset.start;
        if (covered * 2 >= typed.length) distinct.set(typed, type);
      }
    }
  }
  const mentions: { start: number; end: number; sentence: number; type: EntityType }[] = [];
  for (const c of candidates) {
    const titled = TITLES.has(/^[\p{L}]+/u.exec(name(c))?.[0]?.toLowerCase() ?? '');
    const type = titled ? 'person' : (distinct.get(name(c)) ?? 'other');
    const trimmed = type === 'person' ? stripTitles(doc.text, c) : c;
    if (trimmed) mentions.push({ ...trimmed, type });
  }
  return group(doc.text, mentions);
}

/** Proper-noun runs, skipping stage directions ("(APPLAUSE)"), pronoun mis-tags and lone sentence-initial words. */
function properNounRuns(doc: ParsedDocument): Candidate[] {
  const { tokens, text } = doc;
  const out: Candidate[] = [];
  const isProper = (i: number): boolean => {
    const t = tokens[i]!;
    return (
      t.pos === 'PROPN' &&
      t.word &&
      !t.stop &&
      !PRONOUN_CONTRACTION.test(t.normal) &&
      /^\p{Lu}/u.test(text.slice(t.start, t.end))
    );
  };
  for (const s of doc.sentences) {
    let i = s.tokenStart;
    while (i < s.tokenEnd) {
      if (!isProper(i)) {
        i++;
        continue;
      }
      const from = i;
      let to = i + 1;
      for (;;) {
        if (to < s.tokenEnd && isProper(to) && tokens[to]!.start - tokens[to - 1]!.end <= 1) {
          to++;
        } else if (
          to + 1 < s.tokenEnd &&
          CONNECTORS.has(tokens[to]!.normal) &&
          isProper(to + 1) &&
          tokens[to + 1]!.start - tokens[to]!.end <= 1
        ) {
          to += 2;
        } else break;
      }
      i = to;
      const start = tokens[from]!.start;
      let end = tokens[to - 1]!.end;
      // "Kenya's" can arrive as one token: the possessive is not part of the name.
      const possessive = /['’]s$/.exec(text.slice(start, end));
      if (possessive && end - possessive[0].length > start) end -= possessive[0].length;
      const surface = text.slice(start, end);
      if (CALENDAR.has(surface.toLowerCase())) continue;
      const lone = to - from === 1 && from === s.tokenStart;
      const bracketed =
        /[([]$/.test(text.slice(Math.max(0, start - 1), start)) && surface === surface.toUpperCase();
      if (lone || bracketed || TITLES.has(surface.toLowerCase().replace(/\.$/, ''))) continue;
      out.push({ start, end, sentence: s.index });
    }
  }
  return out;
}

/** "Senator Bernie Sanders" → the span of "Bernie Sanders". */
function stripTitles(text: string, c: Candidate): Candidate | null {
  let start = c.start;
  for (;;) {
    const m = /^([\p{L}.]+)\s+/u.exec(text.slice(start, c.end));
    if (!m || !TITLES.has(m[1]!.toLowerCase().replace(/\.$/, ''))) break;
    start += m[0].length;
  }
  return start < c.end ? { start, end: c.end, sentence: c.sentence } : null;
}

function lastAtOrBefore(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function group(
  text: string,
  mentions: readonly { start: number; end: number; sentence: number; type: EntityType }[],
): FoundEntity[] {
  const byKey = new Map<
    string,
    { type: Map<EntityType, number>; surfaces: Map<string, number>; m: EntityMention[] }
  >();
  for (const m of mentions) {
    const surface = text.slice(m.start, m.end).replace(/\s+/g, ' ');
    const key = surface.toLowerCase();
    let e = byKey.get(key);
    if (!e) byKey.set(key, (e = { type: new Map(), surfaces: new Map(), m: [] }));
    e.type.set(m.type, (e.type.get(m.type) ?? 0) + 1);
    e.surfaces.set(surface, (e.surfaces.get(surface) ?? 0) + 1);
    e.m.push({ start: m.start, end: m.end, sentence: m.sentence });
  }
  const typeOf = (counts: Map<EntityType, number>): EntityType => {
    // A typed reading wins over 'other'; among typed readings the most frequent.
    let best: EntityType = 'other';
    let n = 0;
    for (const [t, c] of counts) if (t !== 'other' && c > n) [best, n] = [t, c];
    return best;
  };
  const entities = [...byKey.entries()].map(([key, e]) => ({
    key,
    text: pickSurface(e.surfaces),
    type: typeOf(e.type),
    mentions: e.m,
  }));
  // "Clinton" joins "Hillary Clinton" when exactly one multi-word person ends (or starts) with it.
  const persons = entities.filter((e) => e.type === 'person' && e.key.includes(' '));
  const merged = new Set<string>();
  for (const e of entities) {
    if (e.key.includes(' ') || (e.type !== 'person' && e.type !== 'other')) continue;
    const owners = persons.filter((p) => {
      const words = p.key.split(' ');
      return words[words.length - 1] === e.key || words[0] === e.key;
    });
    if (owners.length !== 1) continue;
    const owner = owners[0]!;
    owner.mentions.push(...e.mentions);
    merged.add(e.key);
  }
  return entities
    .filter((e) => !merged.has(e.key))
    .map((e) => ({
      text: e.text,
      type: e.type,
      mentions: [...e.mentions].sort((a, b) => a.start - b.start),
    }));
}

function pickSurface(surfaces: ReadonlyMap<string, number>): string {
  let best = '';
  let n = -1;
  for (const [s, c] of surfaces) if (c > n || (c === n && s.length > best.length)) [best, n] = [s, c];
  return best;
}
