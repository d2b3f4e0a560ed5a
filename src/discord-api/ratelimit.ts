// Client-side rate limiting: waits before sending when Discord's headers say a bucket is spent, honours 429s,
// and paces webhooks under the undocumented limits (≈5 requests / 2 s per webhook, ≈30 messages / 60 s per channel).
import type { Clock } from '../core/clock.js';
import { capDelayMs, MAX_SERVER_DELAY_MS } from './errors.js';

/** What the limiter needs to know about one request. */
export interface RouteInfo {
  /** Method + route template, e.g. `POST /webhooks/:id/:token`. */
  readonly route: string;
  /** The top-level resource (webhook id, channel id): buckets are per route per major parameter. */
  readonly major: string;
  /** Interaction routes are exempt from the global limit. */
  readonly exemptFromGlobal?: boolean;
  /** Sliding-window pacers this request counts towards, by pacer name (see `RateLimiterOptions.pacing`). */
  readonly pacing?: readonly { readonly pacer: string; readonly key: string }[];
}

export interface ResponseInfo {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** From a 429 body (`retry_after`, seconds) when present. */
  readonly retryAfterS?: number;
  readonly global?: boolean;
}

export interface PacerLimit {
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateLimiterOptions {
  readonly clock: Clock;
  /** Sliding-window pacers; `{}` disables pacing (e.g. against an emulator with rate limits off). */
  readonly pacing?: Readonly<Record<string, PacerLimit>>;
  /** Longest wait a response may impose (Retry-After, reset-after): a hostile header cannot park a bucket longer. */
  readonly maxDelayMs?: number;
}

export const DefaultPacing = {
  /** Every request through one webhook: the observed ≈5 / 2 s, kept at 4 to leave room for clock skew. */
  webhook: { limit: 4, windowMs: 2_000 },
  /** Messages created in one channel (or by one webhook): the hidden ≈30 / 60 s, kept at 25. */
  channelMessages: { limit: 25, windowMs: 60_000 },
} as const satisfies Record<string, PacerLimit>;

interface Bucket {
  remaining: number;
  limit: number;
  resetAt: number;
}

export interface RateLimiterStats {
  /** Times a request waited before being sent. */
  readonly waits: number;
  /** Total time spent waiting, ms. */
  readonly waitedMs: number;
  /** 429 responses seen. */
  readonly rateLimited: number;
}

const header = (h: ResponseInfo['headers'], name: string): string | undefined => {
  const v = h[name] ?? h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

const num = (v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

export class RateLimiter {
  readonly #clock: Clock;
  readonly #pacing: Readonly<Record<string, PacerLimit>>;
  readonly #maxDelayMs: number;
  readonly #bucketOfRoute = new Map<string, string>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #blockedUntil = new Map<string, number>();
  readonly #windows = new Map<string, number[]>();
  #globalUntil = 0;
  #stats = { waits: 0, waitedMs: 0, rateLimited: 0 };

  constructor(options: RateLimiterOptions) {
    this.#clock = options.clock;
    this.#pacing = options.pacing ?? DefaultPacing;
    this.#maxDelayMs = options.maxDelayMs ?? MAX_SERVER_DELAY_MS;
    if (!(this.#maxDelayMs > 0)) throw new RangeError(`maxDelayMs must be > 0, received ${this.#maxDelayMs}`);
    for (const [name, p] of Object.entries(this.#pacing)) {
      if (!(p.limit >= 1) || !(p.windowMs > 0))
        throw new RangeError(
          `pacing.${name} needs limit ≥ 1 and windowMs > 0, received ${JSON.stringify(p)}`,
        );
    }
  }

  get stats(): RateLimiterStats {
    return { ...this.#stats };
  }

  #bucketKey(info: RouteInfo): string {
    const hash = this.#bucketOfRoute.get(info.route) ?? info.route;
    return `${hash}:${info.major}`;
  }

  /** How long `info` must wait now; 0 when it may be sent. */
  delayFor(info: RouteInfo): number {
    const now = this.#clock.now();
    let wait = 0;
    if (!info.exemptFromGlobal) wait = Math.max(wait, this.#globalUntil - now);
    const key = this.#bucketKey(info);
    wait = Math.max(wait, (this.#blockedUntil.get(key) ?? 0) - now);
    wait = Math.max(wait, (this.#blockedUntil.get(`${info.route}:${info.major}`) ?? 0) - now);
    const b = this.#buckets.get(key);
    if (b !== undefined && b.remaining <= 0 && b.resetAt > now) wait = Math.max(wait, b.resetAt - now);
    for (const p of info.pacing ?? []) {
      const limit = this.#pacing[p.pacer];
      if (limit === undefined) continue;
      const log = this.#window(`${p.pacer}:${p.key}`, now, limit.windowMs);
      if (log.length >= limit.limit)
        wait = Math.max(wait, (log[log.length - limit.limit] ?? now) + limit.windowMs - now);
    }
    return Math.max(0, Math.ceil(wait));
  }

  #window(key: string, now: number, windowMs: number): number[] {
    const log = this.#windows.get(key) ?? [];
    while (log.length > 0 && (log[0] ?? 0) <= now - windowMs) log.shift();
    this.#windows.set(key, log);
    return log;
  }

  /**
   * Waits (on the Clock) until the request may go, then reserves its slot. Check and reservation happen with no
   * await between them, so concurrent callers never both take the last slot of a bucket.
   */
  async acquire(info: RouteInfo, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const wait = this.delayFor(info);
      if (wait <= 0) break;
      this.#stats.waits++;
      this.#stats.waitedMs += wait;
      await this.#clock.sleep(wait, signal);
    }
    const now = this.#clock.now();
    const b = this.#buckets.get(this.#bucketKey(info));
    if (b !== undefined) {
      if (b.resetAt <= now) b.remaining = b.limit;
      b.remaining--;
    }
    for (const p of info.pacing ?? []) {
      const limit = this.#pacing[p.pacer];
      if (limit !== undefined) this.#window(`${p.pacer}:${p.key}`, now, limit.windowMs).push(now);
    }
  }

  /** Learns from a response: bucket id, remaining, reset-after; and on 429 blocks the bucket or everything. */
  update(info: RouteInfo, res: ResponseInfo): void {
    const now = this.#clock.now();
    const hash = header(res.headers, 'x-ratelimit-bucket');
    if (hash !== undefined) this.#bucketOfRoute.set(info.route, hash);
    const key = this.#bucketKey(info);
    const limit = num(header(res.headers, 'x-ratelimit-limit'));
    const remaining = num(header(res.headers, 'x-ratelimit-remaining'));
    const resetAfter = num(header(res.headers, 'x-ratelimit-reset-after'));
    if (remaining !== undefined && resetAfter !== undefined) {
      this.#buckets.set(key, {
        remaining,
        limit: limit ?? Math.max(remaining + 1, 1),
        resetAt: now + capDelayMs(resetAfter * 1000, this.#maxDelayMs),
      });
    }
    if (res.status !== 429) return;
    this.#stats.rateLimited++;
    const retryS = res.retryAfterS ?? num(header(res.headers, 'retry-after')) ?? 1;
    const until = now + capDelayMs(retryS * 1000, this.#maxDelayMs);
    const global = res.global === true || header(res.headers, 'x-ratelimit-global') === 'true';
    if (global) this.#globalUntil = Math.max(this.#globalUntil, until);
    else {
      this.#blockedUntil.set(key, Math.max(this.#blockedUntil.get(key) ?? 0, until));
      this.#blockedUntil.set(`${info.route}:${info.major}`, until);
    }
  }
}
