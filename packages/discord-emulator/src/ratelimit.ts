// Fixed-window rate-limit buckets on the emulator's clock, answered with Discord's headers and 429 bodies.
import { createHash } from 'node:crypto';
import type { ApiResponse } from './errors.js';
import type { EmulatorClock, EmulatorRateLimitOptions } from './types.js';

export type RateLimitScope = 'user' | 'global' | 'shared';

export interface BucketSpec {
  /** State key: route/resource specific (`webhook:<id>:<token>`). */
  key: string;
  /** What `X-RateLimit-Bucket` shows: the same for every resource on one route, like Discord's hash. */
  hashSource: string;
  limit: number;
  windowMs: number;
  scope: RateLimitScope;
  /** The route's own bucket, whose state the headers describe; defaults to the first bucket. */
  primary?: boolean;
}

interface Window {
  start: number;
  count: number;
}

export const DefaultRateLimits = {
  globalPerSecond: 50,
  webhookPer2s: 5,
  channelPer60s: 30,
  enabled: true,
} as const satisfies Required<EmulatorRateLimitOptions>;

export type RateLimitDecision =
  { ok: true; headers: Record<string, string> } | { ok: false; response: ApiResponse; scope: RateLimitScope };

/** Hashes already computed: every request on a route shows the same one, and the routes are few. */
const hashes = new Map<string, string>();
const MAX_HASHES = 4096;

export function bucketHash(source: string): string {
  let h = hashes.get(source);
  if (h === undefined) {
    h = createHash('sha1').update(source).digest('hex').slice(0, 32);
    if (hashes.size >= MAX_HASHES) hashes.clear();
    hashes.set(source, h);
  }
  return h;
}

export class RateLimiter {
  readonly #clock: EmulatorClock;
  readonly #windows = new Map<string, Window>();
  readonly settings: Required<EmulatorRateLimitOptions>;

  constructor(options: { clock: EmulatorClock; limits?: EmulatorRateLimitOptions | undefined }) {
    this.#clock = options.clock;
    const l = options.limits ?? {};
    this.settings = {
      globalPerSecond: l.globalPerSecond ?? DefaultRateLimits.globalPerSecond,
      webhookPer2s: l.webhookPer2s ?? DefaultRateLimits.webhookPer2s,
      channelPer60s: l.channelPer60s ?? DefaultRateLimits.channelPer60s,
      enabled: l.enabled ?? DefaultRateLimits.enabled,
    };
    for (const [name, value] of Object.entries(this.settings)) {
      if (typeof value === 'number' && (!Number.isInteger(value) || value < 1)) {
        throw new RangeError(`rateLimits.${name} must be a positive integer, received ${value}`);
      }
    }
  }

  #window(spec: BucketSpec, now: number): Window {
    let w = this.#windows.get(spec.key);
    if (!w || now >= w.start + spec.windowMs) {
      w = { start: now, count: 0 };
      this.#windows.set(spec.key, w);
    }
    return w;
  }

  /** Consumes one request from every bucket, or refuses with the first exhausted one (checked in order). */
  take(buckets: readonly BucketSpec[]): RateLimitDecision {
    const now = this.#clock.now();
    const primary = buckets.find((b) => b.primary === true) ?? buckets[0];
    if (this.settings.enabled) {
      for (const spec of buckets) {
        const w = this.#window(spec, now);
        if (w.count >= spec.limit) {
          const retryAfterMs = Math.max(1, w.start + spec.windowMs - now);
          return {
            ok: false,
            scope: spec.scope,
            response: tooManyRequests({
              retryAfterS: retryAfterMs / 1000,
              scope: spec.scope,
              headers: this.#headers(spec, w, now),
            }),
          };
        }
      }
      for (const spec of buckets) this.#window(spec, now).count += 1;
    }
    if (!primary) return { ok: true, headers: {} };
    return { ok: true, headers: this.#headers(primary, this.#window(primary, now), now) };
  }

  /** The headers the route's bucket would show now, without consuming a request (for early refusals). */
  peek(buckets: readonly BucketSpec[]): Record<string, string> {
    const primary = buckets.find((b) => b.primary === true) ?? buckets[0];
    if (!primary) return {};
    const now = this.#clock.now();
    return this.#headers(primary, this.#window(primary, now), now);
  }

  #headers(spec: BucketSpec, w: Window, now: number): Record<string, string> {
    const resetAt = w.start + spec.windowMs;
    const remaining = this.settings.enabled ? Math.max(0, spec.limit - w.count) : spec.limit;
    return {
      'X-RateLimit-Limit': String(spec.limit),
      'X-RateLimit-Remaining': String(remaining),
      'X-RateLimit-Reset': (resetAt / 1000).toFixed(3),
      'X-RateLimit-Reset-After': (Math.max(0, resetAt - now) / 1000).toFixed(3),
      'X-RateLimit-Bucket': bucketHash(spec.hashSource),
    };
  }
}

export function tooManyRequests(input: {
  retryAfterS: number;
  scope: RateLimitScope;
  headers?: Record<string, string>;
}): ApiResponse {
  const retryAfter = Math.round(input.retryAfterS * 1000) / 1000;
  const headers: Record<string, string> = {
    ...input.headers,
    'Retry-After': String(Math.max(1, Math.ceil(input.retryAfterS))),
    'X-RateLimit-Scope': input.scope,
    Via: '1.1 google',
  };
  if (input.scope === 'global') headers['X-RateLimit-Global'] = 'true';
  return {
    status: 429,
    headers,
    body: {
      message: 'You are being rate limited.',
      retry_after: retryAfter,
      global: input.scope === 'global',
    },
  };
}
