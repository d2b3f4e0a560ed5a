// The analysis pipeline: acquire → transcribe → analyse → report, each a checkpointed Stage working from stored outputs.
import type { Clock } from '../core/clock.js';
import { SerializedJson } from '../core/json.js';
import { PermanentError, toAppError, type AppError } from '../core/errors.js';
import type { Result } from '../core/result.js';
import type { Depth, Pipeline, Stage, StageContext, StageInput, StageOutcome } from '../core/stage.js';
import { scopeOfRequest, type ReportScope } from '../store/store.js';
import type { AcquiredContent } from './acquire/types.js';
import type { AnalysisRunner } from './analyse/pool.js';
import type { AnalysisOutput, ReportIndex } from './analyse/types.js';
import { factChecksFor, type FactCheckSearch } from './factcheck/index.js';
import {
  isMissing,
  REPORT_SCHEMA_VERSION,
  ReportSchema,
  type Report,
  type ReportSections,
} from './report.js';
import type { ReportValidator, ValidatedReport } from './report-validation.js';
import { transcribe, type TranscriptionEngine } from './transcribe/index.js';
import { unconfiguredSection, type LlmStage, type LlmStageOutput } from './llm/stage.js';

/** What the acquire stage needs (the acquisition module's `Acquirer` satisfies it). */
export interface ContentAcquirer {
  acquire(
    source: string,
    ctx: {
      signal: AbortSignal;
      progress?: (fraction: number, message: string) => void;
      workflowId?: string;
    },
  ): Promise<Result<AcquiredContent, AppError>>;
  /** Deletes downloaded audio once the transcription stage is done with it. */
  release?(content: AcquiredContent): Promise<void>;
}

export interface AnalysisPipelineDeps {
  readonly acquirer: ContentAcquirer;
  /** Where the CPU work runs: an AnalysisPool in services, in-process in scripts. */
  readonly analysis: AnalysisRunner;
  readonly transcription?: TranscriptionEngine | null;
  /** Earlier reports, for comprehensive depth's cross-references; without it that section says so. */
  readonly reportIndex?: ReportIndex | null;
  /** Whether AUTOINTEL_LLM_BASE_URL is set. */
  readonly llmConfigured?: boolean;
  /** The model stage; without it the report says what a model would have added. */
  readonly llm?: LlmStage | null;
  /** Published fact-checks (Google Fact Check Tools); null or absent when AUTOINTEL_FACTCHECK_API_KEY is not set. */
  readonly factCheckSearch?: FactCheckSearch | null;
  /**
   * Where the finished report is validated (the content pool in the bot); the report stage then returns it as
   * SerializedJson. Absent: validated on this thread and returned as a plain value (scripts, tests).
   */
  readonly reportValidator?: ReportValidator;
}

export const STAGE_NAMES = ['acquire', 'transcribe', 'analyse', 'llm', 'report'] as const;

/** Stored checkpoint shapes (JSON). Each records its own duration for the report's timings. */
export interface AcquireOutput {
  readonly content: AcquiredContent;
  readonly ms: number;
}
export interface TranscribeOutput {
  /** Null when transcription changed nothing: the acquire stage's content stands. */
  readonly content: AcquiredContent | null;
  readonly notes: readonly string[];
  readonly engine: string | null;
  readonly ms: number;
}
export interface AnalyseOutput {
  readonly analysis: AnalysisOutput;
  readonly crossReferences: ReportSections['crossReferences'] | null;
  readonly crossReferenceNotes: readonly string[];
  /** Absent in checkpoints written before fact-checks existed. */
  readonly factChecks?: ReportSections['factChecks'] | null;
  readonly ms: number;
}

const CROSS_REFERENCE_LIMIT = 10;

export function createAnalysisPipeline(deps: AnalysisPipelineDeps): Pipeline {
  const stages: readonly Stage[] = [
    { name: 'acquire', weight: 3, run: (input, ctx) => acquireStage(deps, input, ctx) },
    { name: 'transcribe', weight: 1, run: (input, ctx) => transcribeStage(deps, input, ctx) },
    { name: 'analyse', weight: 5, run: (input, ctx) => analyseStage(deps, input, ctx) },
    { name: 'llm', weight: 3, run: (input, ctx) => llmStage(deps, input, ctx) },
    { name: 'report', weight: 1, run: (input, ctx) => reportStage(deps, input, ctx) },
  ];
  return { stagesFor: (_depth: Depth) => stages };
}

async function acquireStage(
  deps: AnalysisPipelineDeps,
  input: StageInput,
  ctx: StageContext,
): Promise<StageOutcome> {
  const t0 = ctx.clock.now();
  try {
    const r = await deps.acquirer.acquire(input.url, {
      signal: ctx.signal,
      progress: (f, m) => ctx.progress(f, m),
      workflowId: input.workflowId,
    });
    if (!r.ok) return { kind: 'failed', error: r.error };
    const output: AcquireOutput = { content: r.value, ms: elapsed(ctx.clock, t0) };
    return { kind: 'completed', output };
  } catch (e: unknown) {
    return { kind: 'failed', error: toAppError(e, 'acquire.unexpected') };
  }
}

async function transcribeStage(
  deps: AnalysisPipelineDeps,
  input: StageInput,
  ctx: StageContext,
): Promise<StageOutcome> {
  const t0 = ctx.clock.now();
  const acquired = readAcquire(input);
  if (!acquired.ok) return { kind: 'failed', error: acquired.error };
  try {
    const r = await transcribe(acquired.value.content, deps.transcription ?? null, {
      signal: ctx.signal,
      progress: (f, m) => ctx.progress(f, m ?? 'transcribing'),
      // Each transcribed chunk is checkpointed here: a resumed run starts at the next unfinished chunk.
      partials: ctx.partials,
      workflowId: input.workflowId,
    });
    if (!r.ok) {
      // A retry needs the audio again; a permanent failure does not.
      if (!r.error.retryable) await releaseMedia(deps, acquired.value.content, ctx);
      return { kind: 'failed', error: r.error };
    }
    // Transcribed or not, nothing after this stage reads the audio: its work directory goes now.
    await releaseMedia(deps, acquired.value.content, ctx);
    const o = r.value;
    const output: TranscribeOutput =
      o.kind === 'transcribed'
        ? { content: o.content, notes: o.content.notes, engine: o.engine, ms: elapsed(ctx.clock, t0) }
        : { content: null, notes: o.notes, engine: null, ms: elapsed(ctx.clock, t0) };
    return { kind: 'completed', output };
  } catch (e: unknown) {
    return { kind: 'failed', error: toAppError(e, 'transcribe.unexpected') };
  }
}

async function releaseMedia(
  deps: AnalysisPipelineDeps,
  content: AcquiredContent,
  ctx: StageContext,
): Promise<void> {
  try {
    await deps.acquirer.release?.(content);
  } catch (e: unknown) {
    // Cleanup must not fail the analysis; the sweep at the next start removes what is left.
    ctx.logger.warn({ err: toAppError(e) }, 'media work directory not removed');
  }
}

async function analyseStage(
  deps: AnalysisPipelineDeps,
  input: StageInput,
  ctx: StageContext,
): Promise<StageOutcome> {
  const t0 = ctx.clock.now();
  const content = currentContent(input);
  if (!content.ok) return { kind: 'failed', error: content.error };
  let analysis: AnalysisOutput;
  try {
    analysis = await deps.analysis.analyse(
      content.value,
      { depth: input.depth, llmConfigured: deps.llmConfigured ?? false },
      { signal: ctx.signal, onProgress: (f, m) => ctx.progress(f * 0.9, m) },
    );
  } catch (e: unknown) {
    return { kind: 'failed', error: toAppError(e, 'analysis.failed') };
  }
  const wantsCrossReferences = analysis.depth === 'comprehensive' || analysis.depth === 'experimental';
  const crossRefNotes: string[] = [];
  let crossReferences: ReportSections['crossReferences'] | null = null;
  if (wantsCrossReferences) {
    ctx.progress(0.92, 'cross-references');
    crossReferences = await findCrossReferences(
      deps.reportIndex ?? null,
      analysis,
      input.workflowId,
      scopeOfStage(input),
      crossRefNotes,
    );
  }
  ctx.progress(0.95, 'fact-checks');
  const factChecks = await factChecksFor(
    { workflowId: input.workflowId, scope: scopeOfStage(input) },
    content.value,
    analysis,
    { search: deps.factCheckSearch ?? null, reportIndex: deps.reportIndex ?? null },
    { signal: ctx.signal, partials: ctx.partials },
  );
  const output: AnalyseOutput = {
    analysis,
    crossReferences,
    crossReferenceNotes: crossRefNotes,
    factChecks,
    ms: elapsed(ctx.clock, t0),
  };
  return { kind: 'completed', output };
}

/** Searches earlier reports for this report's claims, entities and topics; each earlier report is listed once. */
async function findCrossReferences(
  index: ReportIndex | null,
  analysis: AnalysisOutput,
  workflowId: string,
  /** A server's request searches only that server's reports: another server's titles and links never show. */
  scope: ReportScope,
  notes: string[],
): Promise<NonNullable<ReportSections['crossReferences']>> {
  if (index === null) {
    return {
      missing: { reason: 'No report index is available here, so earlier analyses were not searched.' },
    };
  }
  const items: Extract<NonNullable<ReportSections['crossReferences']>, { items: unknown }>['items'] = [];
  const seen = new Set<string>();
  for (const q of analysis.crossReferenceQueries) {
    if (items.length >= CROSS_REFERENCE_LIMIT || q.query.trim() === '') continue;
    try {
      const hits = await index.search(q.query, {
        limit: 3,
        excludeWorkflowId: workflowId,
        scope,
      });
      for (const h of hits) {
        if (seen.has(h.workflowId) || h.workflowId === workflowId) continue;
        seen.add(h.workflowId);
        items.push({
          workflowId: h.workflowId,
          url: h.url,
          title: h.title,
          matched: q.matched,
          text: q.text,
          span: q.span,
        });
      }
    } catch (e: unknown) {
      const err = toAppError(e, 'analysis.crossref_failed');
      return { missing: { reason: `Earlier analyses could not be searched (${err.code}).` } };
    }
  }
  if (analysis.crossReferenceQueries.length === 0)
    notes.push('Nothing in this content was distinctive enough to look up.');
  return { items };
}

/** Model-written sections from the analyse checkpoint's content; a provider failure leaves the offline report whole. */
async function llmStage(
  deps: AnalysisPipelineDeps,
  input: StageInput,
  ctx: StageContext,
): Promise<StageOutcome> {
  const content = currentContent(input);
  if (!content.ok) return { kind: 'failed', error: content.error };
  const analysed = input.outputs['analyse'] as AnalyseOutput | undefined;
  if (!analysed || typeof analysed.analysis !== 'object') {
    return { kind: 'failed', error: missingCheckpoint('analyse') };
  }
  if (!deps.llm) {
    const output: LlmStageOutput = {
      section: unconfiguredSection(
        input.depth,
        'No model is configured (AUTOINTEL_LLM_BASE_URL and AUTOINTEL_LLM_MODEL)',
      ),
      engines: {},
      notes: [],
      ms: 0,
    };
    return { kind: 'completed', output };
  }
  const claims = analysed.analysis.sections.claims;
  const offlineClaims =
    claims === undefined || isMissing(claims)
      ? []
      : claims.items.map((c) => ({ text: c.text, start: c.span.start }));
  try {
    const output = await deps.llm.run(
      { workflowId: input.workflowId, depth: input.depth, content: content.value, offlineClaims },
      {
        signal: ctx.signal,
        clock: ctx.clock,
        partials: ctx.partials,
        progress: (f, m) => ctx.progress(f, m),
      },
    );
    return { kind: 'completed', output };
  } catch (e: unknown) {
    return { kind: 'failed', error: toAppError(e, 'llm.stage_failed') };
  }
}

async function reportStage(
  deps: AnalysisPipelineDeps,
  input: StageInput,
  ctx: StageContext,
): Promise<StageOutcome> {
  const t0 = ctx.clock.now();
  const acquired = readAcquire(input);
  if (!acquired.ok) return { kind: 'failed', error: acquired.error };
  const transcribed = input.outputs['transcribe'] as TranscribeOutput | undefined;
  const analysed = input.outputs['analyse'] as AnalyseOutput | undefined;
  if (!transcribed || !analysed || typeof analysed.analysis !== 'object') {
    return { kind: 'failed', error: missingCheckpoint(!transcribed ? 'transcribe' : 'analyse') };
  }
  // Absent only for workflows checkpointed before the llm stage existed.
  const llm = input.outputs['llm'] as LlmStageOutput | undefined;
  const content = transcribed.content ?? acquired.value.content;
  const a = analysed.analysis;
  const sections: ReportSections = { ...a.sections };
  if (analysed.crossReferences) sections.crossReferences = analysed.crossReferences;
  if (analysed.factChecks) sections.factChecks = analysed.factChecks;
  if (llm !== undefined) sections.llm = llm.section;
  const engines: Record<string, string> = { ...a.engines, ...(llm?.engines ?? {}) };
  if (transcribed.engine) engines['transcription'] = transcribed.engine;
  const timings = [
    { stage: 'acquire', ms: acquired.value.ms },
    { stage: 'transcribe', ms: transcribed.ms },
    { stage: 'analyse', ms: analysed.ms },
    ...(llm === undefined ? [] : [{ stage: 'llm', ms: llm.ms }]),
  ];
  const draft: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    depth: input.depth,
    createdAt: new Date(ctx.clock.now()).toISOString(),
    source: {
      input: content.source,
      finalUrl: content.finalUrl,
      kind: content.kind,
      title: content.title,
      byline: content.byline,
      siteName: content.siteName,
      publishedTime: content.publishedTime,
      language: content.language,
      wordCount: a.wordCount,
      contentHash: content.contentHash,
    },
    timings: [...timings, { stage: 'report', ms: elapsed(ctx.clock, t0) }],
    engines,
    notes: [
      ...new Set([...transcribed.notes, ...a.notes, ...analysed.crossReferenceNotes, ...(llm?.notes ?? [])]),
    ],
    sections,
  };
  if (deps.reportValidator !== undefined) {
    // Validated and serialised off this thread: the engine stores the text as it is.
    let v: ValidatedReport;
    try {
      v = await deps.reportValidator(draft, ctx.signal);
    } catch (e: unknown) {
      return { kind: 'failed', error: toAppError(e, 'analysis.report_failed') };
    }
    return v.ok ? { kind: 'completed', output: new SerializedJson(v.json) } : reportInvalid(v);
  }
  const parsed = ReportSchema.safeParse(draft);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return reportInvalid({ path: issue?.path.join('.') ?? '?', message: issue?.message ?? 'unknown' });
  }
  return { kind: 'completed', output: parsed.data };
}

const reportInvalid = (at: { readonly path: string; readonly message: string }): StageOutcome => ({
  kind: 'failed',
  error: new PermanentError(
    'analysis.report_invalid',
    `report failed validation at ${at.path}: ${at.message}`,
    {
      userMessage: 'The report could not be assembled.',
    },
  ),
});

function readAcquire(input: StageInput): Result<AcquireOutput, AppError> {
  const o = input.outputs['acquire'] as AcquireOutput | undefined;
  if (!o || typeof o.content !== 'object' || o.content === null || typeof o.content.text !== 'string') {
    return { ok: false, error: missingCheckpoint('acquire') };
  }
  return { ok: true, value: o };
}

function currentContent(input: StageInput): Result<AcquiredContent, AppError> {
  const acquired = readAcquire(input);
  if (!acquired.ok) return acquired;
  const t = input.outputs['transcribe'] as TranscribeOutput | undefined;
  if (!t) return { ok: false, error: missingCheckpoint('transcribe') };
  return { ok: true, value: t.content ?? { ...acquired.value.content, notes: [...t.notes] } };
}

const missingCheckpoint = (stage: string): AppError =>
  new PermanentError('analysis.missing_checkpoint', `the ${stage} stage's output is missing or malformed`, {
    userMessage: 'The analysis lost track of an earlier step and cannot continue.',
  });

const elapsed = (clock: Clock, t0: number): number => Math.max(0, clock.now() - t0);

/** Whose earlier reports this stage may read: the requesting server's, else the requester's own (see ReportScope). */
function scopeOfStage(input: StageInput): ReportScope {
  return scopeOfRequest({ guildId: input.guildId ?? null, requesterId: input.requesterId ?? null });
}
