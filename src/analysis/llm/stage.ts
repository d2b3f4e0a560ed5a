// The llm stage: map-reduce over chunks of the source with a budget, a cache and per-chunk checkpoints, then the
// grounding check that keeps only statements whose quotes are in the source.
import { createHash } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { toAppError } from '../../core/errors.js';
import type { Depth, StagePartials } from '../../core/stage.js';
import type { LlmLedger } from '../../store/llm-ledger.js';
import type { AcquiredContent } from '../acquire/types.js';
import type { LlmItem, LlmSection, ReportSections } from '../report.js';
import { chunkText, countTokens, type Chunk } from './chunking.js';
import {
  addUsage,
  costUsd,
  type CompletionRequest,
  type LlmClient,
  type LlmProvider,
  type Usage,
} from './client.js';
import { findQuote, groundingIndex, normalise, type GroundingIndex } from './grounding.js';
import { promptSetVersion, type PromptSet } from './prompts.js';
import { answerSchema, type ModelAnswer, type ModelStatement, type StatementKind } from './schemas.js';

/** What each depth asks of the model (ARCHITECTURE.md, "Analysis, by depth"). */
export const KINDS_BY_DEPTH: Readonly<Record<Depth, readonly [StatementKind, ...StatementKind[]]>> = {
  standard: ['tldr', 'key_point'],
  deep: ['tldr', 'key_point', 'claim'],
  comprehensive: ['tldr', 'key_point', 'claim', 'chapter', 'argument'],
  experimental: ['tldr', 'key_point', 'claim', 'chapter', 'argument', 'rhetoric'],
};

const KIND_WORDS: Readonly<Record<StatementKind, string>> = {
  tldr: 'an abstractive TL;DR',
  key_point: 'key points',
  claim: 'claims rewritten in checkable form',
  chapter: 'chapter titles',
  argument: 'the argument structure',
  rhetoric: 'the rhetoric explained',
};

export interface LlmBudgets {
  readonly usd: Readonly<Record<Depth, number>>;
  readonly tokens: Readonly<Record<Depth, number>>;
  /** Per guild per UTC day; 0 = unlimited. */
  readonly guildDailyUsd: number;
}

export interface LlmStageOptions {
  /** Null when no model is configured: the section then says what a model would have added. */
  readonly client: LlmClient | null;
  /** Why there is no client (which keys are missing), shown in the report. */
  readonly unconfiguredReason?: string;
  readonly ledger: LlmLedger;
  readonly prompts: PromptSet;
  readonly budgets: LlmBudgets;
  /** Model calls in flight at once within one stage. */
  readonly concurrency: number;
  /** Room for each answer, in tokens. */
  readonly maxOutputTokens?: number;
  /** Paragraphs or segments repeated at the start of the next chunk. */
  readonly overlapUnits?: number;
  /** The guild a workflow belongs to (daily budget); null for runs outside Discord. */
  readonly guildOf?: (workflowId: string) => Promise<string | null>;
}

export interface LlmStageInput {
  readonly workflowId: string;
  readonly depth: Depth;
  readonly content: AcquiredContent;
  /** Sentences the offline analyser ranked check-worthy: hints for the claims at deep and above. */
  readonly offlineClaims: readonly { readonly text: string; readonly start: number }[];
}

export interface LlmStageContext {
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly partials: StagePartials;
  progress(fraction: number, message: string): void;
}

/** The llm stage's checkpoint. */
export interface LlmStageOutput {
  readonly section: NonNullable<ReportSections['llm']>;
  readonly engines: Record<string, string>;
  readonly notes: string[];
  readonly ms: number;
}

/** One chunk's (or the reduce step's) paid-for answer: what a partial checkpoint holds. */
interface StepResult {
  readonly statements: readonly ModelStatement[];
  readonly model: string;
  readonly usage: Usage;
  readonly costUsd: number;
  /** Paid calls (repairs included); 0 for an answer from the cache. */
  readonly calls: number;
  readonly cached: boolean;
}

type AttributedStatement = ModelStatement & { readonly model: string };
const attribute = (r: StepResult): AttributedStatement[] =>
  r.statements.map((s) => ({ ...s, model: r.model }));

const DEFAULT_MAX_OUTPUT = 1_500;
/** Chat framing per message, and a margin for tokenizers that count more than o200k does. */
const FRAMING_TOKENS = 64;
const TOKENIZER_MARGIN = 0.85;
const STAGE = 'llm';

export class LlmStage {
  readonly #o: LlmStageOptions;
  readonly #maxOutput: number;

  constructor(options: LlmStageOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
      throw new RangeError(`concurrency must be a positive integer, received ${options.concurrency}`);
    const maxOutput = options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT;
    if (!Number.isInteger(maxOutput) || maxOutput < 64)
      throw new RangeError(`maxOutputTokens must be an integer ≥ 64, received ${maxOutput}`);
    if (!(options.budgets.guildDailyUsd >= 0))
      throw new RangeError(`budgets.guildDailyUsd must be ≥ 0, received ${options.budgets.guildDailyUsd}`);
    this.#o = options;
    this.#maxOutput = maxOutput;
  }

  async run(input: LlmStageInput, ctx: LlmStageContext): Promise<LlmStageOutput> {
    const t0 = ctx.clock.now();
    const done = (
      section: LlmStageOutput['section'],
      notes: string[] = [],
      engines = {},
    ): LlmStageOutput => ({
      section,
      notes,
      engines,
      ms: Math.max(0, ctx.clock.now() - t0),
    });
    const kinds = KINDS_BY_DEPTH[input.depth];
    const client = this.#o.client;
    if (client === null) {
      return done(unconfiguredSection(input.depth, this.#o.unconfiguredReason ?? 'No model is configured'));
    }
    if (input.content.text.trim() === '') {
      return done({ missing: { reason: 'The source has no text for a model to read.' } });
    }
    const run = new Run(this.#o, client, this.#maxOutput, input, ctx, kinds);
    try {
      return done(await run.execute(), run.notes, {
        'llm-prompts': promptSetVersion(this.#o.prompts),
        ...(run.models.length > 0 ? { llm: run.models.join(', ') } : {}),
      });
    } catch (e: unknown) {
      if (ctx.signal.aborted) throw toAppError(e, 'llm.aborted');
      throw toAppError(e, 'llm.stage_failed');
    }
  }
}

/** One execution of the stage: the running totals of a map-reduce. */
class Run {
  readonly notes: string[] = [];
  readonly models: string[] = [];
  #usage: Usage = { promptTokens: 0, completionTokens: 0, estimated: false };
  #cost = 0;
  #calls = 0;
  #cachedCalls = 0;
  /** Estimated cost and tokens of calls in flight, held against the budget until their answer arrives. */
  #reservedUsd = 0;
  #reservedTokens = 0;
  #stopped: string | null = null;
  #guildId: string | null = null;

  constructor(
    readonly o: LlmStageOptions,
    readonly client: LlmClient,
    readonly maxOutput: number,
    readonly input: LlmStageInput,
    readonly ctx: LlmStageContext,
    readonly kinds: readonly [StatementKind, ...StatementKind[]],
  ) {}

  async execute(): Promise<LlmSection> {
    const { input } = this;
    const providers = this.client.providers;
    const primary = providers[0]!;
    const mapSystem = this.o.prompts.map.text;
    // Every provider in the fallback list must fit the chunk: size it for the smallest window.
    const window = Math.min(...providers.map((p) => p.contextTokens));
    const room = Math.floor(
      (window - countTokens(mapSystem) - this.maxOutput - 4 * FRAMING_TOKENS) * TOKENIZER_MARGIN,
    );
    if (room < 64) {
      return {
        missing: {
          reason: `The model's context window (${window} tokens) leaves no room for the source after the prompt and a ${this.maxOutput}-token answer; set AUTOINTEL_LLM_CONTEXT_WINDOWS.`,
        },
      };
    }
    const chunks = chunkText(input.content.text, input.content.segments, {
      maxTokens: room,
      overlapUnits: this.o.overlapUnits ?? 1,
    });
    const requests = chunks.map((c) => this.#mapRequest(c, chunks.length));
    const limits = await this.#limits();
    if (limits.usd <= 0 && limits.reason !== null) {
      return { missing: { reason: limits.reason } };
    }
    const estimate = this.#estimate(requests, primary, chunks.length > 1);
    this.#progress(0, chunks.length);

    // Map: bounded parallel calls over the chunks, each answer checkpointed before the next is counted as done.
    const results: (StepResult | undefined)[] = new Array<StepResult | undefined>(chunks.length);
    let next = 0;
    let finished = 0;
    const worker = async (): Promise<void> => {
      while (this.#stopped === null && next < chunks.length) {
        const i = next++;
        results[i] = await this.#step(`chunk-${i}`, requests[i]!, limits, `${finished} of ${chunks.length}`);
        if (results[i] !== undefined) this.#progress(++finished, chunks.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, chunks.length) }, worker));
    const mapped = results.filter((r): r is StepResult => r !== undefined);
    if (mapped.length === 0) {
      return {
        missing: {
          reason: `${this.#stopped ?? 'The model returned nothing'}. The offline sections stand alone.`,
        },
      };
    }

    // Reduce: one summary of the whole from the chunks' summaries (their quotes travel with them).
    let statements = mapped.flatMap(attribute);
    if (mapped.length > 1 && this.#stopped === null) {
      const reduced = await this.#step(
        'reduce',
        this.#reduceRequest(mapped),
        limits,
        `${mapped.length} of ${chunks.length}`,
      );
      if (reduced !== undefined) {
        statements = [
          ...attribute(reduced).filter((s) => s.kind === 'tldr' || s.kind === 'key_point'),
          ...statements.filter((s) => s.kind !== 'tldr' && s.kind !== 'key_point'),
        ];
      } else {
        this.notes.push('The model summary is per part: combining the parts did not complete.');
      }
    }

    const grounded = ground(
      statements,
      groundingIndex(input.content.text, input.content.segments),
      this.kinds,
    );
    if (grounded.dropped.statements > 0) {
      this.notes.push(
        `${grounded.dropped.statements} model statement${grounded.dropped.statements === 1 ? '' : 's'} dropped: not found in the source.`,
      );
    }
    return {
      items: grounded.items,
      models: this.models,
      promptVersion: promptSetVersion(this.o.prompts),
      dropped: grounded.dropped,
      chunks: { done: mapped.length, total: chunks.length },
      usage: {
        calls: this.#calls,
        cachedCalls: this.#cachedCalls,
        promptTokens: this.#usage.promptTokens,
        completionTokens: this.#usage.completionTokens,
        costUsd: round6(this.#cost),
        estimated: this.#usage.estimated,
      },
      budget: {
        limitUsd: round6(limits.usd),
        limitTokens: limits.tokens,
        estimateUsd: round6(estimate.usd),
        estimateTokens: estimate.tokens,
        stopped: this.#stopped,
      },
      notes: [],
    };
  }

  /** The depth's limits, lowered to what is left of the guild's daily budget. */
  async #limits(): Promise<{ usd: number; tokens: number; reason: string | null }> {
    const { depth, workflowId } = this.input;
    let usd = this.o.budgets.usd[depth];
    const tokens = this.o.budgets.tokens[depth];
    const daily = this.o.budgets.guildDailyUsd;
    this.#guildId = (await this.o.guildOf?.(workflowId)) ?? null;
    if (this.#guildId !== null && daily > 0) {
      const dayStart = Math.floor(this.ctx.clock.now() / 86_400_000) * 86_400_000;
      const spent = await this.o.ledger.guildSpend(this.#guildId, dayStart, dayStart + 86_400_000);
      const left = Math.max(0, daily - spent.costUsd);
      if (left < usd) {
        usd = left;
        this.notes.push(
          `This server has ${usdText(left)} of its ${usdText(daily)} daily model budget left today.`,
        );
      }
      if (left <= 0) {
        return {
          usd: 0,
          tokens,
          reason: `This server's daily model budget (${usdText(daily)}) is spent; it renews at 00:00 UTC. The offline sections stand alone`,
        };
      }
    }
    return { usd, tokens, reason: null };
  }

  #estimate(
    requests: readonly CompletionRequest<ModelAnswer>[],
    primary: LlmProvider,
    reduce: boolean,
  ): { usd: number; tokens: number } {
    let tokens = 0;
    let usd = 0;
    const add = (prompt: number): void => {
      tokens += prompt + this.maxOutput;
      usd += costUsd(primary.price, {
        promptTokens: prompt,
        completionTokens: this.maxOutput,
        estimated: true,
      });
    };
    for (const r of requests) add(promptTokens(r));
    // The reduce prompt holds the parts' summaries: about one answer's worth per part, at most.
    if (reduce) add(countTokens(this.o.prompts.reduce.text) + Math.min(requests.length * 300, 50_000));
    return { usd, tokens };
  }

  /**
   * One model step: the checkpoint from an earlier run, else the cache, else a paid call inside the budget.
   * Returns undefined when the step could not be done (the reason is in #stopped).
   */
  async #step(
    key: string,
    request: CompletionRequest<ModelAnswer>,
    limits: { usd: number; tokens: number },
    progressText: string,
  ): Promise<StepResult | undefined> {
    const saved = this.ctx.partials.load(key) as StepResult | undefined;
    if (saved !== undefined && Array.isArray(saved.statements)) {
      this.#account(saved);
      return saved;
    }
    for (const p of this.client.providers) {
      const hit = await this.o.ledger.getCached(cacheKey(p, request));
      const parsed = hit === null ? null : request.schema.safeParse(hit.value);
      if (parsed?.success) {
        const r: StepResult = {
          statements: parsed.data.statements,
          model: p.model,
          usage: { promptTokens: 0, completionTokens: 0, estimated: false },
          costUsd: 0,
          calls: 0,
          cached: true,
        };
        await this.ctx.partials.save(key, r);
        this.#account(r);
        return r;
      }
    }
    const primary = this.client.providers[0]!;
    const estTokens = promptTokens(request) + request.maxOutputTokens;
    const estUsd = costUsd(primary.price, {
      promptTokens: estTokens - request.maxOutputTokens,
      completionTokens: request.maxOutputTokens,
      estimated: true,
    });
    if (this.#stopped !== null) return undefined;
    if (
      this.#cost + this.#reservedUsd + estUsd > limits.usd ||
      this.#usage.promptTokens + this.#usage.completionTokens + this.#reservedTokens + estTokens >
        limits.tokens
    ) {
      this.#stopped ??= `budget reached after ${progressText} chunks (limit ${usdText(limits.usd)} and ${limits.tokens.toLocaleString('en-US')} tokens at ${this.input.depth} depth)`;
      return undefined;
    }
    this.#reservedUsd += estUsd;
    this.#reservedTokens += estTokens;
    let answer;
    try {
      answer = await this.client.complete(request, { signal: this.ctx.signal });
    } finally {
      this.#reservedUsd -= estUsd;
      this.#reservedTokens -= estTokens;
    }
    const now = this.ctx.clock.now();
    if (!answer.ok) {
      // Calls that returned unusable answers were still paid for.
      if (answer.error.calls > 0) await this.#recordSpend(primary, answer.error.usage, now);
      this.#usage = addUsage(this.#usage, answer.error.usage);
      this.#cost += costUsd(primary.price, answer.error.usage);
      this.#calls += answer.error.calls;
      this.#stopped ??= `the model failed after ${progressText} chunks: ${answer.error.error.userMessage}`;
      return undefined;
    }
    const c = answer.value;
    const r: StepResult = {
      statements: c.value.statements,
      model: c.provider.model,
      usage: c.usage,
      costUsd: costUsd(c.provider.price, c.usage),
      calls: c.calls,
      cached: false,
    };
    // Cache, then spend, then the checkpoint: a crash after the cache write re-reads the cache, never re-pays.
    await this.o.ledger.putCached(
      cacheKey(c.provider, request),
      {
        value: c.value,
        model: c.provider.model,
        promptTokens: c.usage.promptTokens,
        completionTokens: c.usage.completionTokens,
      },
      now,
    );
    await this.#recordSpend(c.provider, c.usage, now);
    await this.ctx.partials.save(key, r);
    this.#account(r);
    return r;
  }

  #account(r: StepResult): void {
    if (!this.models.includes(r.model)) this.models.push(r.model);
    if (r.cached) {
      this.#cachedCalls++;
      return;
    }
    this.#calls += r.calls;
    this.#usage = addUsage(this.#usage, r.usage);
    this.#cost += r.costUsd;
  }

  async #recordSpend(p: LlmProvider, usage: Usage, at: number): Promise<void> {
    await this.o.ledger.recordSpend({
      guildId: this.#guildId,
      workflowId: this.input.workflowId,
      stage: STAGE,
      model: p.model,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      costUsd: costUsd(p.price, usage),
      at,
    });
  }

  #progress(done: number, total: number): void {
    this.ctx.progress(
      total === 0 ? 1 : done / total,
      `model: ${done}/${total} parts · ${usdText(this.#cost)} spent`,
    );
  }

  #mapRequest(chunk: Chunk, total: number): CompletionRequest<ModelAnswer> {
    const { content } = this.input;
    const hints = this.kinds.includes('claim')
      ? this.input.offlineClaims.filter((c) => c.start >= chunk.start && c.start < chunk.end).slice(0, 8)
      : [];
    const lines = [
      `Statement kinds to write: ${this.kinds.join(', ')}.`,
      `Source: ${content.title ?? content.finalUrl}${total > 1 ? ` — part ${chunk.index + 1} of ${total}` : ''}.`,
    ];
    if (hints.length > 0) {
      lines.push(
        'Sentences an offline ranker found check-worthy in this part (candidates for claims; skip any that make no factual claim):',
        ...hints.map((h) => `- ${h.text.replace(/\s+/g, ' ').slice(0, 400)}`),
      );
    }
    lines.push('', 'Passage:', '"""', chunk.text, '"""');
    return {
      task: `map ${chunk.index + 1}/${total}`,
      system: this.o.prompts.map.text,
      user: lines.join('\n'),
      schemaName: 'statements',
      schema: answerSchema(this.kinds),
      maxOutputTokens: this.maxOutput,
    };
  }

  #reduceRequest(mapped: readonly StepResult[]): CompletionRequest<ModelAnswer> {
    const notes = mapped.map((r, i) => ({
      part: i + 1,
      statements: r.statements
        .filter((s) => s.kind === 'tldr' || s.kind === 'key_point')
        .map((s) => ({ kind: s.kind, text: s.text, quotes: s.quotes })),
    }));
    return {
      task: 'reduce',
      system: this.o.prompts.reduce.text,
      user: `Source: ${this.input.content.title ?? this.input.content.finalUrl}\nNotes on its ${mapped.length} parts, in order:\n${JSON.stringify(notes)}`,
      schemaName: 'summary',
      schema: answerSchema(['tldr', 'key_point'] as const),
      maxOutputTokens: this.maxOutput,
    };
  }
}

/** What the report says when no model is configured: what one would have added at this depth. */
export function unconfiguredSection(depth: Depth, why: string): { missing: { reason: string } } {
  const words = KINDS_BY_DEPTH[depth].map((k) => KIND_WORDS[k]);
  return {
    missing: {
      reason: `${why}: at ${depth} depth a model would add ${listWords(words)}, each statement checked against verbatim quotes from the source. The offline sections stand alone.`,
    },
  };
}

/** Keeps statements with at least one quote found in the source; counts what was dropped. */
export function ground(
  statements: readonly AttributedStatement[],
  index: GroundingIndex,
  kinds: readonly StatementKind[],
): { items: LlmItem[]; dropped: { statements: number; quotes: number } } {
  const items: LlmItem[] = [];
  let droppedStatements = 0;
  let droppedQuotes = 0;
  const seen = new Set<string>();
  for (const s of statements) {
    if (!kinds.includes(s.kind)) continue;
    const quotes: LlmItem['quotes'] = [];
    for (const q of s.quotes) {
      const span = findQuote(index, q);
      if (span === null) droppedQuotes++;
      else if (!quotes.some((x) => x.span.start === span.start && x.span.end === span.end))
        quotes.push({ text: index.source.slice(span.start, span.end), span });
    }
    if (quotes.length === 0) {
      droppedStatements++;
      continue;
    }
    // Overlapping chunks can state the same thing twice.
    const key = `${s.kind}\u0000${normalise(s.text).text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    items.push({ kind: s.kind, text: s.text.trim(), detail: s.detail, model: s.model, quotes });
  }
  // Chapters read in source order; everything else keeps the model's order.
  const chapters = items
    .filter((i) => i.kind === 'chapter')
    .sort((a, b) => a.quotes[0]!.span.start - b.quotes[0]!.span.start);
  let c = 0;
  const ordered = items.map((i) => (i.kind === 'chapter' ? chapters[c++]! : i));
  return { items: ordered, dropped: { statements: droppedStatements, quotes: droppedQuotes } };
}

/** Content hash + prompt version + model (+ the exact request): the same request never costs twice. */
export function cacheKey(p: LlmProvider, r: CompletionRequest<unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify([p.model, r.schemaName, r.maxOutputTokens, r.system, r.user]))
    .digest('hex');
}

const promptTokens = (r: CompletionRequest<unknown>): number =>
  countTokens(r.system) + countTokens(r.user) + 2 * FRAMING_TOKENS;

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;
const usdText = (n: number): string => `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;
const listWords = (w: readonly string[]): string =>
  w.length <= 1 ? (w[0] ?? '') : `${w.slice(0, -1).join(', ')} and ${w[w.length - 1]!}`;
