// The one HTTP path to Discord: undici, one user agent, one request → one answer (or a network failure), no retry
// of its own (an interaction callback must never be re-sent blindly). Callers decide what to retry.
import { Agent, request, type FormData } from 'undici';
import { toAppError, type AppError } from '../core/errors.js';
import type { WireBody } from './message.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

export interface RestRequest {
  readonly method: HttpMethod;
  /** Path below the API base, starting with '/', e.g. `/interactions/1/tok/callback`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: WireBody;
  /** Interaction callback and interaction-webhook routes carry no Authorization header. */
  readonly auth: 'bot' | 'none';
  /** Time allowed for the answer's headers and for its body. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export type RestResponse =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** Parsed JSON when the answer was JSON, else the text (or null when empty). */
      readonly body: unknown;
      readonly headers: Readonly<Record<string, string>>;
    }
  /** Timeout, reset, refused: the request may or may not have been applied by Discord. */
  | { readonly kind: 'network_error'; readonly error: AppError; readonly timedOut: boolean };

export interface DiscordTransport {
  send(req: RestRequest): Promise<RestResponse>;
  close(): Promise<void>;
}

export interface UndiciTransportOptions {
  /** e.g. `https://discord.com/api` (config `DISCORD_API_BASE`); `/v10` is appended. */
  readonly apiBase: string;
  readonly botToken?: string;
  /**
   * Idle sockets are dropped after this long. Short on purpose: a pooled socket the peer has silently closed makes
   * the next request fail with a reset, and the interaction callback cannot afford that.
   */
  readonly keepAliveTimeoutMs?: number;
  readonly userAgent?: string;
}

/** The bot's one user agent, in the form Discord asks for (`DiscordBot ($url, $version)`). */
export const USER_AGENT = 'DiscordBot (https://github.com/autointel/autointel, 0.1.0)';

const DefaultUndiciTransportOptions = {
  keepAliveTimeoutMs: 4_000,
  userAgent: USER_AGENT,
} as const satisfies Partial<UndiciTransportOptions>;

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export class UndiciTransport implements DiscordTransport {
  readonly #base: string;
  readonly #botToken: string | undefined;
  readonly #agent: Agent;
  readonly #userAgent: string;

  constructor(options: UndiciTransportOptions) {
    if (!/^https?:\/\/\S+$/.test(options.apiBase)) {
      throw new RangeError(`UndiciTransport: apiBase must be an http(s) URL, received '${options.apiBase}'`);
    }
    const keepAlive = options.keepAliveTimeoutMs ?? DefaultUndiciTransportOptions.keepAliveTimeoutMs;
    this.#base = `${options.apiBase.replace(/\/+$/, '')}/v10`;
    this.#botToken = options.botToken;
    this.#userAgent = options.userAgent ?? DefaultUndiciTransportOptions.userAgent;
    this.#agent = new Agent({ keepAliveTimeout: keepAlive, keepAliveMaxTimeout: keepAlive, pipelining: 1 });
  }

  async send(req: RestRequest): Promise<RestResponse> {
    const url = new URL(this.#base + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { 'user-agent': this.#userAgent };
    if (req.auth === 'bot') {
      if (this.#botToken === undefined) {
        return {
          kind: 'network_error',
          timedOut: false,
          error: toAppError(
            new Error('No bot token configured for an authenticated route'),
            'discord.no_token',
          ),
        };
      }
      headers['authorization'] = `Bot ${this.#botToken}`;
    }
    let body: string | FormData | undefined;
    if (req.body?.kind === 'json') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body.json);
    } else if (req.body?.kind === 'multipart') {
      body = req.body.form;
    }
    try {
      const res = await request(url, {
        method: req.method,
        headers,
        body: body ?? null,
        dispatcher: this.#agent,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        ...(req.signal === undefined ? {} : { signal: req.signal }),
      });
      const text = await res.body.text();
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (typeof v === 'string') flat[k] = v;
        else if (Array.isArray(v)) flat[k] = v.join(', ');
      }
      let parsed: unknown = text === '' ? null : text;
      if (text !== '' && (flat['content-type'] ?? '').includes('application/json')) {
        try {
          parsed = JSON.parse(text) as unknown;
        } catch (e: unknown) {
          parsed = { invalidJson: toAppError(e).message };
        }
      }
      return { kind: 'response', status: res.statusCode, body: parsed, headers: flat };
    } catch (e: unknown) {
      const code =
        typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
      return {
        kind: 'network_error',
        timedOut: TIMEOUT_CODES.has(code),
        error: toAppError(e, 'discord.network'),
      };
    }
  }

  /** Whether a bot token is configured (routes with `auth: 'bot'` need one). */
  get hasBotToken(): boolean {
    return this.#botToken !== undefined;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
