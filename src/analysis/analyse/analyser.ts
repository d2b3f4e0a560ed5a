// The offline analyser: from acquired text to report sections, by depth, every item tied to its source span.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import nlp from 'compromise';
import { toAppError } from '../../core/errors.js';
import type { Depth } from '../../core/stage.js';
import type { AcquiredContent, PageRange, TranscriptSegment } from '../acquire/types.js';
import type { Span } from '../report.js';
import {
  loadCheckworthinessRanker,
  type CheckworthinessRanker,
  type SentenceAnalysis,
} from './checkworthiness/index.js';
import { contentTerms, EnglishParser, parseGeneric, wordCount, type ParsedDocument } from './document.js';
import { findEntities } from './entities.js';
import { loadNerModel, type NerModel } from './ner/model.js';
import { defaultNerModelPath } from './ner/paths.js';
import { contentWordSet, isRepeatSet } from './redundancy.js';
import { selectSummary, summaryLength } from './summary.js';
import { furnitureMask, furnitureOf, type FurnitureMask } from './furniture-mask.js';
import { extractPhrases, selectPhrases, type Phrase } from './keyphrases.js';
import { indexLexicon, type LexiconIndex } from './lexicon.js';
import {
  attributeQuotes,
  findQuotedSpeech,
  findSpeakerStatements,
  mergeRepeatedQuotes,
  type PersonMentions,
} from './quotes.js';
import { findRhetoric } from './rhetoric.js';
import { segment } from './segmentation.js';
import { cosine, mmrSelect, rankSentences } from './textrank.js';
import type { AnalyseJobOptions, AnalysedSections, AnalysisOutput, CrossReferenceQuery } from './types.js';

export interface AnalyserOptions {
  /** Loads the check-worthiness ranker once, on first deep analysis; a throw marks the claims section missing. */
  readonly loadRanker?: () => CheckworthinessRanker;
  /** Loads the named-entity tagger once, on first English analysis; a throw marks the entities section missing. */
  readonly loadNer?: () => NerModel;
}

type Missing = { missing: { reason: string } };
const missing = (reason: string): Missing => ({ missing: { reason } });

const DEPTH_LEVEL: Readonly<Record<Depth, number>> = {
  standard: 0,
  deep: 1,
  comprehensive: 2,
  experimental: 3,
};
const RHETORIC_CAP_PER_KIND = 25;
const ENGLISH_FUNCTION_WORDS = new Set(
  'the of and to a in is that it for was on with as be by this are at from have not but or'.split(' '),
);

/**
 * One per thread: holds the loaded wink model, the lexicon index and (lazily) the ranker, and analyses one
 * content at a time. `progress` receives a fraction in [0, 1].
 */
export class Analyser {
  readonly #english = new EnglishParser();
  readonly #lexicon: LexiconIndex = indexLexicon();
  readonly #loadRanker: () => CheckworthinessRanker;
  #ranker: CheckworthinessRanker | { failed: string } | undefined;
  readonly #loadNer: () => NerModel;
  #ner: NerModel | { failed: string } | undefined;
  readonly #engines: Record<string, string>;

  constructor(options: AnalyserOptions = {}) {
    this.#loadRanker = options.loadRanker ?? (() => loadCheckworthinessRanker());
    this.#loadNer = options.loadNer ?? (() => loadNerModel(defaultNerModelPath()));
    this.#engines = engineVersions();
  }

  analyse(
    content: AcquiredContent,
    options: AnalyseJobOptions,
    progress: (fraction: number, message?: string) => void = () => {},
  ): AnalysisOutput {
    const level = DEPTH_LEVEL[options.depth];
    const notes: string[] = [];
    const engines = { ...this.#engines };
    const lineBreaksEndSentences = !(
      content.segments !== null && content.segments.every((s) => s.speaker === null)
    );
    const parseOptions = { segments: content.segments, lineBreaksEndSentences };
    const lang = content.language?.toLowerCase() ?? null;
    let english = lang === null ? looksEnglish(content.text) : lang === 'en' || lang.startsWith('en-');
    progress(0.05, 'parsing');
    const doc = english
      ? this.#english.parse(content.text, parseOptions)
      : parseGeneric(content.text, lang, parseOptions);
    english = doc.english;
    const modelGap = english
      ? null
      : `wink-nlp English model; text is ${lang ?? 'in an undetected language that does not look like English'}`;
    if (modelGap !== null) notes.push(`Only language-neutral analysis ran (${modelGap}).`);
    const spanOf = spanMaker(content.segments, content.pages ?? null);
    // Furniture stays in the text (spans point into it) but never reaches a ranked section.
    const mask = furnitureMask(doc, furnitureOf(content));
    const sentenceText = (i: number): string => content.text.slice(mask.shownStart(i), doc.sentences[i]!.end);
    const sentenceSpan = (i: number): Span =>
      spanOf({ start: mask.shownStart(i), end: doc.sentences[i]!.end });
    const sectionsEmpty = doc.sentences.length === 0;
    if (sectionsEmpty) notes.push('The content has no text to analyse.');
    progress(0.35, 'ranking sentences');

    const termLists = doc.sentences.map((s) => contentTerms(doc, s));
    const { scores, vectors } = rankSentences(termLists);
    const sentenceWords = doc.sentences.map((s) => {
      let n = 0;
      for (let i = s.tokenStart; i < s.tokenEnd; i++) if (doc.tokens[i]!.word) n++;
      return n;
    });

    const sections: AnalysedSections = {
      summary: missing('The content has no sentences to summarise.'),
      keyPoints: missing('The content has no sentences to draw key points from.'),
      topics: missing('No keyphrases were found in the content.'),
      entities: modelGap !== null ? missing(modelGap) : { items: [] },
      sentiment: modelGap !== null ? missing(modelGap) : missing('The content has no text to score.'),
    };

    // Summary: central sentences without repeats, their number scaled to the length, a TL;DR line first.
    const prose = doc.sentences.filter((s) => !mask.isFurniture(s.index));
    const substantial = prose.filter((s) => sentenceWords[s.index]! >= 8).map((s) => s.index);
    const pool = substantial.length > 0 ? substantial : prose.map((s) => s.index);
    if (pool.length > 0) {
      const selection = selectSummary(
        pool.map((i) => ({
          index: i,
          text: sentenceText(i),
          score: summaryScore(scores, i, content.segments),
        })),
        summaryLength(wordCount(doc)),
      );
      const top = selection.tldr === null ? [] : [selection.tldr.index, ...selection.body];
      sections.summary = {
        items: [
          ...(selection.tldr === null
            ? []
            : [
                {
                  text: selection.tldr.text,
                  score: round(scores[selection.tldr.index]!),
                  span: sentenceSpan(selection.tldr.index),
                  tldr: true,
                },
              ]),
          ...selection.body.map((i) => ({
            text: sentenceText(i),
            score: round(scores[i]!),
            span: sentenceSpan(i),
          })),
        ],
      };
      // Key points: MMR over the same scores, so near-duplicates give way to other content.
      const summarySet = new Set(top);
      const candidates = pool.filter((i) => sentenceWords[i]! >= 6 && sentenceWords[i]! <= 60);
      const fresh = candidates.filter((i) => !summarySet.has(i));
      const chosenFrom = fresh.length >= 5 ? fresh : candidates.length > 0 ? candidates : pool;
      const kp = Math.min(
        chosenFrom.length,
        Math.max(5, Math.min(10, Math.round(doc.sentences.length / 15))),
      );
      // Repeats of the summary or of each other are never key points, whatever MMR's trade-off would allow.
      const taken = top.map((i) => contentWordSet(sentenceText(i)));
      const distinct = chosenFrom.filter((i) => {
        const w = contentWordSet(sentenceText(i));
        return !taken.some((t) => isRepeatSet(t, w));
      });
      const picks: number[] = [];
      const pickedWords: Set<string>[] = [];
      for (const i of mmrSelect(
        distinct,
        (i) => scores[i]!,
        (a, b) => cosine(vectors[a]!, vectors[b]!),
        // MMR is quadratic in what it picks: a few spares cover the rare repeat it lets through.
        Math.min(distinct.length, 2 * kp),
      )) {
        if (picks.length >= kp) break;
        const w = contentWordSet(sentenceText(i));
        if (pickedWords.some((t) => isRepeatSet(t, w))) continue;
        picks.push(i);
        pickedWords.push(w);
      }
      sections.keyPoints = {
        items: picks.map((i) => ({
          text: sentenceText(i),
          score: round(scores[i]!),
          span: sentenceSpan(i),
        })),
      };
    }
    progress(0.5, 'keyphrases');

    const phrases = extractPhrases(doc);
    const topics = selectPhrases(phrases, (p) => p.weight, 10);
    if (topics.length > 0) {
      const best = Math.max(...topics.map((p) => p.weight));
      sections.topics = {
        items: topics.map((p) => ({
          label: p.label,
          score: round(p.weight / best),
          spans: p.occurrences.slice(0, 20).map((o) => spanOf(o)),
        })),
      };
    }

    let persons: PersonMentions[] = [];
    if (english && !sectionsEmpty) {
      progress(0.6, 'entities');
      const ner = this.#nerOrFailure();
      const entities = ('failed' in ner ? [] : findEntities(doc, ner))
        .map((e) => ({
          ...e,
          mentions: e.mentions.filter((m) => !mask.isFurniture(m.sentence) && !mask.covers(m.start)),
        }))
        .filter((e) => e.mentions.length > 0)
        .sort((a, b) => b.mentions.length - a.mentions.length || a.text.localeCompare(b.text))
        .slice(0, 30);
      persons = entities
        .filter((e) => e.type === 'person')
        .map((e) => ({ name: e.text, mentions: e.mentions }));
      if ('failed' in ner) sections.entities = missing(ner.failed);
      else {
        engines['ner'] = ner.version;
        sections.entities = {
          items: entities.map((e) => ({
            text: e.text,
            type: e.type,
            count: e.mentions.length,
            spans: e.mentions.slice(0, 20).map((m) => spanOf(m)),
          })),
        };
      }
      sections.sentiment = { items: [overallSentiment(doc, spanOf)] };
    }

    const crossReferenceQueries: CrossReferenceQuery[] = [];
    if (level >= DEPTH_LEVEL.deep) {
      progress(0.7, 'claims, rhetoric, quotes');
      sections.claims = this.#claims(doc, modelGap, sentenceWords, sentenceText, sentenceSpan, mask, engines);
      sections.sentimentArc =
        modelGap !== null
          ? missing(modelGap)
          : sectionsEmpty
            ? missing('No sentences.')
            : sentimentArc(doc, spanOf);
      if (modelGap !== null) {
        sections.rhetoric = missing(`The rhetoric lexicons are English; ${modelGap}`);
      } else {
        const hits = findRhetoric(doc, this.#lexicon);
        const perKind = new Map<string, number>();
        const kept = hits.filter((h) => {
          const n = (perKind.get(h.kind) ?? 0) + 1;
          perKind.set(h.kind, n);
          return n <= RHETORIC_CAP_PER_KIND;
        });
        for (const [kind, n] of perKind) {
          if (n > RHETORIC_CAP_PER_KIND)
            notes.push(`Rhetoric: ${n} ${kind} cues found; the first ${RHETORIC_CAP_PER_KIND} are listed.`);
        }
        sections.rhetoric = {
          items: kept.map((h) => ({
            kind: h.kind,
            cue: h.cue,
            detail: h.detail,
            sentence: sentenceText(h.sentence),
            span: spanOf(h),
          })),
        };
      }
      const quoted = mergeRepeatedQuotes(
        content.text,
        attributeQuotes(
          content.text,
          findQuotedSpeech(doc).filter((q) => !mask.isFurniture(q.sentence) && !mask.covers(q.start)),
          persons,
        ),
      )
        .sort((a, b) => b.score - a.score)
        .slice(0, 8);
      const statements = findSpeakerStatements(doc, scores, 10 - quoted.length);
      const quotes = [...quoted, ...statements].sort((a, b) => a.start - b.start);
      sections.quotes = {
        items: quotes.map((q) => ({
          text: content.text.slice(q.start, q.end),
          speaker: q.speaker,
          span: spanOf(q),
        })),
      };
      if (sections.claims !== undefined && !isMissingSection(sections.claims)) {
        for (const c of sections.claims.items.slice(0, 3)) {
          crossReferenceQueries.push({
            matched: 'claim',
            query: keywordQuery(c.text),
            text: c.text,
            span: c.span,
          });
        }
      }
    }

    if (level >= DEPTH_LEVEL.comprehensive) {
      progress(0.85, 'chapters');
      sections.chapters = sectionsEmpty
        ? missing('No sentences to segment.')
        : chapters(doc, termLists, phrases, spanOf, {
            scores,
            sentenceWords,
            isFurniture: (i) => mask.isFurniture(i),
            sentenceText,
            sentenceSpan,
            segments: content.segments,
          });
      sections.factChecks = missing(
        'No fact-check provider is configured, so no claim was looked up; the claims section lists what deserves checking.',
      );
      if (!isMissingSection(sections.entities)) {
        for (const e of sections.entities.items.filter((x) => x.type !== 'misc').slice(0, 5)) {
          crossReferenceQueries.push({ matched: 'entity', query: e.text, text: e.text, span: e.spans[0]! });
        }
      }
      for (const t of isMissingSection(sections.topics) ? [] : sections.topics.items.slice(0, 2)) {
        crossReferenceQueries.push({ matched: 'text', query: t.label, text: t.label, span: t.spans[0]! });
      }
    }

    // The model section is the llm stage's (analysis/llm/stage.ts), at every depth.
    progress(1, 'done');
    return {
      depth: options.depth,
      language: lang,
      wordCount: wordCount(doc),
      sections,
      engines,
      notes,
      crossReferenceQueries,
    };
  }

  #claims(
    doc: ParsedDocument,
    modelGap: string | null,
    sentenceWords: readonly number[],
    sentenceText: (i: number) => string,
    sentenceSpan: (i: number) => Span,
    mask: FurnitureMask,
    engines: Record<string, string>,
  ): AnalysedSections['claims'] {
    if (modelGap !== null) return missing(`The check-worthiness model is English; ${modelGap}`);
    if (doc.sentences.length === 0) return missing('No sentences to rank.');
    const ranker = this.#rankerOrFailure();
    if ('failed' in ranker) return missing(ranker.failed);
    engines['checkworthiness'] = ranker.version;
    let scores: number[];
    try {
      // The ranker takes this parse instead of running wink over every sentence a second time.
      scores = ranker.score(
        doc.sentences.map((s) => ({ text: sentenceText(s.index), speaker: s.speaker })),
        sentenceAnalyses(doc),
      );
    } catch (e: unknown) {
      return missing(`The check-worthiness ranker failed: ${toAppError(e).message}`);
    }
    const ranked = doc.sentences
      .filter((s) => sentenceWords[s.index]! >= 5 && !mask.isFurniture(s.index))
      .map((s) => ({ s, score: Math.max(0, Math.min(1, scores[s.index] ?? 0)) }))
      .sort((a, b) => b.score - a.score || a.s.index - b.s.index)
      .slice(0, 10);
    return {
      items: ranked.map(({ s, score }) => ({
        text: sentenceText(s.index),
        score: round(score),
        speaker: s.speaker,
        span: sentenceSpan(s.index),
      })),
    };
  }

  #nerOrFailure(): NerModel | { failed: string } {
    if (this.#ner === undefined) {
      try {
        this.#ner = this.#loadNer();
      } catch (e: unknown) {
        this.#ner = { failed: `No named-entity model could be loaded (${toAppError(e).message}).` };
      }
    }
    return this.#ner;
  }

  #rankerOrFailure(): CheckworthinessRanker | { failed: string } {
    if (this.#ranker === undefined) {
      try {
        this.#ranker = this.#loadRanker();
      } catch (e: unknown) {
        this.#ranker = { failed: `No check-worthiness model could be loaded (${toAppError(e).message}).` };
      }
    }
    return this.#ranker;
  }
}

/** The ranker's per-sentence view (parallel token arrays plus wink entity types), cut from the whole-text parse. */
function sentenceAnalyses(doc: ParsedDocument): SentenceAnalysis[] {
  const entitiesBySentence = new Map<number, string[]>();
  let si = 0;
  for (const e of doc.entities) {
    while (si < doc.sentences.length - 1 && doc.sentences[si]!.tokenEnd <= e.token) si++;
    const s = doc.sentences[si];
    if (!s || e.token < s.tokenStart || e.token >= s.tokenEnd) continue;
    const list = entitiesBySentence.get(si) ?? [];
    list.push(e.type);
    entitiesBySentence.set(si, list);
  }
  return doc.sentences.map((s) => {
    const toks = doc.tokens.slice(s.tokenStart, s.tokenEnd);
    return {
      tokens: toks.map((t) => t.normal),
      lemmas: toks.map((t) => t.lemma),
      pos: toks.map((t) => t.pos),
      types: toks.map((t) => t.type),
      negated: toks.map((t) => t.negated),
      entities: entitiesBySentence.get(s.index) ?? [],
    };
  });
}

type SpanMaker = (r: { start: number; end: number }) => Span;

/**
 * Spans with the media times of the transcript segments they overlap, when the source has segments, and the page
 * they start on, when the source is a paged document.
 */
function spanMaker(
  segments: readonly TranscriptSegment[] | null,
  pages: readonly PageRange[] | null,
): SpanMaker {
  const segs = segments ?? [];
  const pgs = pages ?? [];
  const firstEndingAfter = (list: readonly { charEnd: number }[], offset: number): number => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.charEnd <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const withTimes = ({ start, end }: { start: number; end: number }): Span => {
    const span: Span = { start, end };
    if (segs.length === 0) return span;
    const a = firstEndingAfter(segs, start);
    const first = segs[a];
    if (!first || first.charStart >= end) return span;
    let endTime = first.end;
    for (let j = a + 1; j < segs.length && segs[j]!.charStart < end; j++)
      endTime = Math.max(endTime, segs[j]!.end);
    const speaker = first.speaker?.trim() ?? '';
    return { start, end, startTime: first.start, endTime, ...(speaker === '' ? {} : { speaker }) };
  };
  return (r) => {
    const span = withTimes(r);
    if (pgs.length === 0) return span;
    // The page separator sits between ranges: a span starting there belongs to the page that follows.
    const page = pgs[Math.min(firstEndingAfter(pgs, r.start), pgs.length - 1)];
    return page === undefined ? span : { ...span, page: page.page };
  };
}

function overallSentiment(doc: ParsedDocument, spanOf: SpanMaker) {
  const score = Math.max(-1, Math.min(1, doc.sentiment));
  const n = doc.sentences.length;
  const pos = doc.sentences.filter((s) => s.sentiment > 0.1).length / n;
  const neg = doc.sentences.filter((s) => s.sentiment < -0.1).length / n;
  const label: 'positive' | 'negative' | 'neutral' | 'mixed' =
    pos >= 0.2 && neg >= 0.2 && Math.abs(score) < 0.15
      ? 'mixed'
      : score > 0.05
        ? 'positive'
        : score < -0.05
          ? 'negative'
          : 'neutral';
  const first = doc.sentences[0]!;
  const last = doc.sentences[n - 1]!;
  return { label, score: round(score), span: spanOf({ start: first.start, end: last.end }) };
}

/** Mean sentence sentiment over consecutive windows: up to 20 points across the text. */
function sentimentArc(
  doc: ParsedDocument,
  spanOf: SpanMaker,
): { items: { index: number; score: number; span: Span }[] } {
  const n = doc.sentences.length;
  const points = Math.min(20, n);
  const size = Math.ceil(n / points);
  const items: { index: number; score: number; span: Span }[] = [];
  for (let from = 0; from < n; from += size) {
    const group = doc.sentences.slice(from, from + size);
    const score = group.reduce((s, x) => s + x.sentiment, 0) / group.length;
    items.push({
      index: items.length,
      score: round(score),
      span: spanOf({ start: group[0]!.start, end: group[group.length - 1]!.end }),
    });
  }
  return { items };
}

/** What a chapter's summary and speakers are drawn from: the whole document's sentence ranking and its turns. */
interface ChapterContext {
  readonly scores: readonly number[];
  readonly sentenceWords: readonly number[];
  readonly isFurniture: (sentence: number) => boolean;
  readonly sentenceText: (sentence: number) => string;
  readonly sentenceSpan: (sentence: number) => Span;
  readonly segments: readonly TranscriptSegment[] | null;
}

/** Sentences in a chapter's summary: one, two from 15 sentences, three from 40. */
const chapterSummaryLength = (sentences: number): number => (sentences >= 40 ? 3 : sentences >= 15 ? 2 : 1);

/**
 * A chapter's central sentences (of at least 8 words where there are such), no two saying the same thing — nor
 * repeating what an earlier chapter's summary said (`taken`, which this extends).
 */
function chapterSummary(
  a: number,
  b: number,
  ctx: ChapterContext,
  taken: Set<string>[],
): { text: string; span: Span }[] {
  const prose: number[] = [];
  for (let i = a; i <= b; i++) {
    if (ctx.isFurniture(i)) continue;
    const words = contentWordSet(ctx.sentenceText(i));
    if (!taken.some((t) => isRepeatSet(t, words))) prose.push(i);
  }
  const long = prose.filter((i) => (ctx.sentenceWords[i] ?? 0) >= 8);
  const pool = long.length > 0 ? long : prose;
  const picked = selectSummary(
    pool.map((i) => ({ index: i, text: ctx.sentenceText(i), score: ctx.scores[i] ?? 0 })),
    // selectSummary returns a TL;DR plus k sentences; a chapter needs no TL;DR of its own.
    chapterSummaryLength(b - a + 1) - 1,
  );
  const indices = picked.tldr === null ? [] : [picked.tldr.index, ...picked.body].sort((x, y) => x - y);
  for (const i of indices) taken.push(contentWordSet(ctx.sentenceText(i)));
  return indices.map((i) => ({ text: ctx.sentenceText(i), span: ctx.sentenceSpan(i) }));
}

/** Who speaks in the character range, by words spoken, most first (at most five). */
function chapterSpeakers(
  start: number,
  end: number,
  segments: readonly TranscriptSegment[] | null,
): string[] {
  const words = new Map<string, number>();
  for (const s of segments ?? []) {
    if (s.charEnd <= start || s.charStart >= end) continue;
    const name = s.speaker?.trim() ?? '';
    if (name === '') continue;
    words.set(name, (words.get(name) ?? 0) + s.text.split(/\s+/).filter((w) => w !== '').length);
  }
  return [...words.entries()]
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
    .slice(0, 5)
    .map(([name]) => name);
}

function chapters(
  doc: ParsedDocument,
  termLists: readonly (readonly string[])[],
  phrases: readonly Phrase[],
  spanOf: SpanMaker,
  ctx: ChapterContext,
): { items: { title: string; span: Span; summary: { text: string; span: Span }[]; speakers?: string[] }[] } {
  const starts = segment(termLists);
  const bounds = starts.map((s, i) => [s, (starts[i + 1] ?? doc.sentences.length) - 1] as const);
  const chapterOf = (sentence: number): number => {
    let c = 0;
    while (c + 1 < starts.length && starts[c + 1]! <= sentence) c++;
    return c;
  };
  // Per chapter counts of each phrase, so titles favour phrases distinctive to their chapter.
  const counts = new Map<Phrase, number[]>();
  for (const p of phrases) {
    const per = new Array<number>(starts.length).fill(0);
    for (const o of p.occurrences) per[chapterOf(o.sentence)]!++;
    counts.set(p, per);
  }
  const taken: Set<string>[] = [];
  return {
    items: bounds.map(([a, b], c) => {
      const score = (p: Phrase): number => {
        const per = counts.get(p)!;
        const inChapter = per[c]!;
        if (inChapter === 0) return 0;
        const spread = per.filter((x) => x > 0).length;
        return inChapter * Math.log(1 + starts.length / spread) * Math.sqrt(p.weight + 1e-9);
      };
      const top = selectPhrases(phrases, score, 3);
      const first = doc.sentences[a]!;
      const title =
        top.length > 0
          ? top.map((p) => p.label).join(', ')
          : doc.text.slice(first.start, first.end).split(/\s+/).slice(0, 8).join(' ');
      const end = doc.sentences[b]!.end;
      const speakers = chapterSpeakers(first.start, end, ctx.segments);
      return {
        title,
        span: spanOf({ start: first.start, end }),
        summary: chapterSummary(a, b, ctx, taken),
        ...(speakers.length === 0 ? {} : { speakers }),
      };
    }),
  };
}

const isMissingSection = (s: unknown): s is Missing => typeof s === 'object' && s !== null && 'missing' in s;

/** A plain search query from a sentence: its longest distinctive words (full-text search needs no syntax). */
function keywordQuery(sentence: string): string {
  const words = sentence
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 3 && !ENGLISH_FUNCTION_WORDS.has(w));
  return [...new Set(words)]
    .sort((a, b) => b.length - a.length)
    .slice(0, 5)
    .join(' ');
}

/** Heuristic for unlabelled text: English function words make up a good share of its words. */
export function looksEnglish(text: string): boolean {
  const words =
    text
      .slice(0, 20_000)
      .toLowerCase()
      .match(/\p{L}+/gu) ?? [];
  if (words.length < 20) return words.length > 0 && words.some((w) => ENGLISH_FUNCTION_WORDS.has(w));
  const hits = words.filter((w) => ENGLISH_FUNCTION_WORDS.has(w)).length;
  return hits / words.length > 0.12;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Centrality with a lead prior for written text: news and reports put their point first, so the opening
 * sentences get up to 30 % more. Transcripts (segments) get none: a meeting opens with small talk.
 */
function summaryScore(scores: readonly number[], i: number, segments: AcquiredContent['segments']): number {
  const base = scores[i] ?? 0;
  if (segments !== null) return base;
  return base * (1 + LEAD_PRIOR * Math.max(0, 1 - i / LEAD_SENTENCES));
}
const LEAD_PRIOR = 0.3;
const LEAD_SENTENCES = 5;

/** Versions of the NLP engines, read from their package manifests. */
function engineVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const versionOf = (pkg: string): string => {
    try {
      let dir = path.dirname(require.resolve(pkg));
      for (let i = 0; i < 4; i++) {
        const file = path.join(dir, 'package.json');
        if (existsSync(file)) {
          const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
          if (manifest.name === pkg && manifest.version) return manifest.version;
        }
        dir = path.dirname(dir);
      }
    } catch (e: unknown) {
      return `unknown (${toAppError(e).message})`;
    }
    return 'unknown';
  };
  return {
    'wink-nlp': versionOf('wink-nlp'),
    'wink-eng-lite-web-model': versionOf('wink-eng-lite-web-model'),
    compromise: nlp.version,
  };
}
