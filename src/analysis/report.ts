// The report: a versioned zod schema. Every item points to its source span; a section the pipeline could not
// produce says why (`missing.reason`) instead of holding placeholder text.
import { z } from 'zod';
import { DEPTHS } from '../core/stage.js';

/** 2: entities typed person/organization/location/misc by the CoNLL-trained tagger; summary items may be a TL;DR. */
export const REPORT_SCHEMA_VERSION = 2;

export const SpanSchema = z.object({
  /** UTF-16 offsets into the stored text, end exclusive. */
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  /** Seconds into the media, when the source is timestamped. */
  startTime: z.number().nonnegative().optional(),
  endTime: z.number().nonnegative().optional(),
});
export type Span = z.infer<typeof SpanSchema>;

export const MissingSchema = z.object({ missing: z.object({ reason: z.string().min(1) }) });

const section = <T extends z.ZodType>(item: T) =>
  z.union([z.object({ items: z.array(item) }), MissingSchema]);

export const SummarySentenceSchema = z.object({
  text: z.string(),
  score: z.number(),
  span: SpanSchema,
  /** The short TL;DR line: at most one, the section's first item. */
  tldr: z.boolean().optional(),
});
export const KeyPointSchema = z.object({ text: z.string(), score: z.number(), span: SpanSchema });
export const TopicSchema = z.object({
  label: z.string(),
  score: z.number(),
  spans: z.array(SpanSchema).min(1),
});
export const EntitySchema = z.object({
  text: z.string(),
  /** 'place' and 'other' appear only in version-1 reports, which stay readable. */
  type: z.enum(['person', 'organization', 'location', 'misc', 'place', 'other']),
  count: z.number().int().positive(),
  spans: z.array(SpanSchema).min(1),
});
export const SentimentSchema = z.object({
  label: z.enum(['positive', 'negative', 'neutral', 'mixed']),
  /** In [-1, 1]. */
  score: z.number().min(-1).max(1),
  span: SpanSchema,
});
export const ClaimSchema = z.object({
  text: z.string(),
  /** Check-worthiness in [0, 1]; items are ranked by it. */
  score: z.number().min(0).max(1),
  speaker: z.string().nullable(),
  span: SpanSchema,
});
export const ArcPointSchema = z.object({
  index: z.number().int().nonnegative(),
  score: z.number(),
  span: SpanSchema,
});
export const RhetoricSignalSchema = z.object({
  kind: z.enum(['hedge', 'absolute', 'loaded_language', 'fallacy_cue']),
  /** The cue phrase that triggered it, e.g. "everyone knows". */
  cue: z.string(),
  /** For fallacy cues: which one (e.g. "ad hominem", "slippery slope"). */
  detail: z.string().nullable(),
  sentence: z.string(),
  span: SpanSchema,
});
export const QuoteSchema = z.object({ text: z.string(), speaker: z.string().nullable(), span: SpanSchema });
export const ChapterSchema = z.object({ title: z.string(), span: SpanSchema });
export const CrossReferenceSchema = z.object({
  workflowId: z.string(),
  url: z.string(),
  title: z.string(),
  matched: z.enum(['claim', 'entity', 'text']),
  /** What matched, in this report. */
  text: z.string(),
  span: SpanSchema,
});
export const FactCheckSchema = z.object({
  claim: z.string(),
  source: z.string(),
  verdict: z.string(),
  span: SpanSchema,
});

export const ReportSchema = z.object({
  /** Reports stored by the previous version are still read (retrieve_results within the retention window). */
  schemaVersion: z.union([z.literal(1), z.literal(REPORT_SCHEMA_VERSION)]),
  depth: z.enum(DEPTHS),
  createdAt: z.string(),
  source: z.object({
    input: z.string(),
    finalUrl: z.string(),
    kind: z.enum(['article', 'text', 'subtitles', 'media']),
    title: z.string().nullable(),
    byline: z.string().nullable(),
    siteName: z.string().nullable(),
    publishedTime: z.string().nullable(),
    language: z.string().nullable(),
    wordCount: z.number().int().nonnegative(),
    contentHash: z.string(),
  }),
  /** Milliseconds per stage, in order. */
  timings: z.array(z.object({ stage: z.string(), ms: z.number().nonnegative() })),
  /** Engine name → version (e.g. wink-nlp, the claim ranker's weights). */
  engines: z.record(z.string(), z.string()),
  /** Plain statements about the run: what was skipped and why. */
  notes: z.array(z.string()),
  sections: z.object({
    summary: section(SummarySentenceSchema),
    keyPoints: section(KeyPointSchema),
    topics: section(TopicSchema),
    entities: section(EntitySchema),
    sentiment: section(SentimentSchema),
    claims: section(ClaimSchema).optional(),
    sentimentArc: section(ArcPointSchema).optional(),
    rhetoric: section(RhetoricSignalSchema).optional(),
    quotes: section(QuoteSchema).optional(),
    chapters: section(ChapterSchema).optional(),
    crossReferences: section(CrossReferenceSchema).optional(),
    factChecks: section(FactCheckSchema).optional(),
    llm: section(z.object({ stage: z.string(), text: z.string() })).optional(),
  }),
});
export type Report = z.infer<typeof ReportSchema>;
export type ReportSections = Report['sections'];
export type Section<T> = { items: T[] } | { missing: { reason: string } };

export const isMissing = (s: unknown): s is { missing: { reason: string } } =>
  typeof s === 'object' && s !== null && 'missing' in s;
