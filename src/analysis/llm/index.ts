// The model stage built from configuration: providers (primary + fallbacks), prices, windows, budgets.
import type { Config } from '../../config/config.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { LlmLedger } from '../../store/llm-ledger.js';
import { OpenAiCompatibleClient, type LlmProvider } from './client.js';
import { loadPrompts } from './prompts.js';
import { LlmStage } from './stage.js';

export { LlmStage } from './stage.js';

type LlmConfig = Pick<
  Config,
  | 'llmBaseUrl'
  | 'llmApiKey'
  | 'llmModel'
  | 'llmFallbacks'
  | 'llmJsonMode'
  | 'llmContextTokens'
  | 'llmContextWindows'
  | 'llmPrices'
  | 'llmBudgetUsd'
  | 'llmBudgetTokens'
  | 'llmGuildDailyUsd'
  | 'llmTimeoutMs'
  | 'llmConcurrency'
  | 'llmMaxRetries'
>;

/** The primary model then the fallbacks, or why there are none (names the keys to set). */
export function providersFrom(config: LlmConfig): { providers: LlmProvider[] } | { reason: string } {
  if (config.llmBaseUrl === undefined || config.llmModel === undefined) {
    const missing = [
      config.llmBaseUrl === undefined ? 'AUTOINTEL_LLM_BASE_URL' : null,
      config.llmModel === undefined ? 'AUTOINTEL_LLM_MODEL' : null,
    ].filter((k) => k !== null);
    return { reason: `No model is configured (${missing.join(' and ')} not set)` };
  }
  const provider = (model: string, baseUrl: string, apiKey: string | undefined): LlmProvider => ({
    model,
    baseUrl,
    apiKey,
    contextTokens: config.llmContextWindows[model] ?? config.llmContextTokens,
    price: config.llmPrices[model] ?? null,
  });
  return {
    providers: [
      provider(config.llmModel, config.llmBaseUrl, config.llmApiKey),
      ...config.llmFallbacks.map((f) =>
        provider(
          f.model,
          f.baseUrl ?? config.llmBaseUrl!,
          f.apiKey ?? (f.baseUrl === undefined ? config.llmApiKey : undefined),
        ),
      ),
    ],
  };
}

export function createLlmStage(
  config: LlmConfig,
  deps: {
    readonly clock: Clock;
    readonly logger: Logger;
    readonly ledger: LlmLedger;
    readonly guildOf?: (workflowId: string) => Promise<string | null>;
  },
): LlmStage {
  const p = providersFrom(config);
  const client =
    'providers' in p
      ? new OpenAiCompatibleClient({
          providers: p.providers,
          clock: deps.clock,
          logger: deps.logger,
          jsonMode: config.llmJsonMode,
          timeoutMs: config.llmTimeoutMs,
          maxRetries: config.llmMaxRetries,
        })
      : null;
  return new LlmStage({
    client,
    ...('reason' in p ? { unconfiguredReason: p.reason } : {}),
    ledger: deps.ledger,
    prompts: loadPrompts(),
    budgets: {
      usd: config.llmBudgetUsd,
      tokens: config.llmBudgetTokens,
      guildDailyUsd: config.llmGuildDailyUsd,
    },
    concurrency: config.llmConcurrency,
    ...(deps.guildOf === undefined ? {} : { guildOf: deps.guildOf }),
  });
}
