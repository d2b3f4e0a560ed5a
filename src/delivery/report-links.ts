// Signed, expiring links to a report page: `/r/<workflow id>?e=<expiry s>&s=<HMAC>`. The HMAC key is derived from the
// deployment's secret key, so every process of a deployment signs and verifies alike and nothing else can mint links.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export interface ReportLinkOptions {
  /** The deployment's secret key (AUTOINTEL_SECRET_KEY or the generated key file), any length ≥ 32 bytes. */
  readonly secret: Buffer;
  /** The public base URL people open (AUTOINTEL_PUBLIC_URL), without a trailing slash. */
  readonly publicUrl: string;
  /** How long a link stays valid. */
  readonly ttlMs: number;
}

const ID = /^[A-Za-z0-9-]{1,64}$/;

export class ReportLinks {
  readonly #key: Buffer;
  readonly #publicUrl: string;
  readonly #ttlMs: number;

  constructor(options: ReportLinkOptions) {
    if (options.secret.length < 32) {
      throw new RangeError(
        `ReportLinks: secret must be at least 32 bytes, received ${options.secret.length}`,
      );
    }
    if (!/^https?:\/\/[^\s]+$/.test(options.publicUrl)) {
      throw new RangeError(`ReportLinks: publicUrl must be an http(s) URL, received ${options.publicUrl}`);
    }
    if (!Number.isFinite(options.ttlMs) || options.ttlMs <= 0) {
      throw new RangeError(`ReportLinks: ttlMs must be a positive number, received ${options.ttlMs}`);
    }
    this.#key = Buffer.from(
      hkdfSync('sha256', options.secret, Buffer.alloc(0), 'autointel report links', 32),
    );
    this.#publicUrl = options.publicUrl.replace(/\/+$/, '');
    this.#ttlMs = options.ttlMs;
  }

  /** The full URL of `workflowId`'s page, valid for the configured time from `now`. */
  linkFor(workflowId: string, now: number): string {
    if (!ID.test(workflowId)) throw new RangeError(`ReportLinks: not a workflow id: ${workflowId}`);
    const expires = Math.floor((now + this.#ttlMs) / 1000);
    return `${this.#publicUrl}/r/${workflowId}?e=${expires}&s=${this.#sign(workflowId, expires)}`;
  }

  /** The workflow id a request path+query may open, or null (unknown form, bad signature, expired). */
  verify(pathAndQuery: string, now: number): string | null {
    let url: URL;
    try {
      url = new URL(pathAndQuery, 'http://link.invalid');
    } catch {
      return null;
    }
    const m = /^\/r\/([^/]+)$/.exec(url.pathname);
    const id = m?.[1];
    const e = url.searchParams.get('e');
    const s = url.searchParams.get('s');
    if (id === undefined || !ID.test(id) || e === null || s === null || !/^\d{1,12}$/.test(e)) return null;
    const expires = Number(e);
    if (expires * 1000 <= now) return null;
    const expected = Buffer.from(this.#sign(id, expires));
    const given = Buffer.from(s);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return id;
  }

  #sign(workflowId: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${workflowId}\n${expires}`).digest('base64url');
  }
}
