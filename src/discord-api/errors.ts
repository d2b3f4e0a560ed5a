// The one Discord error type (Discord's numeric code, HTTP status, method, route template — never a token) and the
// one reader of server-supplied delays, capped so a hostile Retry-After cannot park anything for a year.
import { AppError } from '../core/errors.js';

/** The Discord JSON error code of an error answer, if the body has one. Match on this, never on `message`. */
export function discordErrorCode(body: unknown): number | undefined {
  if (typeof body === 'object' && body !== null && 'code' in body) {
    const code = (body as { code: unknown }).code;
    if (typeof code === 'number' && Number.isInteger(code)) return code;
  }
  return undefined;
}

export interface DiscordApiErrorInit {
  readonly status: number;
  /** Discord's numeric code from the body (50035, 10062…); undefined when the body had none. */
  readonly discordCode: number | undefined;
  readonly method: string;
  /** The route template (`POST /webhooks/:id/:token`): tokens and ids never appear in it. */
  readonly route: string;
  readonly retryAfterMs?: number;
}

/** Discord refused a request (or answered 5xx). `code` is `discord.<numeric code>` or `discord.http_<status>`. */
export class DiscordApiError extends AppError {
  readonly status: number;
  readonly discordCode: number | undefined;
  readonly method: string;
  readonly route: string;

  constructor(init: DiscordApiErrorInit) {
    const code =
      init.discordCode !== undefined && init.discordCode !== 0 ? init.discordCode : `http_${init.status}`;
    super(
      `discord.${code}`,
      `Discord answered ${init.status}${init.discordCode === undefined ? '' : ` (code ${init.discordCode})`} to ${init.route}`,
      {
        retryable: init.status >= 500 || init.status === 429,
        ...(init.retryAfterMs === undefined ? {} : { retryAfterMs: init.retryAfterMs }),
        context: {
          status: init.status,
          discordCode: init.discordCode,
          method: init.method,
          route: init.route,
        },
        userMessage: 'Discord refused a message from the bot.',
      },
    );
    this.name = `DiscordApiError[${code}]`;
    this.status = init.status;
    this.discordCode = init.discordCode;
    this.method = init.method;
    this.route = init.route;
  }
}

/** No server-supplied delay is honoured beyond this unless the caller says less: the retry maximum (5 min). */
export const MAX_SERVER_DELAY_MS = 5 * 60_000;

const seconds = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
};

const headerOf = (
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined => {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * How long Discord asks us to wait, in ms: the 429 body's `retry_after`, else `Retry-After`, else
 * `X-RateLimit-Reset-After` (all in seconds), else `fallbackMs`; never negative and never above `maxMs`.
 */
export function serverDelayMs(
  body: unknown,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  options: { readonly maxMs?: number; readonly fallbackMs?: number } = {},
): number {
  const max = options.maxMs ?? MAX_SERVER_DELAY_MS;
  const fromBody =
    typeof body === 'object' && body !== null && 'retry_after' in body
      ? seconds((body as { retry_after: unknown }).retry_after)
      : undefined;
  const s =
    fromBody ??
    seconds(headerOf(headers, 'retry-after')) ??
    seconds(headerOf(headers, 'x-ratelimit-reset-after'));
  const ms = s === undefined ? (options.fallbackMs ?? 1_000) : Math.ceil(s * 1000);
  return Math.min(Math.max(0, ms), max);
}

/** Caps a delay already in ms (a reset time learnt from headers) the same way. */
export function capDelayMs(ms: number, maxMs = MAX_SERVER_DELAY_MS): number {
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), maxMs) : maxMs;
}
