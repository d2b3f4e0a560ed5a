// HTTP interactions endpoint mode: Ed25519-verified POST /interactions answered inline (PONG, type 4, type 5 defer).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import {
  createHttpServer,
  sendJson,
  type HealthCheck,
  type HttpServer,
  type RouteHandler,
} from '../http/server.js';
import type { FrontEnd } from './gateway.js';
import { PromFrontEndMetrics, noopMetrics, type FrontEndMetrics } from './metrics.js';
import type { AppServices, InteractionClaim } from './ports.js';
import { InteractionRouter, type InteractionRouterOptions } from './router.js';
import { UndiciTransport, type DiscordTransport } from '../discord-api/transport.js';

/** Interactions are small JSON documents (a few KiB); anything bigger is refused (413) before it is read in full. */
export const DEFAULT_MAX_INTERACTION_BYTES = 64 * 1024;
/** A signed request whose timestamp is further than this from now is refused: a captured request cannot be replayed. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;
/**
 * Interaction ids seen within the signature window are refused a second time, in memory before any store write.
 * Beyond the window the timestamp check refuses the replay anyway, so ids are kept twice the window (clock skew
 * either way), and at most this many (oldest dropped first; the store's claim still dedupes /autointel then).
 */
export const DEFAULT_RECENT_IDS = 100_000;

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The application's public key (64 hex chars from the developer portal) as a KeyObject. */
export function ed25519PublicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new RangeError('public key must be 64 hex characters (the Ed25519 key from the developer portal)');
  }
  return createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

/** Verifies Discord's signature over `timestamp + rawBody` (the raw bytes, before any parsing). */
export function verifyInteractionSignature(
  key: KeyObject,
  signatureHex: string | undefined,
  timestamp: string | undefined,
  rawBody: Buffer,
): boolean {
  if (signatureHex === undefined || timestamp === undefined || timestamp === '') return false;
  if (!/^[0-9a-fA-F]{128}$/.test(signatureHex)) return false;
  try {
    return verify(
      null,
      Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]),
      key,
      Buffer.from(signatureHex, 'hex'),
    );
  } catch {
    return false;
  }
}

type BodyRead =
  { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly status: 413 | 400 };

function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.resolve({ ok: false, status: 413 });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyRead): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        req.resume();
        finish({ ok: false, status: 413 });
        return;
      }
      if (!done) chunks.push(chunk);
    });
    req.on('end', () => finish({ ok: true, body: Buffer.concat(chunks) }));
    req.on('error', () => finish({ ok: false, status: 400 }));
    req.on('aborted', () => finish({ ok: false, status: 400 }));
  });
}

/** Whether Discord's `X-Signature-Timestamp` (Unix seconds) lies within the window around `now` (ms). */
export function timestampFresh(
  timestamp: string | undefined,
  now: number,
  windowMs = SIGNATURE_WINDOW_MS,
): boolean {
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(now - Number(timestamp) * 1000) <= windowMs;
}

/**
 * Interaction ids answered recently, oldest first (a Map keeps insertion order), so expiry and the size cap only
 * ever look at the front: O(1) per request.
 */
export class RecentInteractionIds {
  readonly #seenAt = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(options: { readonly ttlMs: number; readonly max: number }) {
    if (!(options.ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, received ${options.ttlMs}`);
    if (!Number.isInteger(options.max) || options.max < 1)
      throw new RangeError(`max must be a positive integer, received ${options.max}`);
    this.#ttlMs = options.ttlMs;
    this.#max = options.max;
  }

  /** Records `id` at `now`; false when it was already seen within the lifetime (a replay). */
  add(id: string, now: number): boolean {
    for (const [old, at] of this.#seenAt) {
      if (at > now - this.#ttlMs && this.#seenAt.size < this.#max) break;
      this.#seenAt.delete(old);
    }
    if (this.#seenAt.has(id)) return false;
    this.#seenAt.set(id, now);
    return true;
  }

  get size(): number {
    return this.#seenAt.size;
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export interface InteractionsHandlerOptions {
  readonly publicKeyHex: string;
  readonly router: InteractionRouter;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: FrontEndMetrics;
  readonly maxBodyBytes?: number;
  /** Interaction ids remembered to refuse a replay (default DEFAULT_RECENT_IDS). */
  readonly maxRecentIds?: number;
}

const interactionIdOf = (payload: unknown): string | null => {
  if (typeof payload !== 'object' || payload === null) return null;
  const id = (payload as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? id : null;
};

/** The `POST /interactions` handler. */
export function createInteractionsHandler(options: InteractionsHandlerOptions): RouteHandler {
  const key = ed25519PublicKey(options.publicKeyHex);
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_INTERACTION_BYTES;
  if (!(maxBytes > 0)) throw new RangeError(`maxBodyBytes must be > 0, received ${maxBytes}`);
  const metrics = options.metrics ?? noopMetrics;
  const recent = new RecentInteractionIds({
    ttlMs: 2 * SIGNATURE_WINDOW_MS,
    max: options.maxRecentIds ?? DEFAULT_RECENT_IDS,
  });
  return async (req: IncomingMessage, res: ServerResponse) => {
    const read = await readBody(req, maxBytes);
    // The clock is read after the body arrived: that is when Discord's request reached us in full.
    const receivedAt = options.clock.now();
    if (!read.ok) {
      sendJson(res, read.status, { error: read.status === 413 ? 'body too large' : 'bad request' });
      return;
    }
    const signature = header(req, 'x-signature-ed25519');
    const timestamp = header(req, 'x-signature-timestamp');
    if (!verifyInteractionSignature(key, signature, timestamp, read.body)) {
      metrics.interaction('unknown', 'bad_signature');
      sendJson(res, 401, { error: 'invalid request signature' });
      return;
    }
    // The timestamp is covered by the signature, so only its age is left to check: an old capture is a replay.
    if (!timestampFresh(timestamp, receivedAt)) {
      metrics.interaction('unknown', 'stale_signature');
      sendJson(res, 401, { error: 'request timestamp outside the accepted window' });
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(read.body.toString('utf8')) as unknown;
    } catch (e: unknown) {
      options.logger.warn({ err: toAppError(e).code }, 'signed interaction body is not JSON');
      sendJson(res, 400, { error: 'body is not JSON' });
      return;
    }
    const id = interactionIdOf(payload);
    if (id !== null && !recent.add(id, receivedAt)) {
      metrics.interaction('unknown', 'replay');
      sendJson(res, 409, { error: 'interaction already handled' });
      return;
    }
    const answer = await options.router.handleHttpInteraction(payload, receivedAt);
    let reported = false;
    const report = (delivered: boolean): void => {
      if (reported) return;
      reported = true;
      answer.afterSent(delivered);
    };
    res.once('finish', () => report(true));
    res.once('close', () => report(res.writableFinished));
    sendJson(res, answer.status, answer.body);
  };
}

export interface HttpFrontEndOptions {
  readonly publicKey: string;
  readonly applicationId: string;
  readonly apiBase: string;
  /** Bot token, for the routes that need one (channel fallback); interaction routes carry none. */
  readonly token?: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly services: AppServices;
  readonly host: string;
  readonly port: number;
  /** A Prometheus metrics set of its own by default. */
  readonly metrics?: PromFrontEndMetrics;
  /** Serve `/metrics` on this (public) listener; false when it lives on a loopback listener of its own. */
  readonly serveMetrics?: boolean;
  readonly transport?: DiscordTransport;
  readonly checks?: Readonly<Record<string, HealthCheck>>;
  readonly maxBodyBytes?: number;
  readonly responder?: InteractionRouterOptions['responder'];
  /** Records each /autointel request durably before it is answered (WorkflowStore.claimInteraction). */
  readonly claim?: InteractionClaim;
}

export interface HttpFrontEnd extends FrontEnd {
  readonly http: HttpServer;
  readonly metrics: PromFrontEndMetrics;
  /** The listening address, once started. */
  url(): string;
}

export function createHttpFrontEnd(options: HttpFrontEndOptions): HttpFrontEnd {
  if (!/^\d{5,25}$/.test(options.applicationId)) {
    throw new RangeError(
      `createHttpFrontEnd: applicationId must be a snowflake, received '${options.applicationId}'`,
    );
  }
  const ownTransport = options.transport === undefined;
  const transport =
    options.transport ??
    new UndiciTransport({
      apiBase: options.apiBase,
      ...(options.token === undefined ? {} : { botToken: options.token }),
    });
  const logger = options.logger.child({ component: 'http-interactions' });
  const metrics = options.metrics ?? new PromFrontEndMetrics({ mode: 'http' });
  const router = new InteractionRouter({
    services: options.services,
    clock: options.clock,
    logger,
    transport,
    apiBase: options.apiBase,
    metrics,
    mode: 'http',
    ...(options.responder === undefined ? {} : { responder: options.responder }),
    ...(options.claim === undefined ? {} : { claim: options.claim }),
  });
  const http = createHttpServer({
    host: options.host,
    port: options.port,
    clock: options.clock,
    logger: options.logger,
    mode: 'http',
    ...(options.serveMetrics === false ? {} : { metrics: metrics.registry }),
    ...(options.checks === undefined ? {} : { checks: options.checks }),
  });
  http.route(
    'POST',
    '/interactions',
    createInteractionsHandler({
      publicKeyHex: options.publicKey,
      router,
      clock: options.clock,
      logger,
      metrics,
      ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    }),
  );
  let address = '';
  return {
    router,
    http,
    metrics,
    url: () => address,
    async start() {
      address = (await http.start()).url;
    },
    async stop() {
      await http.stop();
      await router.idle();
      if (ownTransport) await transport.close();
    },
  };
}
