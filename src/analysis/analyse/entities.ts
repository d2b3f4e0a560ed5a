// Named entities: the project's CoNLL-trained tagger finds and types them (person, organization, location, misc);
// mentions of one entity ("Mr. Georgelis", "Georgelis") are merged into its fullest name ("Tasos Georgelis").
import type { ParsedDocument } from './document.js';
import type { NerModel } from './ner/model.js';
import { capitalisedWords } from './ner/features.js';

export type EntityType = 'person' | 'organization' | 'location' | 'misc';
const TYPE_OF: Readonly<Record<string, EntityType>> = {
  PER: 'person',
  ORG: 'organization',
  LOC: 'location',
  MISC: 'misc',
};

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

interface Candidate {
  start: number;
  end: number;
  sentence: number;
}

/**
 * Finds typed entities: each sentence's word tokens go through the tagger (with the document's capitalised words,
 * which tell a name in an all-caps headline from a shouted word); a person's titles are cut from the mention.
 */
export function findEntities(doc: ParsedDocument, model: NerModel): FoundEntity[] {
  const { tokens, text } = doc;
  const sentences = doc.sentences.map((s) => {
    const idx: number[] = [];
    for (let i = s.tokenStart; i < s.tokenEnd; i++) {
      const t = tokens[i]!;
      if (t.end > t.start && text.slice(t.start, t.end).trim() !== '') idx.push(i);
    }
    return idx;
  });
  const words = sentences.map((idx) => idx.map((i) => text.slice(tokens[i]!.start, tokens[i]!.end)));
  const caps = capitalisedWords(words);
  const mentions: { start: number; end: number; sentence: number; type: EntityType }[] = [];
  doc.sentences.forEach((s, si) => {
    const idx = sentences[si]!;
    if (idx.length === 0) return;
    const tags = model.tag(words[si]!, caps);
    let open: { from: number; type: string } | null = null;
    const close = (to: number): void => {
      if (open === null) return;
      const type = TYPE_OF[open.type];
      const start = tokens[idx[open.from]!]!.start;
      let end = tokens[idx[to - 1]!]!.end;
      open = null;
      if (type === undefined) return;
      // "Kenya's" can arrive as one token: the possessive is not part of the name.
      const possessive = /['’]s$/.exec(text.slice(start, end));
      if (possessive && end - possessive[0].length > start) end -= possessive[0].length;
      const surface = text.slice(start, end);
      if (!/\p{Lu}|\p{N}/u.test(surface) || CALENDAR.has(surface.toLowerCase())) return;
      // A title cut off from its name by a sentence split ("Mr." | "Reeves said") is not a name.
      if (TITLES.has(surface.toLowerCase().replace(/\.$/, ''))) return;
      const c = { start, end, sentence: s.index };
      // A name right after a title is a person's, whatever a sentence split made of it ("Mr." | "Reeves said").
      const titled = /\b(mr|mrs|ms|dr|prof|sen|gov|rep|gen)\.?\s+$/i.test(
        text.slice(Math.max(0, start - 8), start),
      );
      const kind = titled ? 'person' : type;
      const trimmed = kind === 'person' ? stripTitles(text, c) : c;
      if (trimmed) mentions.push({ ...trimmed, type: kind });
    };
    tags.forEach((tag, k) => {
      if (tag === 'O') return close(k);
      const type = tag.slice(2);
      if (tag.startsWith('B-') || open === null || open.type !== type) {
        close(k);
        open = { from: k, type };
      }
    });
    close(tags.length);
  });
  return group(text, mentions);
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
    // The tagger may read one name differently in different sentences: the most frequent reading wins.
    let best: EntityType = 'misc';
    let n = 0;
    for (const [t, c] of counts) if (c > n) [best, n] = [t, c];
    return best;
  };
  const entities = [...byKey.entries()].map(([key, e]) => ({
    key,
    text: pickSurface(e.surfaces),
    type: typeOf(e.type),
    mentions: e.m,
  }));
  // "Georgelis" (and so "Mr. Georgelis") joins "Tasos Georgelis" when exactly one multi-word person ends (or
  // starts) with it.
  const persons = entities.filter((e) => e.type === 'person' && e.key.includes(' '));
  const merged = new Set<string>();
  for (const e of entities) {
    if (e.key.includes(' ') || e.type !== 'person') continue;
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
