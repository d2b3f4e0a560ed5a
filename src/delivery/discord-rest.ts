// A small Discord REST client over undici for delivery: webhooks, interaction replies, channel messages; typed results.
import { FormData, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { Logger } from '../core/logger.js';
import { toAppError } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';
import type { RenderedMessage } from './limits.js';
import type { RateLimiter, RouteInfo } from './ratelimit.js';
import type { WebhookCredentials } from './webhook-url.js';
import { webhookExecuteUrl, webhookMessageUrl } from './webhook-url.js';

export type RestResult =
  | { readonly kind: 'ok'; readonly messageId: string; readonly body: unknown }
  | {
      readonly kind: 'rate_limited';
      readonly retryAfterMs: number;
      readonly global: boolean;
      readonly scope: string | null;
    }
  /** 5xx, timeout or reset: ambiguous, the request may have been applied. */
  | { readonly kind: 'transient'; readonly error: string }
  /** A 4xx other than 429; `code` is Discord's numeric error code (0 when the body had none). */
  | { readonly kind: 'rejected'; readonly status: number; readonly code: number };

/** A message read back from a channel (for reconciliation). */
export interface ChannelMessage {
  readonly id: string;
  readonly content: string;
  readonly footers: readonly string[];
}

export interface DiscordRestOptions {
  readonly apiBase: string;
  readonly logger: Logger;
  readonly limiter: RateLimiter;
  /** Per request, for headers and for the body (real time: network timeouts are not business time). */
  readonly timeoutMs?: number;
  readonly dispatcher?: Dispatcher;
  readonly userAgent?: string;
}

type Method = 'GET' | 'POST' | 'PATCH';

const errorCode = (body: unknown): number => {
  const c = (body as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : 0;
};

/** The JSON part of a message: files become `attachments` entries, referenced by `files[n]`. */
function payloadJson(msg: RenderedMessage, extra: Record<string, unknown>): Record<string, unknown> {
  const { files, ...rest } = msg;
  const out: Record<string, unknown> = { ...rest, ...extra };
  if (files !== undefined && files.length > 0)
    out['attachments'] = files.map((f, i) => ({ id: i, filename: f.name }));
  return out;
}

export class DiscordRestClient {
  readonly #apiBase: string;
  readonly #logger: Logger;
  readonly #limiter: RateLimiter;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #userAgent: string;

  constructor(options: DiscordRestOptions) {
    if (!/^https?:\/\//.test(options.apiBase))
      throw new RangeError(`apiBase must be an http(s) URL, received ${JSON.stringify(options.apiBase)}`);
    this.#apiBase = options.apiBase.replace(/\/+$/, '');
    this.#logger = options.logger;
    this.#limiter = options.limiter;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#dispatcher = options.dispatcher;
    this.#userAgent = options.userAgent ?? 'DiscordBot (https://github.com/autointel, 0.1)';
  }

  get apiBase(): string {
    return this.#apiBase;
  }

  /** Executes a webhook with `wait=true`: Discord answers with the saved message (or an error). */
  executeWebhook(hook: WebhookCredentials, msg: RenderedMessage, signal?: AbortSignal): Promise<RestResult> {
    return this.#send(
      'POST',
      webhookExecuteUrl(this.#apiBase, hook),
      msg,
      {
        route: 'POST /webhooks/:id/:token',
        major: hook.id,
        pacing: [
          { pacer: 'webhook', key: hook.id },
          { pacer: 'channelMessages', key: `webhook:${hook.id}` },
        ],
      },
      signal,
    );
  }

  editWebhookMessage(
    hook: WebhookCredentials,
    messageId: string,
    msg: RenderedMessage,
    signal?: AbortSignal,
  ): Promise<RestResult> {
    return this.#send(
      'PATCH',
      webhookMessageUrl(this.#apiBase, hook, messageId),
      msg,
      {
        route: 'PATCH /webhooks/:id/:token/messages/:message_id',
        major: hook.id,
        pacing: [{ pacer: 'webhook', key: hook.id }],
      },
      signal,
    );
  }

  /** PATCH `@original` of an interaction (no Authorization header; exempt from the global limit). */
  editOriginal(
    applicationId: string,
    token: string,
    msg: RenderedMessage,
    signal?: AbortSignal,
  ): Promise<RestResult> {
    return this.#send(
      'PATCH',
      webhookMessageUrl(this.#apiBase, { id: applicationId, token }, '@original'),
      msg,
      {
        route: 'PATCH /webhooks/:app/:token/messages/@original',
        major: `${applicationId}:${token.slice(-8)}`,
        exemptFromGlobal: true,
      },
      signal,
    );
  }

  /** A followup message of an interaction. */
  createFollowup(
    applicationId: string,
    token: string,
    msg: RenderedMessage,
    signal?: AbortSignal,
  ): Promise<RestResult> {
    return this.#send(
      'POST',
      webhookExecuteUrl(this.#apiBase, { id: applicationId, token }),
      msg,
      {
        route: 'POST /webhooks/:app/:token',
        major: `${applicationId}:${token.slice(-8)}`,
        exemptFromGlobal: true,
      },
      signal,
    );
  }

  /**
   * A channel message with the bot token. `nonce` + `enforce_nonce` make Discord itself drop a duplicate of the
   * same part sent again within its dedupe window.
   */
  createChannelMessage(
    channelId: string,
    botToken: string,
    msg: RenderedMessage,
    nonce: string | undefined,
    signal?: AbortSignal,
  ): Promise<RestResult> {
    const extra = nonce !== undefined ? { nonce, enforce_nonce: true } : {};
    return this.#send(
      'POST',
      `${this.#apiBase}/channels/${encodeURIComponent(channelId)}/messages`,
      msg,
      {
        route: 'POST /channels/:id/messages',
        major: channelId,
        pacing: [{ pacer: 'channelMessages', key: `channel:${channelId}` }],
      },
      signal,
      botToken,
      extra,
    );
  }

  editChannelMessage(
    channelId: string,
    messageId: string,
    botToken: string,
    msg: RenderedMessage,
    signal?: AbortSignal,
  ): Promise<RestResult> {
    const url = `${this.#apiBase}/channels/${encodeURIComponent(channelId)}/messages/${encodeURIComponent(messageId)}`;
    return this.#send(
      'PATCH',
      url,
      msg,
      { route: 'PATCH /channels/:id/messages/:message_id', major: channelId },
      signal,
      botToken,
    );
  }

  /** The most recent messages of a channel (newest first), to find a part whose delivery was ambiguous. */
  async listChannelMessages(
    channelId: string,
    botToken: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<{ kind: 'ok'; messages: ChannelMessage[] } | Exclude<RestResult, { kind: 'ok' }>> {
    const url = `${this.#apiBase}/channels/${encodeURIComponent(channelId)}/messages?limit=${Math.max(1, Math.min(100, limit))}`;
    const res = await this.#send(
      'GET',
      url,
      null,
      { route: 'GET /channels/:id/messages', major: channelId },
      signal,
      botToken,
    );
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

  async #send(
    method: Method,
    url: string,
    msg: RenderedMessage | null,
    info: RouteInfo,
    signal: AbortSignal | undefined,
    botToken?: string,
    extra: Record<string, unknown> = {},
  ): Promise<RestResult> {
    const safeUrl = redactSecrets(url);
    try {
      await this.#limiter.acquire(info, signal);
    } catch (e: unknown) {
      return { kind: 'transient', error: toAppError(e).code };
    }
    const headers: Record<string, string> = { 'user-agent': this.#userAgent };
    if (botToken !== undefined) headers['authorization'] = `Bot ${botToken}`;
    let body: string | FormData | undefined;
    if (msg !== null) {
      const json = payloadJson(msg, extra);
      if (msg.files !== undefined && msg.files.length > 0) {
        const form = new FormData();
        form.append('payload_json', JSON.stringify(json));
        msg.files.forEach((f, i) => {
          form.append(
            `files[${i}]`,
            new Blob([Buffer.from(f.contentBase64, 'base64')], { type: 'text/markdown' }),
            f.name,
          );
        });
        body = form;
      } else {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(json);
      }
    }
    let status: number;
    let resHeaders: Record<string, string | string[] | undefined>;
    let parsed: unknown = null;
    try {
      const res = await request(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        ...(signal !== undefined ? { signal } : {}),
        ...(this.#dispatcher !== undefined ? { dispatcher: this.#dispatcher } : {}),
      });
      status = res.statusCode;
      resHeaders = res.headers;
      const text = await res.body.text();
      if (text !== '') {
        try {
          parsed = JSON.parse(text) as unknown;
        } catch {
          parsed = null;
        }
      }
    } catch (e: unknown) {
      const err = toAppError(e, 'discord.network');
      this.#logger.warn({ method, url: safeUrl, error: err.message }, 'discord request failed in transit');
      return { kind: 'transient', error: redactSecrets(err.message) };
    }
    const retryAfter = (parsed as { retry_after?: unknown } | null)?.retry_after;
    const global = (parsed as { global?: unknown } | null)?.global === true;
    this.#limiter.update(info, {
      status,
      headers: resHeaders,
      ...(typeof retryAfter === 'number' ? { retryAfterS: retryAfter } : {}),
      global,
    });
    if (status >= 200 && status < 300) {
      const id = (parsed as { id?: unknown } | null)?.id;
      return { kind: 'ok', messageId: typeof id === 'string' ? id : '', body: parsed };
    }
    if (status === 429) {
      const h = resHeaders['retry-after'];
      const fromHeader = Number(Array.isArray(h) ? h[0] : h);
      const s = typeof retryAfter === 'number' ? retryAfter : Number.isFinite(fromHeader) ? fromHeader : 1;
      const scope = resHeaders['x-ratelimit-scope'];
      this.#logger.info({ method, url: safeUrl, retryAfterS: s, global }, 'discord rate limited');
      return {
        kind: 'rate_limited',
        retryAfterMs: Math.ceil(s * 1000),
        global,
        scope: typeof scope === 'string' ? scope : null,
      };
    }
    if (status >= 500) return { kind: 'transient', error: `HTTP ${status}` };
    const code = errorCode(parsed);
    this.#logger.warn({ method, url: safeUrl, status, code }, 'discord rejected a request');
    return { kind: 'rejected', status, code };
  }
}
