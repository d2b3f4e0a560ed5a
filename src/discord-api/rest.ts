// The typed Discord REST client used by delivery and notices alike: webhooks, interaction followups and edits,
// channel messages, with the one rate limiter in front and the one transport (undici, one user agent) underneath.
import type { Logger } from '../core/logger.js';
import { toAppError } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';
import { DiscordApiError, discordErrorCode, serverDelayMs, MAX_SERVER_DELAY_MS } from './errors.js';
import { toWireBody, type DiscordMessage } from './message.js';
import type { RateLimiter, RouteInfo } from './ratelimit.js';
import type { DiscordTransport, HttpMethod } from './transport.js';

/** A webhook's id and token (the token is a secret: never logged, stored only sealed). */
export interface WebhookCredentials {
  readonly id: string;
  readonly token: string;
}

export type RestResult =
  | { readonly kind: 'ok'; readonly messageId: string; readonly body: unknown }
  | {
      readonly kind: 'rate_limited';
      /** Already capped at the client's `maxDelayMs`. */
      readonly retryAfterMs: number;
      readonly global: boolean;
      readonly scope: string | null;
    }
  /** 5xx, timeout or reset: ambiguous, the request may have been applied. */
  | { readonly kind: 'transient'; readonly error: string }
  /** A 4xx other than 429; `code` is Discord's numeric error code (0 when the body had none). */
  | {
      readonly kind: 'rejected';
      readonly status: number;
      readonly code: number;
      readonly error: DiscordApiError;
    };

/** A message read back from a channel (for reconciliation). */
export interface ChannelMessage {
  readonly id: string;
  readonly content: string;
  readonly footers: readonly string[];
}

export interface DiscordRestOptions {
  /** The one transport (its bot token serves the channel routes; webhook routes carry none). */
  readonly transport: DiscordTransport;
  readonly logger: Logger;
  readonly limiter: RateLimiter;
  /** Per request, for headers and for the body (real time: network timeouts are not business time). */
  readonly timeoutMs?: number;
  /** Longest 429 wait reported to callers (a hostile Retry-After is capped to this). */
  readonly maxDelayMs?: number;
}

const enc = encodeURIComponent;
const webhookPath = (hook: WebhookCredentials): string => `/webhooks/${enc(hook.id)}/${enc(hook.token)}`;
const messagePath = (messageId: string): string =>
  `/messages/${messageId === '@original' ? messageId : enc(messageId)}`;

interface Call {
  readonly method: HttpMethod;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly msg: DiscordMessage | null;
  readonly info: RouteInfo;
  readonly auth: 'bot' | 'none';
  readonly extra?: Record<string, unknown>;
  readonly signal?: AbortSignal | undefined;
}

export class DiscordRestClient {
  readonly #transport: DiscordTransport;
  readonly #logger: Logger;
  readonly #limiter: RateLimiter;
  readonly #timeoutMs: number;
  readonly #maxDelayMs: number;

  constructor(options: DiscordRestOptions) {
    this.#transport = options.transport;
    this.#logger = options.logger;
    this.#limiter = options.limiter;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#maxDelayMs = options.maxDelayMs ?? MAX_SERVER_DELAY_MS;
    if (!(this.#timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, received ${this.#timeoutMs}`);
    if (!(this.#maxDelayMs > 0)) throw new RangeError(`maxDelayMs must be > 0, received ${this.#maxDelayMs}`);
  }

  /** Executes a webhook with `wait=true`: Discord answers with the saved message (or an error). */
  executeWebhook(hook: WebhookCredentials, msg: DiscordMessage, signal?: AbortSignal): Promise<RestResult> {
    return this.#send({
      method: 'POST',
      path: webhookPath(hook),
      query: { wait: 'true' },
      msg,
      info: {
        route: 'POST /webhooks/:id/:token',
        major: hook.id,
        pacing: [
          { pacer: 'webhook', key: hook.id },
          { pacer: 'channelMessages', key: `webhook:${hook.id}` },
        ],
      },
      auth: 'none',
      signal,
    });
  }

  editWebhookMessage(
    hook: WebhookCredentials,
    messageId: string,
    msg: DiscordMessage,
    signal?: AbortSignal,
  ): Promise<RestResult> {
    return this.#send({
      method: 'PATCH',
      path: webhookPath(hook) + messagePath(messageId),
      msg: withoutFlags(msg),
      info: {
        route: 'PATCH /webhooks/:id/:token/messages/:message_id',
        major: hook.id,
        pacing: [{ pacer: 'webhook', key: hook.id }],
      },
      auth: 'none',
      signal,
    });
  }

  /** PATCH `@original` of an interaction (no Authorization header; exempt from the global limit). */
  editOriginal(
    applicationId: string,
    token: string,
    msg: DiscordMessage,
    signal?: AbortSignal,
  ): Promise<RestResult> {
    return this.#send({
      method: 'PATCH',
      path: webhookPath({ id: applicationId, token }) + messagePath('@original'),
      msg: withoutFlags(msg),
      info: {
        route: 'PATCH /webhooks/:app/:token/messages/@original',
        major: `${applicationId}:${token.slice(-8)}`,
        exemptFromGlobal: true,
      },
      auth: 'none',
      signal,
    });
  }

  /** A followup message of an interaction. */
  createFollowup(
    applicationId: string,
    token: string,
    msg: DiscordMessage,
    signal?: AbortSignal,
  ): Promise<RestResult> {
    return this.#send({
      method: 'POST',
      path: webhookPath({ id: applicationId, token }),
      msg,
      info: {
        route: 'POST /webhooks/:app/:token',
        major: `${applicationId}:${token.slice(-8)}`,
        exemptFromGlobal: true,
      },
      auth: 'none',
      signal,
    });
  }

  /**
   * A channel message with the bot token. `nonce` + `enforce_nonce` make Discord itself drop a duplicate of the
   * same part sent again within its dedupe window. Channel messages have no ephemeral flag: it is dropped.
   */
  createChannelMessage(
    channelId: string,
    msg: DiscordMessage,
    nonce: string | undefined,
    signal?: AbortSignal,
  ): Promise<RestResult> {
    return this.#send({
      method: 'POST',
      path: `/channels/${enc(channelId)}/messages`,
      msg: withoutFlags(msg),
      info: {
        route: 'POST /channels/:id/messages',
        major: channelId,
        pacing: [{ pacer: 'channelMessages', key: `channel:${channelId}` }],
      },
      auth: 'bot',
      extra: nonce !== undefined ? { nonce, enforce_nonce: true } : {},
      signal,
    });
  }

  editChannelMessage(
    channelId: string,
    messageId: string,
    msg: DiscordMessage,
    signal?: AbortSignal,
  ): Promise<RestResult> {
    return this.#send({
      method: 'PATCH',
      path: `/channels/${enc(channelId)}/messages/${enc(messageId)}`,
      msg: withoutFlags(msg),
      info: { route: 'PATCH /channels/:id/messages/:message_id', major: channelId },
      auth: 'bot',
      signal,
    });
  }

  /** The most recent messages of a channel (newest first), to find a part whose delivery was ambiguous. */
  async listChannelMessages(
    channelId: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<{ kind: 'ok'; messages: ChannelMessage[] } | Exclude<RestResult, { kind: 'ok' }>> {
    const res = await this.#send({
      method: 'GET',
      path: `/channels/${enc(channelId)}/messages`,
      query: { limit: String(Math.max(1, Math.min(100, limit))) },
      msg: null,
      info: { route: 'GET /channels/:id/messages', major: channelId },
      auth: 'bot',
      signal,
    });
    if (res.kind !== 'ok') return res;
    const raw = Array.isArray(res.body) ? (res.body as unknown[]) : [];
    const messages = raw.map((m): ChannelMessage => {
      const o = m as { id?: unknown; content?: unknown; embeds?: unknown };
      const embeds = Array.isArray(o.embeds) ? (o.embeds as { footer?: { text?: unknown } }[]) : [];
      return {
        id: typeof o.id === 'string' ? o.id : '',
        content: typeof o.content === 'string' ? o.content : '',
        footers: embeds.map((e) => e.footer?.text).filter((t): t is string => typeof t === 'string'),
      };
    });
    return { kind: 'ok', messages };
  }

  async #send(call: Call): Promise<RestResult> {
    const { method, info } = call;
    try {
      await this.#limiter.acquire(info, call.signal);
    } catch (e: unknown) {
      return { kind: 'transient', error: toAppError(e).code };
    }
    const res = await this.#transport.send({
      method,
      path: call.path,
      ...(call.query === undefined ? {} : { query: call.query }),
      ...(call.msg === null ? {} : { body: toWireBody(call.msg, call.extra) }),
      auth: call.auth,
      timeoutMs: this.#timeoutMs,
      ...(call.signal === undefined ? {} : { signal: call.signal }),
    });
    if (res.kind === 'network_error') {
      this.#logger.warn(
        { route: info.route, error: redactSecrets(res.error.message) },
        'discord request failed in transit',
      );
      return { kind: 'transient', error: redactSecrets(res.error.message) };
    }
    const { status, body, headers } = res;
    const retryAfterS = (body as { retry_after?: unknown } | null)?.retry_after;
    const global = (body as { global?: unknown } | null)?.global === true;
    this.#limiter.update(info, {
      status,
      headers,
      ...(typeof retryAfterS === 'number' ? { retryAfterS } : {}),
      global,
    });
    if (status >= 200 && status < 300) {
      const id = (body as { id?: unknown } | null)?.id;
      return { kind: 'ok', messageId: typeof id === 'string' ? id : '', body };
    }
    if (status === 429) {
      const retryAfterMs = serverDelayMs(body, headers, { maxMs: this.#maxDelayMs });
      const scope = headers['x-ratelimit-scope'];
      this.#logger.info({ route: info.route, retryAfterMs, global }, 'discord rate limited');
      return { kind: 'rate_limited', retryAfterMs, global, scope: scope ?? null };
    }
    if (status >= 500) return { kind: 'transient', error: `HTTP ${status}` };
    const code = discordErrorCode(body);
    const error = new DiscordApiError({ status, discordCode: code, method, route: info.route });
    this.#logger.warn({ route: info.route, status, code }, 'discord rejected a request');
    return { kind: 'rejected', status, code: code ?? 0, error };
  }
}

/** Edits and channel messages cannot carry the ephemeral flag; sending it would only invite a form error. */
function withoutFlags(msg: DiscordMessage): DiscordMessage {
  if (msg.flags === undefined) return msg;
  const { flags: _flags, ...rest } = msg;
  return rest;
}
