// Runs the analysis pipeline in-process on a given text with a model stage pointed at a local server.
import { createHash } from 'node:crypto';
import type { AcquiredContent } from '../../src/analysis/acquire/types.js';
import { InProcessAnalysisRunner } from '../../src/analysis/analyse/in-process.js';
import { OpenAiCompatibleClient, type LlmProvider } from '../../src/analysis/llm/client.js';
import { loadPrompts } from '../../src/analysis/llm/prompts.js';
import { LlmStage, type LlmBudgets } from '../../src/analysis/llm/stage.js';
import { createAnalysisPipeline } from '../../src/analysis/pipeline.js';
import { ReportSchema, type LlmSection, type Report } from '../../src/analysis/report.js';
import type { Clock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { ok } from '../../src/core/result.js';
import { memoryPartials, type Depth } from '../../src/core/stage.js';
import type { LlmLedger } from '../../src/store/llm-ledger.js';

/** Time that moves only when something sleeps (backoff waits cost nothing). */
export class StepClock implements Clock {
  t = Date.UTC(2026, 0, 15, 12);
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.t += ms;
    return Promise.resolve();
  }
}

export function contentOf(text: string, title = 'Test source'): AcquiredContent {
  return {
    kind: 'article',
    source: 'https://news.example/story',
    finalUrl: 'https://news.example/story',
    title,
    byline: null,
    siteName: null,
    publishedTime: null,
    language: 'en',
    text,
    segments: null,
    media: null,
    notes: [],
    contentHash: createHash('sha256').update(text).digest('hex'),
    fetchedAt: 0,
  };
}

/** `n` paragraphs of distinct sentences, ~70 tokens each. */
export function longText(n: number): string {
  return Array.from(
    { length: n },
    (_, i) =>
      `In section ${i} the council of town ${i} approved a budget of ${100 + i} million dollars for new bridges. ` +
      `Officials in district ${i} said the plan would create ${20 + i} jobs before the winter of ${2030 + (i % 5)}. ` +
      `Residents of street ${i} asked whether the money for project ${i} could instead repair the old schools.`,
  ).join('\n\n');
}

export const provider = (url: string, model = 'model-a', extra: Partial<LlmProvider> = {}): LlmProvider => ({
  model,
  baseUrl: url,
  apiKey: 'sk-test-key',
  contextTokens: 8192,
  price: { inputPerMTok: 1, outputPerMTok: 2 },
  ...extra,
});

export const BUDGETS: LlmBudgets = {
  usd: { standard: 1.5, deep: 3, comprehensive: 5, experimental: 10 },
  tokens: { standard: 200_000, deep: 400_000, comprehensive: 800_000, experimental: 1_600_000 },
  guildDailyUsd: 5,
};

export interface Harness {
  readonly stage: LlmStage;
  readonly clock: StepClock;
}

export function llmStage(opts: {
  readonly providers: LlmProvider[];
  readonly ledger: LlmLedger;
  readonly budgets?: LlmBudgets;
  readonly concurrency?: number;
  readonly maxOutputTokens?: number;
  readonly guildOf?: (id: string) => Promise<string | null>;
  readonly clock?: StepClock;
}): Harness {
  const clock = opts.clock ?? new StepClock();
  const client = new OpenAiCompatibleClient({
    providers: opts.providers,
    clock,
    logger: createLogger({ level: 'silent' }),
    jsonMode: 'json_schema',
    timeoutMs: 5_000,
    maxRetries: 2,
  });
  const stage = new LlmStage({
    client,
    ledger: opts.ledger,
    prompts: loadPrompts(),
    budgets: opts.budgets ?? BUDGETS,
    concurrency: opts.concurrency ?? 2,
    maxOutputTokens: opts.maxOutputTokens ?? 256,
    ...(opts.guildOf === undefined ? {} : { guildOf: opts.guildOf }),
  });
  return { stage, clock };
}

/**
 * Runs every stage; `outputs` holds checkpoints and partials across calls, as the engine's store would, so a
 * second call with the same object resumes.
 */
export async function runReport(
  text: string,
  depth: Depth,
  h: Harness | null,
  outputs: Record<string, unknown> = {},
  workflowId = 'wf-llm-1',
): Promise<Report> {
  const pipeline = createAnalysisPipeline({
    acquirer: { acquire: () => Promise.resolve(ok(contentOf(text))) },
    analysis: new InProcessAnalysisRunner(),
    llm: h?.stage ?? null,
  });
  const clock = h?.clock ?? new StepClock();
  for (const stage of pipeline.stagesFor(depth)) {
    if (Object.hasOwn(outputs, stage.name)) continue;
    const outcome = await stage.run(
      { workflowId, url: 'https://news.example/story', depth, outputs },
      {
        signal: new AbortController().signal,
        clock,
        logger: createLogger({ level: 'silent' }),
        progress: () => {},
        partials: memoryPartials(stage.name, outputs),
      },
    );
    if (outcome.kind === 'failed') throw outcome.error;
    outputs[stage.name] = JSON.parse(JSON.stringify(outcome.output)) as unknown;
  }
  return ReportSchema.parse(outputs['report']);
}

export function present(s: Report['sections']['llm']): Exclude<LlmSection, { missing: unknown }> {
  if (s === undefined || 'missing' in s) throw new Error(`model section missing: ${JSON.stringify(s)}`);
  return s;
}
