// Keyphrases: noun-phrase candidates scored by TextRank over a word co-occurrence graph (frequency + IDF without POS).
import { contentTerms, type ParsedDocument } from './document.js';
import { pageRank } from './textrank.js';

export interface PhraseOccurrence {
  readonly sentence: number;
  readonly start: number;
  readonly end: number;
}

export interface Phrase {
  /** Lemma key, e.g. "health care". */
  readonly key: string;
  /** The surface form seen most often. */
  readonly label: string;
  readonly words: readonly string[];
  /** Salience before any selection, higher is better. */
  readonly weight: number;
  readonly occurrences: readonly PhraseOccurrence[];
}

const CANDIDATE_POS = new Set(['NOUN', 'PROPN', 'ADJ']);
const HEAD_POS = new Set(['NOUN', 'PROPN']);
const MAX_WORDS = 4;
const HAS_LETTERS = /\p{L}{2,}/u;
/** Nouns too general to name a topic. */
const GENERIC_NOUNS = new Set(
  'lot lots thing things way ways kind sort bit fact time times number part something anything everything nothing one ones reality question point day kinds other others'.split(
    ' ',
  ),
);

/** Every candidate phrase of the document with its occurrences and weight. */
export function extractPhrases(doc: ParsedDocument): Phrase[] {
  return doc.english ? englishPhrases(doc) : frequencyPhrases(doc);
}

function englishPhrases(doc: ParsedDocument): Phrase[] {
  const { tokens, sentences, text } = doc;
  // Word graph: content words co-occurring within a window of 3 content words in the same sentence.
  const ids = new Map<string, number>();
  const edges: Map<number, number>[] = [];
  const idOf = (w: string): number => {
    let id = ids.get(w);
    if (id === undefined) {
      id = ids.size;
      ids.set(w, id);
      edges.push(new Map());
    }
    return id;
  };
  const chunks: { sentence: number; from: number; to: number }[] = [];
  for (const s of sentences) {
    const window: number[] = [];
    let runStart = -1;
    const closeRun = (endExclusive: number): void => {
      if (runStart < 0) return;
      let b = endExclusive;
      while (b > runStart && !HEAD_POS.has(tokens[b - 1]!.pos)) b--;
      const a = Math.max(runStart, b - MAX_WORDS);
      if (b > a) chunks.push({ sentence: s.index, from: a, to: b });
      runStart = -1;
    };
    for (let i = s.tokenStart; i < s.tokenEnd; i++) {
      const t = tokens[i]!;
      const usable = t.word && !t.stop && HAS_LETTERS.test(t.lemma) && !GENERIC_NOUNS.has(t.lemma);
      if (usable && CANDIDATE_POS.has(t.pos)) {
        if (runStart < 0) runStart = i;
        const id = idOf(t.lemma);
        for (const o of window) {
          if (o === id) continue;
          edges[id]!.set(o, (edges[id]!.get(o) ?? 0) + 1);
          edges[o]!.set(id, (edges[o]!.get(id) ?? 0) + 1);
        }
        window.push(id);
        if (window.length > 2) window.shift();
      } else {
        closeRun(i);
        if (usable) window.length = 0;
      }
    }
    closeRun(s.tokenEnd);
  }
  const ranks = pageRank(edges.map((m) => [...m.entries()]));
  const maxRank = Math.max(0, ...ranks);
  const wordScore = (w: string): number => {
    const id = ids.get(w);
    return id === undefined || maxRank === 0 ? 0 : ranks[id]! / maxRank;
  };
  const byKey = new Map<
    string,
    { words: string[]; occ: PhraseOccurrence[]; surfaces: Map<string, number> }
  >();
  for (const c of chunks) {
    const words = [];
    for (let i = c.from; i < c.to; i++) words.push(tokens[i]!.lemma);
    const key = words.join(' ');
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { words, occ: [], surfaces: new Map() }));
    const start = tokens[c.from]!.start;
    const end = tokens[c.to - 1]!.end;
    entry.occ.push({ sentence: c.sentence, start, end });
    const surface = text.slice(start, end);
    entry.surfaces.set(surface, (entry.surfaces.get(surface) ?? 0) + 1);
  }
  const out: Phrase[] = [];
  for (const [key, e] of byKey) {
    const mean = e.words.reduce((s, w) => s + wordScore(w), 0) / e.words.length;
    out.push({
      key,
      label: mostCommon(e.surfaces),
      words: e.words,
      weight: mean * Math.sqrt(e.words.length) * Math.log(1 + e.occ.length),
      occurrences: e.occ,
    });
  }
  return out;
}

/** Without a tagger: single content words and adjacent pairs, weighted by frequency × sentence IDF. */
function frequencyPhrases(doc: ParsedDocument): Phrase[] {
  const { tokens, sentences, text } = doc;
  const n = sentences.length;
  const df = new Map<string, number>();
  for (const s of sentences) for (const w of new Set(contentTerms(doc, s))) df.set(w, (df.get(w) ?? 0) + 1);
  // Words in most sentences are function words of a language we have no stop list for.
  const common = (w: string): boolean => n >= 10 && (df.get(w) ?? 0) > n * 0.3;
  const byKey = new Map<
    string,
    { words: string[]; occ: PhraseOccurrence[]; surfaces: Map<string, number> }
  >();
  const add = (words: string[], sentence: number, start: number, end: number): void => {
    const key = words.join(' ');
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { words, occ: [], surfaces: new Map() }));
    entry.occ.push({ sentence, start, end });
    const surface = text.slice(start, end);
    entry.surfaces.set(surface, (entry.surfaces.get(surface) ?? 0) + 1);
  };
  for (const s of sentences) {
    let prev = -1;
    for (let i = s.tokenStart; i < s.tokenEnd; i++) {
      const t = tokens[i]!;
      const ok =
        t.word &&
        HAS_LETTERS.test(t.lemma) &&
        !common(t.lemma) &&
        !/^[\p{Script=Latin}]{1,3}$/u.test(t.lemma);
      if (!ok) {
        if (t.word) prev = -1;
        continue;
      }
      add([t.lemma], s.index, t.start, t.end);
      if (prev >= 0) add([tokens[prev]!.lemma, t.lemma], s.index, tokens[prev]!.start, t.end);
      prev = i;
    }
  }
  const out: Phrase[] = [];
  for (const [key, e] of byKey) {
    if (e.occ.length < 2 && byKey.size > 20) continue;
    const idf = e.words.reduce((s, w) => s + Math.log((1 + n) / (1 + (df.get(w) ?? 0))), 0) / e.words.length;
    out.push({
      key,
      label: mostCommon(e.surfaces),
      words: e.words,
      weight: e.occ.length * (1 + idf) * Math.sqrt(e.words.length),
      occurrences: e.occ,
    });
  }
  return out;
}

/**
 * The top `k` phrases by `score`, skipping one whose words are all inside a phrase already taken (or that
 * contains one already taken entirely), so "health care" and "health care plan" don't both appear.
 */
export function selectPhrases(phrases: readonly Phrase[], score: (p: Phrase) => number, k: number): Phrase[] {
  const sorted = phrases
    .map((p) => [p, score(p)] as const)
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1] || a[0].key.localeCompare(b[0].key));
  const chosen: Phrase[] = [];
  for (const [p] of sorted) {
    if (chosen.length >= k) break;
    const ws = new Set(p.words);
    const overlaps = chosen.some((c) => {
      const cs = new Set(c.words);
      return p.words.every((w) => cs.has(w)) || c.words.every((w) => ws.has(w));
    });
    if (!overlaps) chosen.push(p);
  }
  return chosen;
}

function mostCommon(counts: ReadonlyMap<string, number>): string {
  let best = '';
  let bestN = -1;
  for (const [s, c] of counts) {
    if (c > bestN) {
      best = s;
      bestN = c;
    }
  }
  return best;
}
