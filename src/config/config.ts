// Environment → typed, frozen configuration. Read once at start; every error names the key at fault.
import { existsSync } from 'node:fs';
import { z } from 'zod';

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
  AUTOINTEL_LLM_BASE_URL: optionalString,
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
  readonly llmBaseUrl: string | undefined;
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
    llmBaseUrl: e.AUTOINTEL_LLM_BASE_URL,
  });
}

/** Loads `.env` from the working directory into process.env (existing variables win), if present. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
