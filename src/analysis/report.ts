// The report: a versioned zod schema. Every item points to its source span; a section the pipeline could not
// produce says why (`missing.reason`) instead of holding placeholder text.
import { z } from 'zod';
import { DEPTHS } from '../core/stage.js';
import { STATEMENT_KINDS } from './llm/schemas.js';

/**
 * 2: entities typed person/organization/location/misc by the CoNLL-trained tagger, summary items that may be a TL;DR,
 * the grounded model section and the published fact-check section.
 */
export const REPORT_SCHEMA_VERSION = 2;

export const SpanSchema = z.object({
  /** UTF-16 offsets into the stored text, end exclusive. */
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  /** Seconds into the media, when the source is timestamped. */
  startTime: z.number().nonnegative().optional(),
  endTime: z.number().nonnegative().optional(),
  /** 1-based page of a paged document (PDF) where the span starts. */
  page: z.number().int().positive().optional(),
  /** Who is speaking where the span starts, when the source is a transcript with speaker turns. */
  speaker: z.string().optional(),
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
export const ChapterSchema = z.object({
  title: z.string(),
  span: SpanSchema,
  /** The chapter's own central sentences (one to three, no repeats), in order. */
  summary: z.array(z.object({ text: z.string(), span: SpanSchema })).optional(),
  /** In a transcript with speaker turns: who speaks in the chapter, most words first. */
  speakers: z.array(z.string()).optional(),
});
export const CrossReferenceSchema = z.object({
  workflowId: z.string(),
  url: z.string(),
  title: z.string(),
  matched: z.enum(['claim', 'entity', 'text']),
  /** What matched, in this report. */
  text: z.string(),
  span: SpanSchema,
});
/** Where a fact-check came from: the analysed page's own ClaimReview markup, Google Fact Check Tools, or an earlier
 * report of the same guild that holds the same claim. */
export const FACT_CHECK_SOURCE_KINDS = ['page', 'google', 'earlier-report'] as const;
/** A published fact-check attached to a claim. Everything is copied as published: there is no verdict of our own. */
export const FactCheckSchema = z.object({
  /** The claim in this content the fact-check concerns (or, for a page review that matches none of our claims, the
   * claim the page reviews). */
  claim: z.string(),
  /** Where `claim` is in the analysed text; null when a page reviews a claim whose words are not in the text. */
  span: SpanSchema.nullable(),
  sourceKind: z.enum(FACT_CHECK_SOURCE_KINDS),
  /** The claim as the fact-checker (or the earlier report) worded it. */
  reviewedClaim: z.string(),
  claimant: z.string().nullable(),
  /** The fact-checker; for an earlier report, that report's title. */
  publisher: z.string().nullable(),
  /** The rating exactly as published ("Pants on Fire!", "Misleading", a sentence); null for earlier reports. */
  rating: z.string().nullable(),
  /** The publisher's numeric scale when it gives one, e.g. "1 on a scale from 1 (worst) to 6 (best)". */
  ratingScale: z.string().nullable(),
  reviewUrl: z.string().nullable(),
  reviewDate: z.string().nullable(),
  /** The earlier report's workflow (earlier-report only). */
  workflowId: z.string().nullable(),
  /** Token containment between `claim` and `reviewedClaim` (analysis/factcheck/match.ts); null when not matched. */
  match: z.number().min(0).max(1).nullable(),
});
export const FactCheckSourceSchema = z.object({
  kind: z.enum(FACT_CHECK_SOURCE_KINDS),
  status: z.enum(['searched', 'not_configured', 'failed', 'skipped']),
  /** Plain words: what was searched, or why it was not, or what failed. */
  detail: z.string().min(1),
});
export const FactCheckSectionSchema = z.union([
  z.object({
    items: z.array(FactCheckSchema),
    /** The claims looked up, in rank order: one with no item here has no published fact-check found. */
    checked: z.array(z.object({ claim: z.string(), span: SpanSchema })),
    sources: z.array(FactCheckSourceSchema),
  }),
  MissingSchema,
]);
export type FactCheck = z.infer<typeof FactCheckSchema>;
export type FactCheckSection = z.infer<typeof FactCheckSectionSchema>;

/** A verbatim quote the grounding check found in the source, with where it is. */
export const GroundedQuoteSchema = z.object({ text: z.string(), span: SpanSchema });
/** A model-written statement: labelled with the model that wrote it, and supported by at least one found quote. */
export const LlmItemSchema = z.object({
  kind: z.enum(STATEMENT_KINDS),
  text: z.string(),
  /** Argument role (premise, evidence, objection, conclusion) or rhetoric technique; null otherwise. */
  detail: z.string().nullable(),
  model: z.string(),
  quotes: z.array(GroundedQuoteSchema).min(1),
});
const count = z.number().int().nonnegative();
export const LlmSectionSchema = z.union([
  z.object({
    items: z.array(LlmItemSchema),
    /** Every model that wrote an item, in the order they were used. */
    models: z.array(z.string()),
    promptVersion: z.string(),
    /** Statements thrown away because none of their quotes is in the source; quotes removed for the same reason. */
    dropped: z.object({ statements: count, quotes: count }),
    chunks: z.object({ done: count, total: count }),
    usage: z.object({
      calls: count,
      cachedCalls: count,
      promptTokens: count,
      completionTokens: count,
      costUsd: z.number().nonnegative(),
      /** True when a server sent no usage and tokens were counted locally. */
      estimated: z.boolean(),
    }),
    budget: z.object({
      limitUsd: z.number().nonnegative(),
      limitTokens: count,
      estimateUsd: z.number().nonnegative(),
      estimateTokens: count,
      /** Why the stage stopped early (budget, provider failure), or null when it finished. */
      stopped: z.string().nullable(),
    }),
    notes: z.array(z.string()),
  }),
  MissingSchema,
]);
export type LlmSection = z.infer<typeof LlmSectionSchema>;
export type LlmItem = z.infer<typeof LlmItemSchema>;

const ReportV2Schema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  depth: z.enum(DEPTHS),
  createdAt: z.string(),
  source: z.object({
    input: z.string(),
    finalUrl: z.string(),
    kind: z.enum(['article', 'text', 'subtitles', 'media', 'document']),
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
    factChecks: FactCheckSectionSchema.optional(),
    llm: LlmSectionSchema.optional(),
  }),
});
/**
 * Reports stored by schema 1 stay readable. They differ only in the `llm` section, which schema 1 only ever filled
 * with a `missing` reason (kept as is), anything else there is dropped rather than shown in the old shape; and a
 * schema-1 report may hold either fact-check shape (the early `{claim, source, verdict}` items or the published-review
 * section), so one that does not fit today's section is dropped the same way.
 */
function upgrade(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || (v as { schemaVersion?: unknown }).schemaVersion !== 1) return v;
  const r = v as { sections?: Record<string, unknown> };
  const sections = { ...(r.sections ?? {}) };
  if (sections['llm'] !== undefined && !isMissing(sections['llm'])) delete sections['llm'];
  if (
    sections['factChecks'] !== undefined &&
    !FactCheckSectionSchema.safeParse(sections['factChecks']).success
  ) {
    delete sections['factChecks'];
  }
  return { ...r, schemaVersion: 2, sections };
}

export const ReportSchema = z.preprocess(upgrade, ReportV2Schema);
export type Report = z.infer<typeof ReportV2Schema>;
export type ReportSections = Report['sections'];
export type Section<T> = { items: T[] } | { missing: { reason: string } };

export const isMissing = (s: unknown): s is { missing: { reason: string } } =>
  typeof s === 'object' && s !== null && 'missing' in s;
