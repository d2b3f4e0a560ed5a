// Guarded HTTP GET: every hop SSRF-checked and pinned, bounded in time, and capped on decompressed bytes.
import type { LookupFunction } from 'node:net';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Agent, request } from 'undici';
import { setTimeout as realDelay } from 'node:timers/promises';
import type { Clock } from '../../core/clock.js';
import { AppError, toAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { err, ok, type Result } from '../../core/result.js';
import { permanent, transient } from './errors.js';
import type { Endpoint, SsrfGuard } from './guard.js';
import { checkUrl } from './source.js';

export interface Timeouts {
  /** TCP + TLS handshake. */
  readonly connectMs: number;
  /** From request sent to response headers received. */
  readonly headersMs: number;
  /** Longest silence between two body chunks. */
  readonly bodyMs: number;
  /** Whole acquisition of one resource, redirects included. */
  readonly totalMs: number;
}

export const DEFAULT_TIMEOUTS = {
  connectMs: 10_000,
  headersMs: 15_000,
  bodyMs: 15_000,
  totalMs: 60_000,
} as const satisfies Timeouts;

export interface FetchOptions {
  readonly guard: SsrfGuard;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  readonly timeouts: Timeouts;
  readonly signal: AbortSignal;
  /** Called once the final response's headers are in: return false to skip the body (e.g. media). */
  readonly wantsBody?: (contentType: string | null, url: URL) => boolean;
}

export interface FetchedResource {
  readonly finalUrl: URL;
  readonly status: number;
  readonly contentType: string | null;
  readonly contentLanguage: string | null;
  /** Decompressed body, or null when `wantsBody` declined it. */
  readonly body: Buffer | null;
}

const USER_AGENT = 'Mozilla/5.0 (compatible; autointel/0.1; +content analysis)';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const header = (headers: Record<string, string | string[] | undefined>, name: string): string | null => {
  const v = headers[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
};

/** A dns.lookup replacement that only ever answers with the address the guard already checked. */
function pinnedLookup(endpoint: Endpoint): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all === true) callback(null, [{ address: endpoint.address, family: endpoint.family }]);
    else callback(null, endpoint.address, endpoint.family);
  };
}

/** Drops a body: undici reports destroying an unfinished body as an error, which nobody needs to hear. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

function decompressorFor(encoding: string | null): Transform[] | null {
  if (encoding === null) return [];
  const steps: Transform[] = [];
  // Encodings are listed in the order they were applied: undo them in reverse.
  for (const raw of encoding.split(',').reverse()) {
    const e = raw.trim().toLowerCase();
    if (e === '' || e === 'identity') continue;
    if (e === 'gzip' || e === 'x-gzip') steps.push(createGunzip());
    else if (e === 'deflate') steps.push(createInflate());
    else if (e === 'br') steps.push(createBrotliDecompress());
    else return null;
  }
  return steps;
}

/** Reads a body through its decompressors, stopping as soon as the decompressed size passes `maxBytes`. */
async function readCapped(body: Readable, encoding: string | null, maxBytes: number): Promise<Buffer> {
  const steps = decompressorFor(encoding);
  if (steps === null) {
    discard(body);
    throw permanent('acquire.unsupported_content', `Unsupported Content-Encoding ${encoding ?? ''}`);
  }
  let stream: Readable = body;
  for (const step of steps) {
    const from = stream;
    from.on('error', (e: Error) => step.destroy(e));
    stream = from.pipe(step);
  }
  const destroyAll = (): void => {
    discard(body);
    for (const s of steps) discard(s);
  };
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        destroyAll();
        throw permanent('acquire.too_large', `Body passed ${maxBytes} bytes after decoding`, {
          context: { maxBytes },
        });
      }
      chunks.push(chunk);
    }
  } catch (e: unknown) {
    destroyAll();
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('Z_'))
      throw permanent('acquire.undecodable', `Corrupt ${encoding ?? ''} body`, { cause: e });
    throw e;
  }
  return Buffer.concat(chunks, total);
}

/** Maps what undici, node:net and our own deadline throw onto acquisition codes. */
function classifyFailure(e: unknown, deadlineHit: boolean, callerSignal: AbortSignal): AppError {
  if (callerSignal.aborted) return toAppError(callerSignal.reason ?? e);
  if (deadlineHit) return permanent('acquire.timeout', 'Total deadline passed', { cause: e });
  if (e instanceof AppError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return permanent('acquire.timeout', `Timed out (${code})`, { cause: e });
    case 'UND_ERR_HEADERS_OVERFLOW':
      return permanent('acquire.too_large', 'Response headers too large', { cause: e });
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_STATUS':
      return permanent('acquire.network', `Malformed HTTP response (${code})`, { cause: e });
    default: {
      const message = e instanceof Error ? e.message : String(e);
      return transient('acquire.network', `Request failed: ${typeof code === 'string' ? code : message}`, {
        cause: e,
      });
    }
  }
}

/** GET `url`, following up to `maxRedirects` redirects, each target re-checked by the guard. */
export async function guardedFetch(
  url: URL,
  options: FetchOptions,
): Promise<Result<FetchedResource, AppError>> {
  const controller = new AbortController();
  const onCallerAbort = (): void => controller.abort(options.signal.reason);
  if (options.signal.aborted) return err(toAppError(options.signal.reason));
  options.signal.addEventListener('abort', onCallerAbort, { once: true });
  let deadlineHit = false;
  const timerCancel = new AbortController();
  // I/O deadlines are durations of real time, not business time: a test or demo that jumps the business clock
  // (to cross Discord's 15-minute token lifetime) must not time out a fetch in flight.
  realDelay(options.timeouts.totalMs, undefined, { signal: timerCancel.signal }).then(
    () => {
      deadlineHit = true;
      controller.abort(permanent('acquire.timeout', 'Total deadline passed'));
    },
    () => undefined,
  );
  try {
    return await fetchHops(url, options, controller.signal);
  } catch (e: unknown) {
    return err(classifyFailure(e, deadlineHit, options.signal));
  } finally {
    timerCancel.abort();
    options.signal.removeEventListener('abort', onCallerAbort);
  }
}

async function fetchHops(
  first: URL,
  options: FetchOptions,
  signal: AbortSignal,
): Promise<Result<FetchedResource, AppError>> {
  let url = first;
  for (let hop = 0; ; hop++) {
    const endpoint = await options.guard.checkUrl(url);
    if (!endpoint.ok) return endpoint;
    signal.throwIfAborted();
    const agent = new Agent({
      connect: { timeout: options.timeouts.connectMs, lookup: pinnedLookup(endpoint.value) },
      headersTimeout: options.timeouts.headersMs,
      bodyTimeout: options.timeouts.bodyMs,
      connections: 1,
    });
    try {
      const res = await request(url, {
        dispatcher: agent,
        method: 'GET',
        signal,
        headers: {
          'user-agent': USER_AGENT,
          accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,text/vtt;q=0.9,*/*;q=0.5',
          'accept-encoding': 'gzip, deflate, br',
          'accept-language': 'en;q=0.8, *;q=0.5',
        },
      });
      const location = header(res.headers, 'location');
      if (REDIRECTS.has(res.statusCode) && location !== null) {
        discard(res.body);
        if (hop >= options.maxRedirects)
          return err(permanent('acquire.too_many_redirects', `More than ${options.maxRedirects} redirects`));
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          return err(permanent('acquire.bad_redirect', 'Unparseable redirect target'));
        }
        const syntax = checkUrl(next, { allowPrivateNetworks: true });
        if (!syntax.ok) return syntax;
        options.logger.debug({ hop: hop + 1, status: res.statusCode }, 'following redirect');
        url = next;
        continue;
      }
      if (res.statusCode >= 400) {
        discard(res.body);
        const retryable = res.statusCode === 429 || res.statusCode === 408 || res.statusCode >= 500;
        const context = { status: res.statusCode };
        const userMessage = `The site answered with HTTP ${res.statusCode}.`;
        if (!retryable)
          return err(permanent('acquire.http_status', `HTTP ${res.statusCode}`, { context, userMessage }));
        const retryAfter = Number(header(res.headers, 'retry-after'));
        return err(
          transient('acquire.http_status', `HTTP ${res.statusCode}`, {
            context,
            userMessage,
            ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
          }),
        );
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        discard(res.body);
        return err(permanent('acquire.http_status', `Unexpected HTTP ${res.statusCode}`));
      }
      const contentType = header(res.headers, 'content-type');
      const contentLanguage = header(res.headers, 'content-language');
      const base = { finalUrl: url, status: res.statusCode, contentType, contentLanguage };
      if (options.wantsBody !== undefined && !options.wantsBody(contentType, url)) {
        discard(res.body);
        return ok({ ...base, body: null });
      }
      const declaredLength = Number(header(res.headers, 'content-length'));
      const encoding = header(res.headers, 'content-encoding');
      if (encoding === null && Number.isFinite(declaredLength) && declaredLength > options.maxBytes) {
        discard(res.body);
        return err(permanent('acquire.too_large', `Content-Length ${declaredLength} passes the cap`));
      }
      const body = await readCapped(res.body, encoding, options.maxBytes);
      return ok({ ...base, body });
    } finally {
      agent.destroy().catch(() => undefined);
    }
  }
}
