// The OpenAI-compatible `/audio/transcriptions` engine (OpenAI, Groq, speaches/faster-whisper-server, LocalAI, the
// whisper.cpp server): multipart upload, verbose_json segments, retries with backoff on 429/5xx/timeouts.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import type { AppError } from '../../core/errors.js';
import { PermanentError, RetryLaterError, toAppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import type {
  TranscribedSegment,
  TranscriptionContext,
  TranscriptionEngine,
  TranscriptionResult,
} from './index.js';

export interface OpenAiTranscriptionOptions {
  /** API root, e.g. `https://api.openai.com/v1`; `/audio/transcriptions` is appended. */
  readonly baseUrl: string;
  /** Sent as a bearer token; never logged or put in an error. */
  readonly apiKey?: string | undefined;
  readonly model: string;
  readonly clock: Clock;
  /** The provider's upload limit in bytes. */
  readonly maxUploadBytes?: number;
  /** One request's time limit. */
  readonly timeoutMs?: number;
  /** Tries per file before giving up and letting the next engine have it. */
  readonly maxAttempts?: number;
  /** First backoff; doubled per retry up to `maxBackoffMs`. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A `retry-after` longer than this is not waited for: the chunk goes to the next engine instead. */
  readonly maxRetryAfterMs?: number;
  /** Injected for tests; the platform fetch by default. */
  readonly fetch?: typeof fetch;
}

export const DefaultOpenAiTranscriptionOptions = {
  maxUploadBytes: 25 * 1024 * 1024,
  timeoutMs: 300_000,
  maxAttempts: 4,
  backoffMs: 1000,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 60_000,
} as const satisfies Partial<OpenAiTranscriptionOptions>;

/** Usage as the API reports it (`{ type: 'duration', seconds }` on OpenAI), summed by whoever cares. */
export interface TranscriptionUsage {
  readonly seconds: number | null;
}

type Attempt =
  | { readonly kind: 'done'; readonly value: TranscriptionResult }
  | { readonly kind: 'retry'; readonly waitMs: number; readonly error: AppError }
  | { readonly kind: 'fail'; readonly error: AppError };

export class OpenAiTranscriptionEngine implements TranscriptionEngine {
  readonly name: string;
  readonly #o: Required<Omit<OpenAiTranscriptionOptions, 'apiKey'>> & { apiKey: string | undefined };
  readonly #url: string;
  /** Audio seconds the provider says it billed, over this engine's life (for the bench and logs). */
  usageSeconds = 0;

  constructor(options: OpenAiTranscriptionOptions) {
    if (!/^https?:\/\/\S+$/.test(options.baseUrl)) {
      throw new TypeError(`baseUrl must be an http(s) URL, received ${JSON.stringify(options.baseUrl)}`);
    }
    if (options.model.trim() === '') throw new TypeError('model must not be empty');
    const o = { ...DefaultOpenAiTranscriptionOptions, fetch: globalThis.fetch, ...options };
    for (const k of ['maxUploadBytes', 'timeoutMs', 'maxAttempts', 'backoffMs', 'maxBackoffMs'] as const) {
      if (!(o[k] > 0)) throw new RangeError(`${k} must be positive, received ${o[k]}`);
    }
    this.#o = { ...o, apiKey: options.apiKey };
    this.#url = `${options.baseUrl.replace(/\/+$/, '')}/audio/transcriptions`;
    this.name = `openai-compatible ${options.model} (${new URL(options.baseUrl).host})`;
  }

  async transcribe(
    audioPath: string,
    ctx: TranscriptionContext,
  ): Promise<Result<TranscriptionResult, AppError>> {
    let audio: Buffer;
    try {
      audio = await readFile(audioPath);
    } catch (e: unknown) {
      return err(toAppError(e, 'stt.audio_unreadable'));
    }
    if (audio.length > this.#o.maxUploadBytes) {
      return err(
        new PermanentError(
          'stt.upload_too_large',
          `${audio.length} bytes exceed the provider's upload limit of ${this.#o.maxUploadBytes}`,
          { userMessage: 'The audio is larger than the speech-to-text provider accepts.' },
        ),
      );
    }
    let lastError: AppError | null = null;
    for (let attempt = 1; attempt <= this.#o.maxAttempts; attempt++) {
      ctx.signal.throwIfAborted();
      const a = await this.#attempt(audio, path.basename(audioPath), ctx.signal, attempt);
      if (a.kind === 'done') return ok(a.value);
      if (a.kind === 'fail') return err(a.error);
      lastError = a.error;
      if (attempt < this.#o.maxAttempts) await this.#o.clock.sleep(a.waitMs, ctx.signal);
    }
    return err(
      new RetryLaterError(
        'stt.openai_unavailable',
        `gave up after ${this.#o.maxAttempts} attempts: ${lastError?.message ?? 'unknown error'}`,
        {
          userMessage: 'The speech-to-text service is unavailable right now.',
          ...(lastError?.retryAfterMs === undefined ? {} : { retryAfterMs: lastError.retryAfterMs }),
          ...(lastError === null ? {} : { cause: lastError }),
        },
      ),
    );
  }

  async #attempt(audio: Buffer, fileName: string, signal: AbortSignal, attempt: number): Promise<Attempt> {
    const form = new FormData();
    form.append('file', new Blob([audio], { type: 'audio/wav' }), fileName);
    form.append('model', this.#o.model);
    form.append('response_format', 'verbose_json');
    form.append('timestamp_granularities[]', 'segment');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#o.apiKey !== undefined && this.#o.apiKey !== '')
      headers['authorization'] = `Bearer ${this.#o.apiKey}`;
    const timeout = new AbortController();
    const timer = this.#o.clock.sleep(this.#o.timeoutMs, timeout.signal).then(
      () => timeout.abort(new Error('timeout')),
      () => undefined,
    );
    const both = AbortSignal.any([signal, timeout.signal]);
    const backoff = Math.min(this.#o.maxBackoffMs, this.#o.backoffMs * 2 ** (attempt - 1));
    try {
      const res = await this.#o.fetch(this.#url, { method: 'POST', body: form, headers, signal: both });
      const body = await res.text();
      if (res.ok) return this.#parse(body);
      const detail = this.#scrub(`HTTP ${res.status}${serverMessage(body)}`);
      if (res.status === 429) {
        const after = retryAfterMs(res.headers.get('retry-after'), this.#o.clock.now()) ?? backoff;
        const error = new RetryLaterError('stt.rate_limited', `rate limited: ${detail}`, {
          userMessage: 'The speech-to-text service is rate limiting us; try again later.',
          retryAfterMs: after,
        });
        // Waiting longer than the cap would stall the whole recording: hand the chunk to the next engine now.
        return after > this.#o.maxRetryAfterMs
          ? { kind: 'fail', error }
          : { kind: 'retry', waitMs: after, error };
      }
      if (res.status >= 500 || res.status === 408) {
        return {
          kind: 'retry',
          waitMs: backoff,
          error: new RetryLaterError('stt.server_error', `server error: ${detail}`),
        };
      }
      return {
        kind: 'fail',
        error: new PermanentError('stt.rejected', `the transcription request was refused: ${detail}`, {
          userMessage:
            res.status === 401 || res.status === 403
              ? 'The speech-to-text service refused our credentials.'
              : 'The speech-to-text service refused the audio.',
          context: { status: res.status },
        }),
      };
    } catch (e: unknown) {
      signal.throwIfAborted();
      const timedOut = timeout.signal.aborted;
      return {
        kind: 'retry',
        waitMs: backoff,
        error: timedOut
          ? new RetryLaterError('stt.timeout', `no answer within ${this.#o.timeoutMs} ms`)
          : new RetryLaterError('stt.network', `request failed: ${toAppError(e).message}`, { cause: e }),
      };
    } finally {
      timeout.abort();
      await timer;
    }
  }

  /** Servers echo a bad key back ("Incorrect API key provided: sk-…"): it never reaches an error or a log. */
  #scrub(text: string): string {
    const key = this.#o.apiKey;
    return key === undefined || key.length < 4 ? text : text.split(key).join('[redacted]');
  }

  #parse(body: string): Attempt {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return {
        kind: 'fail',
        error: new PermanentError(
          'stt.bad_response',
          'the transcription answer is not JSON (verbose_json expected)',
        ),
      };
    }
    const r = json as {
      text?: unknown;
      language?: unknown;
      duration?: unknown;
      segments?: unknown;
      usage?: { seconds?: unknown };
    };
    if (typeof r.usage?.seconds === 'number') this.usageSeconds += r.usage.seconds;
    const segments: TranscribedSegment[] = [];
    if (Array.isArray(r.segments)) {
      for (const s of r.segments as { start?: unknown; end?: unknown; text?: unknown }[]) {
        if (typeof s.start !== 'number' || typeof s.end !== 'number' || typeof s.text !== 'string') continue;
        segments.push({ start: s.start, end: Math.max(s.start, s.end), speaker: null, text: s.text });
      }
    } else if (typeof r.text === 'string' && r.text.trim() !== '') {
      // A server that ignores verbose_json still gives the text: one segment over the whole chunk.
      const end = typeof r.duration === 'number' ? r.duration : 0;
      segments.push({ start: 0, end, speaker: null, text: r.text });
    } else if (typeof r.text !== 'string') {
      return {
        kind: 'fail',
        error: new PermanentError(
          'stt.bad_response',
          'the transcription answer has neither segments nor text',
        ),
      };
    }
    return {
      kind: 'done',
      value: { segments, language: typeof r.language === 'string' ? languageCode(r.language) : null },
    };
  }
}

/** `retry-after` as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, Math.round(secs * 1000));
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The server's own error message, short, for logs (OpenAI: `{ error: { message } }`). */
function serverMessage(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string; detail?: unknown };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.detail);
    return typeof m === 'string' ? `: ${m.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

/** OpenAI's verbose_json names the language ("english"); the rest of the pipeline uses ISO 639-1 codes. */
const LANGUAGE_CODES: Readonly<Record<string, string>> = {
  english: 'en',
  german: 'de',
  french: 'fr',
  spanish: 'es',
  italian: 'it',
  portuguese: 'pt',
  dutch: 'nl',
  russian: 'ru',
  ukrainian: 'uk',
  polish: 'pl',
  czech: 'cs',
  swedish: 'sv',
  danish: 'da',
  norwegian: 'no',
  finnish: 'fi',
  turkish: 'tr',
  greek: 'el',
  arabic: 'ar',
  hebrew: 'he',
  hindi: 'hi',
  japanese: 'ja',
  korean: 'ko',
  chinese: 'zh',
  vietnamese: 'vi',
  indonesian: 'id',
  romanian: 'ro',
  hungarian: 'hu',
};

export function languageCode(language: string): string | null {
  const l = language.trim().toLowerCase();
  if (/^[a-z]{2,3}$/.test(l)) return l;
  return LANGUAGE_CODES[l] ?? null;
}
