// Google Fact Check Tools `claims:search`: published fact-checks for a claim, with timeouts and capped retries.
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { AppError, PermanentError, RetryLaterError, toAppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';

export const DEFAULT_FACTCHECK_BASE_URL = 'https://factchecktools.googleapis.com';

/** A fact-check as its publisher published it (the API's `claimReview[]` entry). */
export interface PublishedReview {
  readonly publisher: string | null;
  readonly site: string | null;
  readonly url: string | null;
  readonly title: string | null;
  readonly reviewDate: string | null;
  readonly textualRating: string | null;
  readonly languageCode: string | null;
}

/** A claim the API knows (`claims[]`), with the fact-checks published about it. */
export interface PublishedClaim {
  readonly text: string;
  readonly claimant: string | null;
  readonly claimDate: string | null;
  readonly reviews: readonly PublishedReview[];
}

/** The port the fact-check step searches through; the Google client implements it. */
export interface FactCheckSearch {
  /** A short name for the report ("Google Fact Check Tools"). */
  readonly name: string;
  search(
    query: string,
    opts: { readonly languageCode?: string | null; readonly signal: AbortSignal },
  ): Promise<Result<PublishedClaim[], AppError>>;
}

export interface GoogleFactCheckOptions {
  /** AUTOINTEL_FACTCHECK_API_KEY: sent in a header, never in the URL, never logged. */
  readonly apiKey: string;
  /** AUTOINTEL_FACTCHECK_BASE_URL; configuration, never user input. */
  readonly baseUrl: string;
  readonly clock: Clock;
  /** Per request, headers and body together. Default 10 s. */
  readonly timeoutMs?: number;
  /** Attempts per query, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** First backoff; doubles per attempt up to `maxBackoffMs`. Defaults 1 s and 8 s. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Claims per query. Default 10. */
  readonly pageSize?: number;
  /** Largest response body read. Default 2 MiB. */
  readonly maxBodyBytes?: number;
  readonly dispatcher?: Dispatcher;
}

const DEFAULTS = {
  timeoutMs: 10_000,
  maxAttempts: 3,
  backoffMs: 1000,
  maxBackoffMs: 8000,
  pageSize: 10,
  maxBodyBytes: 2 * 1024 * 1024,
} as const;
/** The API rejects very long queries; a claim's first words carry what a search needs. */
const MAX_QUERY_CHARS = 300;

// The documented response shape; every field optional because the API omits what it does not know.
const ResponseSchema = z.object({
  claims: z
    .array(
      z.object({
        text: z.string().optional(),
        claimant: z.string().optional(),
        claimDate: z.string().optional(),
        claimReview: z
          .array(
            z.object({
              publisher: z.object({ name: z.string().optional(), site: z.string().optional() }).optional(),
              url: z.string().optional(),
              title: z.string().optional(),
              reviewDate: z.string().optional(),
              textualRating: z.string().optional(),
              languageCode: z.string().optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
  nextPageToken: z.string().optional(),
});

export class GoogleFactCheckClient implements FactCheckSearch {
  readonly name = 'Google Fact Check Tools';
  readonly #o: Required<Omit<GoogleFactCheckOptions, 'dispatcher'>> & { dispatcher?: Dispatcher };
  readonly #endpoint: URL;

  constructor(options: GoogleFactCheckOptions) {
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '')
      throw new RangeError('GoogleFactCheckOptions.apiKey must be a non-empty string');
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new RangeError(
        `GoogleFactCheckOptions.baseUrl must be an absolute URL, received ${JSON.stringify(options.baseUrl)}`,
      );
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:')
      throw new RangeError(`GoogleFactCheckOptions.baseUrl must be http(s), received ${base.protocol}`);
    const o = { ...DEFAULTS, ...options };
    for (const k of [
      'timeoutMs',
      'maxAttempts',
      'backoffMs',
      'maxBackoffMs',
      'pageSize',
      'maxBodyBytes',
    ] as const) {
      const v = o[k];
      if (!Number.isFinite(v) || v <= 0)
        throw new RangeError(`GoogleFactCheckOptions.${k} must be a positive number, received ${String(v)}`);
    }
    this.#o = o;
    this.#endpoint = new URL('v1alpha1/claims:search', base.href.endsWith('/') ? base.href : `${base.href}/`);
  }

  async search(
    query: string,
    opts: { readonly languageCode?: string | null; readonly signal: AbortSignal },
  ): Promise<Result<PublishedClaim[], AppError>> {
    const q = query.replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY_CHARS);
    if (q === '') return ok([]);
    const url = new URL(this.#endpoint);
    url.searchParams.set('query', q);
    url.searchParams.set('pageSize', String(this.#o.pageSize));
    if (opts.languageCode) url.searchParams.set('languageCode', opts.languageCode);
    let last: AppError | null = null;
    let attempts = 0;
    for (let attempt = 1; attempt <= this.#o.maxAttempts; attempt++) {
      attempts = attempt;
      if (opts.signal.aborted) return err(toAppError(opts.signal.reason));
      const r = await this.#once(url, opts.signal);
      if (r.ok) return r;
      last = r.error;
      if (!r.error.retryable || attempt === this.#o.maxAttempts) break;
      const backoff = Math.min(this.#o.maxBackoffMs, this.#o.backoffMs * 2 ** (attempt - 1));
      const wait = r.error.retryAfterMs ?? backoff;
      // A server asking for longer than we are willing to wait is answered now, not after a long stall.
      if (wait > this.#o.maxBackoffMs) break;
      try {
        await this.#o.clock.sleep(wait, opts.signal);
      } catch (e: unknown) {
        return err(toAppError(e));
      }
    }
    if (last === null) return err(new RetryLaterError('factcheck.unavailable', 'no attempt was made'));
    // The report says how hard we tried: "HTTP 503 after 3 attempts".
    const Kind = last.retryable ? RetryLaterError : PermanentError;
    return err(
      new Kind(last.code, attempts > 1 ? `${last.message} after ${attempts} attempts` : last.message, {
        userMessage: last.userMessage,
        context: { ...last.context, attempts },
        cause: last,
      }),
    );
  }

  async #once(url: URL, signal: AbortSignal): Promise<Result<PublishedClaim[], AppError>> {
    const timeout = AbortSignal.timeout(this.#o.timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { accept: 'application/json', 'x-goog-api-key': this.#o.apiKey },
        signal: combined,
        headersTimeout: this.#o.timeoutMs,
        bodyTimeout: this.#o.timeoutMs,
        ...(this.#o.dispatcher === undefined ? {} : { dispatcher: this.#o.dispatcher }),
      });
    } catch (e: unknown) {
      if (signal.aborted) return err(toAppError(signal.reason ?? e));
      return err(
        new RetryLaterError(
          'factcheck.unavailable',
          timeout.aborted ? 'no answer within the timeout' : `network error: ${(e as Error).name}`,
          { userMessage: 'The fact-check service did not answer.' },
        ),
      );
    }
    let body: string;
    try {
      body = await readCapped(res.body, this.#o.maxBodyBytes);
    } catch (e: unknown) {
      if (signal.aborted) return err(toAppError(signal.reason ?? e));
      const tooLarge = e instanceof AppError;
      return err(
        tooLarge
          ? e
          : new RetryLaterError('factcheck.unavailable', 'the response was cut off', {
              userMessage: 'The fact-check service did not answer.',
            }),
      );
    }
    const status = res.statusCode;
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(res.headers['retry-after'], this.#o.clock.now());
      return err(
        new RetryLaterError('factcheck.rate_limited', 'HTTP 429 (quota exceeded)', {
          userMessage: 'The fact-check service refused more requests for now (quota).',
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        }),
      );
    }
    if (status >= 500)
      return err(
        new RetryLaterError('factcheck.unavailable', `HTTP ${status}`, {
          userMessage: 'The fact-check service failed.',
        }),
      );
    if (status === 401 || status === 403)
      return err(
        new PermanentError('factcheck.refused', `HTTP ${status}: the API key was refused`, {
          userMessage: 'The fact-check service refused the configured API key.',
        }),
      );
    if (status < 200 || status >= 300)
      return err(
        new PermanentError('factcheck.bad_request', `HTTP ${status}`, {
          userMessage: 'The fact-check service refused the request.',
        }),
      );
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return err(new PermanentError('factcheck.bad_response', 'the response is not JSON'));
    }
    const parsed = ResponseSchema.safeParse(json);
    if (!parsed.success)
      return err(
        new PermanentError('factcheck.bad_response', 'the response does not have the documented shape'),
      );
    return ok(toClaims(parsed.data));
  }
}

function toClaims(data: z.infer<typeof ResponseSchema>): PublishedClaim[] {
  const out: PublishedClaim[] = [];
  for (const c of data.claims ?? []) {
    const text = str(c.text);
    if (text === null) continue;
    out.push({
      text,
      claimant: str(c.claimant),
      claimDate: str(c.claimDate),
      reviews: (c.claimReview ?? []).map((r) => ({
        publisher: str(r.publisher?.name),
        site: str(r.publisher?.site),
        url: httpUrl(r.url),
        title: str(r.title),
        reviewDate: str(r.reviewDate),
        textualRating: str(r.textualRating),
        languageCode: str(r.languageCode),
      })),
    });
  }
  return out;
}

const str = (v: string | undefined): string | null => {
  const t = v?.replace(/\s+/g, ' ').trim();
  return t === undefined || t === '' ? null : t;
};

function httpUrl(v: string | undefined): string | null {
  if (v === undefined) return null;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(v: string | string[] | undefined, now: number): number | undefined {
  const raw = Array.isArray(v) ? v[0] : v;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

async function readCapped(body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > max) {
      body.destroy();
      throw new PermanentError('factcheck.bad_response', `the response exceeds ${max} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
