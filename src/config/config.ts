// Environment → typed, frozen configuration. Read once at start; every error names the key at fault.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { DEPTHS, isDepth, type Depth } from '../core/stage.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** Speech-to-text engines AUTOINTEL_STT may name; published captions always come first when a source has them. */
export const STT_ENGINE_NAMES = ['captions', 'whisper-cpp', 'openai'] as const;
export type SttEngineName = (typeof STT_ENGINE_NAMES)[number];

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

type Ctx = z.RefinementCtx;

/** `a=1,b=2` → { a: 1, b: 2 }; keys are model names (may hold `/`, `:` and `@`). */
function parseNumberMap(
  v: string | undefined,
  ctx: Ctx,
  valid: (n: number) => boolean,
): Record<string, number> {
  const out: Record<string, number> = {};
  if (v === undefined) return out;
  for (const part of v.split(',')) {
    const at = part.lastIndexOf('=');
    const key = part.slice(0, at).trim();
    const n = Number(part.slice(at + 1).trim());
    if (at <= 0 || key === '' || !Number.isFinite(n) || !valid(n)) {
      ctx.addIssue({ code: 'custom', message: `entry "${part.trim()}" must be name=number` });
      continue;
    }
    out[key] = n;
  }
  return out;
}

/** `model=input/output,…` in USD per million tokens. */
function parsePrices(v: string | undefined, ctx: Ctx): Record<string, LlmPrice> {
  const out: Record<string, LlmPrice> = {};
  if (v === undefined) return out;
  for (const part of v.split(',')) {
    const at = part.lastIndexOf('=');
    const [i, o] = part
      .slice(at + 1)
      .split('/')
      .map((x) => Number(x.trim()));
    const key = part.slice(0, at).trim();
    if (at <= 0 || key === '' || !(i! >= 0) || !(o! >= 0)) {
      ctx.addIssue({
        code: 'custom',
        message: `entry "${part.trim()}" must be model=inputUsd/outputUsd per 1M tokens`,
      });
      continue;
    }
    out[key] = { inputPerMTok: i!, outputPerMTok: o! };
  }
  return out;
}

function depthMap(v: string | undefined, ctx: Ctx, defaults: Record<Depth, number>): Record<Depth, number> {
  const given = parseNumberMap(v, ctx, (n) => n >= 0);
  const out = { ...defaults };
  for (const [k, n] of Object.entries(given)) {
    if (!isDepth(k)) ctx.addIssue({ code: 'custom', message: `unknown depth "${k}" (${DEPTHS.join(', ')})` });
    else out[k] = n;
  }
  return out;
}

/** `model@https://host/v1, model2` (no `@url`: the primary base URL). */
function parseFallbacks(v: string | undefined, ctx: Ctx): { model: string; baseUrl: string | undefined }[] {
  if (v === undefined) return [];
  const out: { model: string; baseUrl: string | undefined }[] = [];
  for (const part of v.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    // A model name may hold `@` (OpenRouter tags); a base URL is whatever follows the `@` before a `scheme://`.
    const m = /@(?=[a-z][a-z0-9+.-]*:\/\/)/i.exec(part);
    const at = m === null ? -1 : m.index;
    const model = at < 0 ? part : part.slice(0, at);
    const baseUrl = at < 0 ? undefined : part.slice(at + 1);
    if (model === '' || (baseUrl !== undefined && !/^https?:\/\/\S+$/.test(baseUrl))) {
      ctx.addIssue({ code: 'custom', message: `entry "${part}" must be model or model@http(s)://base-url` });
      continue;
    }
    out.push({ model, baseUrl });
  }
  return out;
}

/** Keys line up with the fallbacks by position; an empty entry means the primary key. */
function withFallbackKeys(
  fallbacks: readonly { model: string; baseUrl: string | undefined }[],
  keys: string | undefined,
): LlmFallback[] {
  const list = (keys ?? '').split(',').map((k) => k.trim());
  return fallbacks.map((f, i) => ({ ...f, apiKey: list[i] === '' ? undefined : list[i] }));
}

/** Each key, its default and what it means; `.env.example` mirrors this table. */
const schema = z.object({
  DISCORD_TOKEN: optionalString,
  DISCORD_APPLICATION_ID: optionalString.refine((v) => v === undefined || /^\d{5,25}$/.test(v), {
    message: 'must be the numeric application id (a snowflake)',
  }),
  DISCORD_PUBLIC_KEY: optionalString.refine((v) => v === undefined || /^[0-9a-fA-F]{64}$/.test(v), {
    message: 'must be the 64-character hex Ed25519 public key from the developer portal',
  }),
  DISCORD_WEBHOOK: optionalString,
  DISCORD_API_BASE: z
    .string()
    .default('https://discord.com/api')
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: 'must be an http(s) URL' })
    .transform((v) => v.replace(/\/+$/, '')),
  AUTOINTEL_MODE: z.enum(['gateway', 'http']).default('gateway'),
  AUTOINTEL_PUBLIC_URL: optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), {
    message: 'must be the http(s) URL people open to reach this bot (e.g. https://bot.example.org)',
  }),
  AUTOINTEL_REPORT_LINK_DAYS: int(1, 3650).default(30),
  PORT: int(0, 65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  METRICS_PORT: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : Number(v)))
    .refine((v) => v === undefined || (Number.isInteger(v) && v >= 1 && v <= 65535), {
      message: 'must be a port number in 1..65535',
    }),
  AUTOINTEL_DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AUTOINTEL_SECRET_KEY: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters (e.g. `openssl rand -hex 32`)',
  }),
  AUTOINTEL_SECRET_KEY_FILE: optionalString,
  AUTOINTEL_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  YTDLP_PATH: z.string().default('yt-dlp'),
  YTDLP_COOKIES: optionalString,
  AUTOINTEL_MAX_MEDIA_MINUTES: int(1, 24 * 60).default(240),
  AUTOINTEL_MAX_MEDIA_MB: int(1, 16_384).default(200),
  FFMPEG_PATH: z.string().default('ffmpeg'),
  AUTOINTEL_STT: z
    .string()
    .default('captions,whisper-cpp,openai')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .refine((list) => list.every((n) => (STT_ENGINE_NAMES as readonly string[]).includes(n)), {
      message: `must be a comma-separated list of ${STT_ENGINE_NAMES.join(', ')}`,
    })
    .transform((list) => [...new Set(list)] as SttEngineName[]),
  AUTOINTEL_STT_BASE_URL: optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), {
    message: 'must be an http(s) URL (the API root, e.g. https://api.openai.com/v1)',
  }),
  AUTOINTEL_STT_API_KEY: optionalString,
  AUTOINTEL_STT_MODEL: z.string().default('whisper-1'),
  AUTOINTEL_STT_MAX_UPLOAD_BYTES: int(64 * 1024, 2 ** 31).default(25 * 1024 * 1024),
  AUTOINTEL_STT_TIMEOUT_SECONDS: int(1, 3600).default(300),
  AUTOINTEL_STT_CONCURRENCY: int(1, 64).default(2),
  AUTOINTEL_STT_CHUNK_SECONDS: int(10, 600).default(45),
  AUTOINTEL_WHISPER_MODEL: optionalString,
  AUTOINTEL_WHISPER_THREADS: int(1, 256).default(2),
  AUTOINTEL_WHISPER_MODEL_BASE_URL: z
    .string()
    .default('https://huggingface.co/ggerganov/whisper.cpp/resolve/main')
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: 'must be an http(s) URL' })
    .transform((v) => v.replace(/\/+$/, '')),
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be a postgres:// or postgresql:// URL',
  }),
  REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\//.test(v), {
    message: 'must be a redis:// or rediss:// URL',
  }),
  AUTOINTEL_QUEUE_PREFIX: z
    .string()
    .default('autointel')
    .refine((v) => /^[A-Za-z0-9_.-]{1,64}$/.test(v), { message: 'must be 1-64 of A-Z a-z 0-9 _ . -' }),
  AUTOINTEL_LEASE_SECONDS: int(5, 3600).default(30),
  AUTOINTEL_CONCURRENCY: int(1, 256).default(2),
  AUTOINTEL_GUILD_CONCURRENCY: int(1, 256).default(2),
  AUTOINTEL_USER_QUOTA_PER_HOUR: int(0, 100_000).default(20),
  AUTOINTEL_FRESHNESS_MINUTES: int(0, 525_600).default(60),
  AUTOINTEL_RETENTION_DAYS: int(1, 3650).default(30),
  AUTOINTEL_FACTCHECK_API_KEY: optionalString,
  AUTOINTEL_FACTCHECK_BASE_URL: z
    .string()
    .default('https://factchecktools.googleapis.com')
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: 'must be an http(s) URL' })
    .transform((v) => v.replace(/\/+$/, '')),
  AUTOINTEL_MAX_CONTENT_BYTES: int(1024, 2 ** 31).default(20 * 1024 * 1024),
  AUTOINTEL_MAX_TEXT_CHARS: int(1000, 2 ** 30).default(2_000_000),
  AUTOINTEL_MAX_DOM_DEPTH: int(16, 100_000).default(128),
  AUTOINTEL_MAX_DOM_ELEMENTS: int(100, 10_000_000).default(100_000),
  AUTOINTEL_EXTRACT_TIMEOUT_SECONDS: int(1, 3600).default(60),
  AUTOINTEL_ANALYSIS_TIMEOUT_SECONDS: int(1, 86_400).default(600),
  AUTOINTEL_CONTENT_WORKERS: int(0, 64).default(0),
  AUTOINTEL_WORKER_HEAP_MB: int(64, 65_536).default(1024),
  AUTOINTEL_ENGINE_PROCESS: bool.default(true),
  AUTOINTEL_ENGINE_PRIORITY: z.enum(['idle', 'low']).default('idle'),
  AUTOINTEL_LLM_BASE_URL: optionalString,
  AUTOINTEL_LLM_API_KEY: optionalString,
  AUTOINTEL_LLM_MODEL: optionalString,
  AUTOINTEL_LLM_FALLBACKS: optionalString.transform((v, ctx) => parseFallbacks(v, ctx)),
  AUTOINTEL_LLM_FALLBACK_API_KEYS: optionalString,
  AUTOINTEL_LLM_JSON_MODE: z.enum(['json_schema', 'json_object']).default('json_schema'),
  AUTOINTEL_LLM_CONTEXT_TOKENS: int(512, 10_000_000).default(8192),
  AUTOINTEL_LLM_CONTEXT_WINDOWS: optionalString.transform((v, ctx) =>
    parseNumberMap(v, ctx, (n) => Number.isInteger(n) && n >= 512),
  ),
  AUTOINTEL_LLM_PRICES: optionalString.transform((v, ctx) => parsePrices(v, ctx)),
  AUTOINTEL_LLM_BUDGET_USD: optionalString.transform((v, ctx) =>
    depthMap(v, ctx, { standard: 1.5, deep: 3, comprehensive: 5, experimental: 10 }),
  ),
  AUTOINTEL_LLM_BUDGET_TOKENS: optionalString.transform((v, ctx) =>
    depthMap(v, ctx, { standard: 200_000, deep: 400_000, comprehensive: 800_000, experimental: 1_600_000 }),
  ),
  AUTOINTEL_LLM_GUILD_DAILY_USD: z.coerce.number().min(0).max(100_000).default(5),
  AUTOINTEL_LLM_TIMEOUT_SECONDS: int(1, 3600).default(120),
  AUTOINTEL_LLM_CONCURRENCY: int(1, 32).default(2),
  AUTOINTEL_LLM_MAX_RETRIES: int(0, 10).default(3),
});

export type RawEnv = Readonly<Record<string, string | undefined>>;

export interface Config {
  readonly discordToken: string | undefined;
  readonly applicationId: string | undefined;
  readonly publicKey: string | undefined;
  readonly discordWebhook: string | undefined;
  readonly discordApiBase: string;
  readonly mode: 'gateway' | 'http';
  /** Public base of the report pages (`/r/<id>`); without it no report link is shown. */
  readonly publicUrl: string | undefined;
  /** How long a signed report link stays valid. */
  readonly reportLinkTtlMs: number;
  readonly port: number;
  readonly host: string;
  /** `/metrics` on its own loopback listener; unset: on the main listener only when HOST is loopback. */
  readonly metricsPort: number | undefined;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly secretKey: string | undefined;
  /** A file holding the key (a secret manager's mount); read at start, refused when world-readable. */
  readonly secretKeyFile: string | undefined;
  readonly allowPrivateNetworks: boolean;
  readonly ytDlpPath: string;
  /** A Netscape cookies file handed to yt-dlp for sites that demand sign-in. */
  readonly ytDlpCookies: string | undefined;
  /** Media longer than this is refused before any download. */
  readonly maxMediaSeconds: number;
  /** Cap on one downloaded audio file. */
  readonly maxMediaBytes: number;
  readonly ffmpegPath: string;
  /** Speech-to-text engines in the order they are tried. */
  readonly stt: readonly SttEngineName[];
  /** OpenAI-compatible `/audio/transcriptions` API root; the key is a secret (never logged). */
  readonly sttBaseUrl: string | undefined;
  readonly sttApiKey: string | undefined;
  readonly sttModel: string;
  readonly sttMaxUploadBytes: number;
  readonly sttTimeoutMs: number;
  /** Chunks transcribed at once in this process (all workflows together). */
  readonly sttConcurrency: number;
  /** Longest audio chunk; cuts fall in silences before it. */
  readonly sttChunkSeconds: number;
  readonly whisperModel: string | undefined;
  readonly whisperThreads: number;
  readonly whisperModelBaseUrl: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /** Redis key prefix of the BullMQ queue: deployments (or test runs) sharing one Redis keep theirs apart. */
  readonly queuePrefix: string;
  readonly leaseMs: number;
  readonly concurrency: number;
  readonly guildConcurrency: number;
  readonly userQuotaPerHour: number;
  readonly freshnessMs: number;
  readonly retentionMs: number;
  /** Google Fact Check Tools API key: a secret (redacted in logs, never stored); unset → no lookups. */
  readonly factCheckApiKey: string | undefined;
  readonly factCheckBaseUrl: string;
  readonly maxContentBytes: number;
  /** Content budgets: extracted text, DOM given to Readability, per-job deadlines, pool threads and their heap. */
  readonly maxTextChars: number;
  readonly maxDomDepth: number;
  readonly maxDomElements: number;
  readonly extractTimeoutMs: number;
  readonly analysisTimeoutMs: number;
  /** 0: sized from the cores. */
  readonly contentWorkers: number;
  readonly workerHeapMb: number;
  /**
   * `autointel bot` with its worker runs the workflows (orchestration, content work, delivery) in a child process of
   * its own at a lower CPU priority, so the loop that answers Discord only plans, claims and acknowledges.
   */
  readonly engineProcess: boolean;
  /**
   * The engine process's CPU class: `idle` (SCHED_IDLE on Linux: it runs only on CPU time the rest of the machine
   * leaves, and never delays a waking front-end thread) or `low` (niceness 10: it keeps a share of a busy machine).
   */
  readonly enginePriority: 'idle' | 'low';
  readonly llmBaseUrl: string | undefined;
  /** Never logged or stored; sent only as the provider's bearer token. */
  readonly llmApiKey: string | undefined;
  readonly llmModel: string | undefined;
  /** Tried in order after the primary model fails; a missing base URL or key means the primary's. */
  readonly llmFallbacks: readonly LlmFallback[];
  readonly llmJsonMode: 'json_schema' | 'json_object';
  /** Context window (tokens) for models not named in `llmContextWindows`. */
  readonly llmContextTokens: number;
  readonly llmContextWindows: Readonly<Record<string, number>>;
  /** USD per million tokens, by model; a model without a price is counted at 0 USD (the token budget still holds). */
  readonly llmPrices: Readonly<Record<string, LlmPrice>>;
  readonly llmBudgetUsd: Readonly<Record<Depth, number>>;
  readonly llmBudgetTokens: Readonly<Record<Depth, number>>;
  /** Model spend per guild per UTC day; 0 = unlimited. */
  readonly llmGuildDailyUsd: number;
  readonly llmTimeoutMs: number;
  readonly llmConcurrency: number;
  readonly llmMaxRetries: number;
}

export interface LlmFallback {
  readonly model: string;
  readonly baseUrl: string | undefined;
  readonly apiKey: string | undefined;
}
export interface LlmPrice {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment. Throws ConfigError listing every bad key (never echoing a secret value). */
export function loadConfig(env: RawEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return Object.freeze({
    discordToken: e.DISCORD_TOKEN,
    applicationId: e.DISCORD_APPLICATION_ID,
    publicKey: e.DISCORD_PUBLIC_KEY,
    discordWebhook: e.DISCORD_WEBHOOK,
    discordApiBase: e.DISCORD_API_BASE,
    mode: e.AUTOINTEL_MODE,
    publicUrl: e.AUTOINTEL_PUBLIC_URL?.replace(/\/+$/, ''),
    reportLinkTtlMs: e.AUTOINTEL_REPORT_LINK_DAYS * 86_400_000,
    port: e.PORT,
    host: e.HOST,
    metricsPort: e.METRICS_PORT,
    dataDir: e.AUTOINTEL_DATA_DIR,
    logLevel: e.LOG_LEVEL,
    secretKey: e.AUTOINTEL_SECRET_KEY,
    secretKeyFile: e.AUTOINTEL_SECRET_KEY_FILE,
    allowPrivateNetworks: e.AUTOINTEL_ALLOW_PRIVATE_NETWORKS,
    ytDlpPath: e.YTDLP_PATH,
    ytDlpCookies: e.YTDLP_COOKIES,
    maxMediaSeconds: e.AUTOINTEL_MAX_MEDIA_MINUTES * 60,
    maxMediaBytes: e.AUTOINTEL_MAX_MEDIA_MB * 1024 * 1024,
    ffmpegPath: e.FFMPEG_PATH,
    stt: e.AUTOINTEL_STT,
    sttBaseUrl: e.AUTOINTEL_STT_BASE_URL,
    sttApiKey: e.AUTOINTEL_STT_API_KEY,
    sttModel: e.AUTOINTEL_STT_MODEL,
    sttMaxUploadBytes: e.AUTOINTEL_STT_MAX_UPLOAD_BYTES,
    sttTimeoutMs: e.AUTOINTEL_STT_TIMEOUT_SECONDS * 1000,
    sttConcurrency: e.AUTOINTEL_STT_CONCURRENCY,
    sttChunkSeconds: e.AUTOINTEL_STT_CHUNK_SECONDS,
    whisperModel: e.AUTOINTEL_WHISPER_MODEL,
    whisperThreads: e.AUTOINTEL_WHISPER_THREADS,
    whisperModelBaseUrl: e.AUTOINTEL_WHISPER_MODEL_BASE_URL,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.AUTOINTEL_QUEUE_PREFIX,
    leaseMs: e.AUTOINTEL_LEASE_SECONDS * 1000,
    concurrency: e.AUTOINTEL_CONCURRENCY,
    guildConcurrency: e.AUTOINTEL_GUILD_CONCURRENCY,
    userQuotaPerHour: e.AUTOINTEL_USER_QUOTA_PER_HOUR,
    freshnessMs: e.AUTOINTEL_FRESHNESS_MINUTES * 60_000,
    retentionMs: e.AUTOINTEL_RETENTION_DAYS * 86_400_000,
    factCheckApiKey: e.AUTOINTEL_FACTCHECK_API_KEY,
    factCheckBaseUrl: e.AUTOINTEL_FACTCHECK_BASE_URL,
    maxContentBytes: e.AUTOINTEL_MAX_CONTENT_BYTES,
    maxTextChars: e.AUTOINTEL_MAX_TEXT_CHARS,
    maxDomDepth: e.AUTOINTEL_MAX_DOM_DEPTH,
    maxDomElements: e.AUTOINTEL_MAX_DOM_ELEMENTS,
    extractTimeoutMs: e.AUTOINTEL_EXTRACT_TIMEOUT_SECONDS * 1000,
    analysisTimeoutMs: e.AUTOINTEL_ANALYSIS_TIMEOUT_SECONDS * 1000,
    contentWorkers: e.AUTOINTEL_CONTENT_WORKERS,
    workerHeapMb: e.AUTOINTEL_WORKER_HEAP_MB,
    engineProcess: e.AUTOINTEL_ENGINE_PROCESS,
    enginePriority: e.AUTOINTEL_ENGINE_PRIORITY,
    llmBaseUrl: e.AUTOINTEL_LLM_BASE_URL,
    llmApiKey: e.AUTOINTEL_LLM_API_KEY,
    llmModel: e.AUTOINTEL_LLM_MODEL,
    llmFallbacks: withFallbackKeys(e.AUTOINTEL_LLM_FALLBACKS, e.AUTOINTEL_LLM_FALLBACK_API_KEYS),
    llmJsonMode: e.AUTOINTEL_LLM_JSON_MODE,
    llmContextTokens: e.AUTOINTEL_LLM_CONTEXT_TOKENS,
    llmContextWindows: e.AUTOINTEL_LLM_CONTEXT_WINDOWS,
    llmPrices: e.AUTOINTEL_LLM_PRICES,
    llmBudgetUsd: e.AUTOINTEL_LLM_BUDGET_USD,
    llmBudgetTokens: e.AUTOINTEL_LLM_BUDGET_TOKENS,
    llmGuildDailyUsd: e.AUTOINTEL_LLM_GUILD_DAILY_USD,
    llmTimeoutMs: e.AUTOINTEL_LLM_TIMEOUT_SECONDS * 1000,
    llmConcurrency: e.AUTOINTEL_LLM_CONCURRENCY,
    llmMaxRetries: e.AUTOINTEL_LLM_MAX_RETRIES,
  });
}

/** Loads `.env` from the working directory into process.env (existing variables win), if present. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
