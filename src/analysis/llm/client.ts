// One client for OpenAI-compatible chat completions (the official SDK with `baseURL`): structured output checked
// against a zod schema, one repair retry, our own retries (429 honouring retry-after, 5xx, timeouts), then the next
// provider in order. The SDK's own retries are off so these are the only ones.
import OpenAI from 'openai';
import type { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { RetryLaterError, toAppError, type AppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { err, ok, type Result } from '../../core/result.js';
import { countTokens } from './chunking.js';
import { jsonSchemaOf } from './schemas.js';

export interface LlmPrice {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

export interface LlmProvider {
  readonly model: string;
  /** e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` (Ollama). */
  readonly baseUrl: string;
  /** Sent only as the bearer token; never logged, never part of an error. */
  readonly apiKey: string | undefined;
  readonly contextTokens: number;
  /** Null when no price is configured: the call counts as 0 USD and only the token budget limits it. */
  readonly price: LlmPrice | null;
}

export interface CompletionRequest<T> {
  /** What the call is for, in logs (`map 3/30`). */
  readonly task: string;
  readonly system: string;
  readonly user: string;
  readonly schemaName: string;
  readonly schema: z.ZodType<T>;
  readonly maxOutputTokens: number;
}

export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** True when the server sent no `usage` and the tokens were counted here. */
  readonly estimated: boolean;
}

export interface Completion<T> {
  readonly value: T;
  readonly provider: LlmProvider;
  /** Every call this completion took (repairs included), summed. */
  readonly usage: Usage;
  readonly calls: number;
}

/** When every provider failed: `error.userMessage` names each provider's failure in plain words. */
export interface CompletionFailure {
  readonly error: AppError;
  /** Paid-for usage of calls that returned something unusable. */
  readonly usage: Usage;
  readonly calls: number;
}

export interface LlmClient {
  readonly providers: readonly LlmProvider[];
  complete<T>(
    request: CompletionRequest<T>,
    options: { readonly signal: AbortSignal; readonly providers?: readonly LlmProvider[] },
  ): Promise<Result<Completion<T>, CompletionFailure>>;
}

export interface OpenAiCompatibleClientOptions {
  readonly providers: readonly LlmProvider[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly jsonMode: 'json_schema' | 'json_object';
  readonly timeoutMs: number;
  /** Retries per provider after the first attempt (429, 5xx, timeouts, connection errors). */
  readonly maxRetries: number;
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** A `retry-after` longer than this moves on to the next provider instead of waiting. */
  readonly maxRetryAfterMs?: number;
}

const DEFAULT_BACKOFF = { baseMs: 1_000, maxMs: 30_000 } as const;
const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
const NO_USAGE: Usage = { promptTokens: 0, completionTokens: 0, estimated: false };

type Attempt<T> =
  | { kind: 'ok'; value: T; usage: Usage; calls: number }
  /** The provider is unusable for this request: say why, move to the next one. */
  | { kind: 'give_up'; reason: string; usage: Usage; calls: number };

export class OpenAiCompatibleClient implements LlmClient {
  readonly providers: readonly LlmProvider[];
  readonly #o: OpenAiCompatibleClientOptions;
  readonly #sdk = new Map<LlmProvider, OpenAI>();
  /** Providers that rejected `json_schema`: later calls go straight to `json_object`. */
  readonly #jsonObjectOnly = new Set<LlmProvider>();

  constructor(options: OpenAiCompatibleClientOptions) {
    if (options.providers.length === 0) throw new RangeError('providers must name at least one model');
    for (const p of options.providers) {
      if (!/^https?:\/\/\S+$/.test(p.baseUrl))
        throw new RangeError(`provider ${p.model}: baseUrl must be an http(s) URL, received "${p.baseUrl}"`);
      if (p.model.trim() === '') throw new RangeError('provider model must not be empty');
    }
    if (!(options.timeoutMs > 0))
      throw new RangeError(`timeoutMs must be positive, received ${options.timeoutMs}`);
    if (!(options.maxRetries >= 0))
      throw new RangeError(`maxRetries must be ≥ 0, received ${options.maxRetries}`);
    this.providers = options.providers;
    this.#o = options;
  }

  async complete<T>(
    request: CompletionRequest<T>,
    options: { readonly signal: AbortSignal; readonly providers?: readonly LlmProvider[] },
  ): Promise<Result<Completion<T>, CompletionFailure>> {
    const reasons: string[] = [];
    let usage = NO_USAGE;
    let calls = 0;
    for (const provider of options.providers ?? this.providers) {
      const r = await this.#withProvider(provider, request, options.signal);
      usage = addUsage(usage, r.usage);
      calls += r.calls;
      if (r.kind === 'ok') return ok({ value: r.value, provider, usage: r.usage, calls: r.calls });
      reasons.push(`${describeProvider(provider)}: ${r.reason}`);
      this.#o.logger.warn(
        { task: request.task, model: provider.model, reason: r.reason },
        'model provider failed',
      );
    }
    const message = `No model provider could answer (${reasons.join('; ')}).`;
    return err({
      error: new RetryLaterError('llm.unavailable', message, { userMessage: message }),
      usage,
      calls,
    });
  }

  async #withProvider<T>(
    provider: LlmProvider,
    request: CompletionRequest<T>,
    signal: AbortSignal,
  ): Promise<Attempt<T>> {
    const backoff = this.#o.backoff ?? DEFAULT_BACKOFF;
    const maxRetryAfter = this.#o.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    let usage = NO_USAGE;
    let calls = 0;
    let lastProblem = 'no attempt was made';
    for (let attempt = 0; attempt <= this.#o.maxRetries; attempt++) {
      const r = await this.#structured(provider, request, signal);
      usage = addUsage(usage, r.usage);
      calls += r.calls;
      if (r.kind === 'ok') return { ...r, usage, calls };
      if (r.kind === 'give_up') return { ...r, usage, calls };
      lastProblem = r.reason;
      if (attempt === this.#o.maxRetries) break;
      const wait =
        r.retryAfterMs !== undefined
          ? r.retryAfterMs
          : Math.min(backoff.maxMs, backoff.baseMs * 2 ** attempt);
      if (wait > maxRetryAfter) {
        return {
          kind: 'give_up',
          reason: `${r.reason}, and it asked to wait ${Math.ceil(wait / 1000)} s (more than the ${Math.ceil(maxRetryAfter / 1000)} s cap)`,
          usage,
          calls,
        };
      }
      this.#o.logger.info(
        { task: request.task, model: provider.model, waitMs: wait, reason: r.reason },
        'retrying model call',
      );
      await this.#o.clock.sleep(wait, signal);
    }
    return { kind: 'give_up', reason: `${lastProblem} (${this.#o.maxRetries + 1} attempts)`, usage, calls };
  }

  /** One answer that parses and validates, with at most one repair call; or why not. */
  async #structured<T>(
    provider: LlmProvider,
    request: CompletionRequest<T>,
    signal: AbortSignal,
  ): Promise<
    Attempt<T> | { kind: 'retry'; reason: string; retryAfterMs?: number; usage: Usage; calls: number }
  > {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'system', content: this.#systemFor(provider, request) },
      { role: 'user', content: request.user },
    ];
    let usage = NO_USAGE;
    let calls = 0;
    for (let repair = 0; repair <= 1; repair++) {
      const r = await this.#call(provider, request, messages, signal);
      if (r.kind !== 'answer') return { ...r, usage, calls };
      calls++;
      usage = addUsage(usage, r.usage);
      const checked = parseAnswer(r.content, request.schema, r.finishReason);
      if (checked.ok) return { kind: 'ok', value: checked.value, usage, calls };
      if (repair === 1) {
        return {
          kind: 'give_up',
          reason: `its answer was not valid JSON for the schema twice (${checked.error})`,
          usage,
          calls,
        };
      }
      messages.push(
        { role: 'assistant', content: r.content.slice(0, 20_000) },
        {
          role: 'user',
          content: `That reply cannot be used: ${checked.error}. Reply again with one complete JSON object that matches the schema, and nothing else.${r.finishReason === 'length' ? ' Keep it shorter: the reply was cut off at the token limit.' : ''}`,
        },
      );
    }
    return { kind: 'give_up', reason: 'unreachable', usage, calls };
  }

  #systemFor(provider: LlmProvider, request: CompletionRequest<unknown>): string {
    if (this.#mode(provider) === 'json_schema') return request.system;
    // Without server-side schema support the schema travels in the prompt, and the answer is still validated here.
    return `${request.system}\n\nReply with one JSON object matching this JSON schema:\n${JSON.stringify(jsonSchemaOf(request.schema))}`;
  }

  #mode(provider: LlmProvider): 'json_schema' | 'json_object' {
    return this.#o.jsonMode === 'json_object' || this.#jsonObjectOnly.has(provider)
      ? 'json_object'
      : 'json_schema';
  }

  async #call(
    provider: LlmProvider,
    request: CompletionRequest<unknown>,
    messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[],
    signal: AbortSignal,
  ): Promise<
    | { kind: 'answer'; content: string; finishReason: string | null; usage: Usage }
    | { kind: 'retry'; reason: string; retryAfterMs?: number }
    | { kind: 'give_up'; reason: string }
  > {
    const mode = this.#mode(provider);
    const response_format: OpenAI.Chat.Completions.ChatCompletionCreateParams['response_format'] =
      mode === 'json_schema'
        ? {
            type: 'json_schema',
            json_schema: { name: request.schemaName, strict: true, schema: jsonSchemaOf(request.schema) },
          }
        : { type: 'json_object' };
    try {
      const res = await this.#client(provider).chat.completions.create(
        {
          model: provider.model,
          messages,
          response_format,
          max_tokens: request.maxOutputTokens,
          temperature: 0,
        },
        { signal },
      );
      const choice = res.choices[0];
      const content = choice?.message.content ?? '';
      const usage: Usage = res.usage
        ? {
            promptTokens: res.usage.prompt_tokens,
            completionTokens: res.usage.completion_tokens,
            estimated: false,
          }
        : {
            promptTokens: countTokens(
              messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n'),
            ),
            completionTokens: countTokens(content),
            estimated: true,
          };
      return { kind: 'answer', content, finishReason: choice?.finish_reason ?? null, usage };
    } catch (e: unknown) {
      if (signal.aborted) throw toAppError(signal.reason ?? e, 'llm.aborted');
      return this.#classify(provider, mode, e);
    }
  }

  #classify(
    provider: LlmProvider,
    mode: 'json_schema' | 'json_object',
    e: unknown,
  ): { kind: 'retry'; reason: string; retryAfterMs?: number } | { kind: 'give_up'; reason: string } {
    if (e instanceof OpenAI.APIConnectionTimeoutError) {
      return { kind: 'retry', reason: `it did not answer within ${Math.round(this.#o.timeoutMs / 1000)} s` };
    }
    if (e instanceof OpenAI.APIConnectionError) return { kind: 'retry', reason: 'it could not be reached' };
    if (e instanceof OpenAI.APIError && typeof e.status === 'number') {
      const status = e.status;
      const said = serverMessage(e, provider.apiKey);
      if (status === 429) {
        const after = retryAfterMs(e.headers, this.#o.clock.now());
        return {
          kind: 'retry',
          reason: `it is rate limiting requests (HTTP 429${said})`,
          ...(after === undefined ? {} : { retryAfterMs: after }),
        };
      }
      if (status >= 500 || status === 408 || status === 409) {
        return { kind: 'retry', reason: `it answered with a server error (HTTP ${status}${said})` };
      }
      if (status === 400 && mode === 'json_schema' && /response_format|json_schema|schema/i.test(said)) {
        this.#jsonObjectOnly.add(provider);
        return {
          kind: 'retry',
          reason: `it does not support JSON schema output (HTTP 400${said})`,
          retryAfterMs: 0,
        };
      }
      if (status === 401 || status === 403)
        return { kind: 'give_up', reason: `it refused the API key (HTTP ${status}${said})` };
      if (status === 404)
        return { kind: 'give_up', reason: `it does not know the model or the endpoint (HTTP 404${said})` };
      return { kind: 'give_up', reason: `it rejected the request (HTTP ${status}${said})` };
    }
    const app = toAppError(e, 'llm.call_failed');
    return { kind: 'retry', reason: `the call failed (${app.message.slice(0, 200)})` };
  }

  #client(provider: LlmProvider): OpenAI {
    let c = this.#sdk.get(provider);
    if (c === undefined) {
      c = new OpenAI({
        baseURL: provider.baseUrl,
        // Local servers (Ollama, llama.cpp, vLLM, LM Studio) need no key; the SDK insists on one, and they ignore it.
        apiKey: provider.apiKey ?? 'no-key-configured',
        maxRetries: 0,
        timeout: this.#o.timeoutMs,
      });
      this.#sdk.set(provider, c);
    }
    return c;
  }
}

/** `host/model` for messages: never the key, never the URL's path or query. */
export function describeProvider(p: LlmProvider): string {
  try {
    return `${p.model} at ${new URL(p.baseUrl).host}`;
  } catch {
    return p.model;
  }
}

/**
 * The server's own words, short. Servers echo keys back (OpenAI's 401 names a masked key): the configured key and
 * anything shaped like a key are cut out before the text reaches a log, an error or a report.
 */
function serverMessage(e: InstanceType<typeof OpenAI.APIError>, apiKey: string | undefined): string {
  const body = e.error as { message?: unknown } | undefined;
  let m = typeof body?.message === 'string' ? body.message : '';
  if (apiKey !== undefined && apiKey.length >= 4) m = m.split(apiKey).join('[key]');
  m = m.replace(/\b(?:sk|gsk|pk|rk|key)[-_][A-Za-z0-9*_-]{6,}/gi, '[key]');
  return m === '' ? '' : `: ${m.replace(/\s+/g, ' ').slice(0, 160)}`;
}

/** `retry-after-ms`, `retry-after` in seconds, or an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now: number): number | undefined {
  if (headers === undefined) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const secs = Number(raw);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Parses and validates an answer; the error is a short plain statement the repair prompt can quote. */
export function parseAnswer<T>(
  content: string,
  schema: z.ZodType<T>,
  finishReason: string | null,
): Result<T, string> {
  const text = content
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return err(finishReason === 'length' ? 'the JSON was cut off before its end' : 'it is not valid JSON');
  }
  const r = schema.safeParse(json);
  if (r.success) return ok(r.data);
  const issue = r.error.issues[0];
  return err(
    `at ${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'does not match the schema'}`,
  );
}

export const addUsage = (a: Usage, b: Usage): Usage => ({
  promptTokens: a.promptTokens + b.promptTokens,
  completionTokens: a.completionTokens + b.completionTokens,
  estimated: a.estimated || b.estimated,
});

export const costUsd = (price: LlmPrice | null, usage: Usage): number =>
  price === null
    ? 0
    : (usage.promptTokens * price.inputPerMTok + usage.completionTokens * price.outputPerMTok) / 1e6;
