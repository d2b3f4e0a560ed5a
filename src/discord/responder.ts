// What handlers use to talk back after the initial response: edits, followups and deletes on the interaction token,
// refused (as a typed value) once the token is too old, so the caller hands over to channel/webhook delivery.
import type { Clock } from '../core/clock.js';
import type { AppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { EPHEMERAL, toWireBody, type DiscordMessage } from '../discord-api/message.js';
import type { InteractionSession } from './session.js';
import { DiscordApiError, discordErrorCode, serverDelayMs } from '../discord-api/errors.js';
import { type HttpMethod, type RestResponse } from '../discord-api/transport.js';

export type ExpiredReason =
  /** Less than the safety margin of the 15-minute token life is left. */
  | 'token_age'
  /** The initial response never landed (10062 or a refused callback): the token cannot be used. */
  | 'not_acknowledged'
  /** Discord keeps answering 10015 Unknown Webhook for this token. */
  | 'unknown_webhook'
  /** 50027 Invalid Webhook Token: the token died. */
  | 'invalid_token';

export type ResponderOutcome =
  | { readonly kind: 'ok'; readonly messageId: string | null }
  | { readonly kind: 'expired'; readonly reason: ExpiredReason }
  | { readonly kind: 'failed'; readonly error: AppError };

export interface Responder {
  /** Edits the original response (the loading message after a defer). */
  editOriginal(msg: DiscordMessage): Promise<ResponderOutcome>;
  /** A new message in the interaction's channel (public unless the message sets the ephemeral flag). */
  followup(msg: DiscordMessage): Promise<ResponderOutcome>;
  /** A followup only the invoking user sees. After a public defer the loading message is deleted first. */
  ephemeralFollowup(msg: DiscordMessage): Promise<ResponderOutcome>;
  deleteOriginal(): Promise<ResponderOutcome>;
  /** Time left before the interaction token dies. */
  tokenRemainingMs(): number;
}

export interface InteractionResponderOptions {
  readonly session: InteractionSession;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Refuse to use a token with less than this left (default 60 s). */
  readonly minRemainingMs?: number;
  /** Waits before re-trying after 10015 (Discord may not know the token yet right after a defer). */
  readonly unknownWebhookRetryDelaysMs?: readonly number[];
  /** Waits before re-trying an idempotent request (PATCH, DELETE) after a 5xx or network failure. */
  readonly transientRetryDelaysMs?: readonly number[];
  /** Longest 429 wait honoured in place; longer ones fail as retryable. */
  readonly maxRateLimitWaitMs?: number;
  readonly requestTimeoutMs?: number;
}

const DefaultResponderOptions = {
  minRemainingMs: 60_000,
  unknownWebhookRetryDelaysMs: [250, 750, 2_000],
  transientRetryDelaysMs: [300, 1_000],
  maxRateLimitWaitMs: 10_000,
  requestTimeoutMs: 10_000,
} as const satisfies Partial<InteractionResponderOptions>;

export class InteractionResponder implements Responder {
  readonly #session: InteractionSession;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #minRemainingMs: number;
  readonly #unknownDelays: readonly number[];
  readonly #transientDelays: readonly number[];
  readonly #maxRateLimitWaitMs: number;
  readonly #timeoutMs: number;
  /** Set once the original was edited, deleted or replaced by a first followup. */
  #originalTouched = false;

  constructor(options: InteractionResponderOptions) {
    this.#session = options.session;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#minRemainingMs = options.minRemainingMs ?? DefaultResponderOptions.minRemainingMs;
    this.#unknownDelays =
      options.unknownWebhookRetryDelaysMs ?? DefaultResponderOptions.unknownWebhookRetryDelaysMs;
    this.#transientDelays = options.transientRetryDelaysMs ?? DefaultResponderOptions.transientRetryDelaysMs;
    this.#maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? DefaultResponderOptions.maxRateLimitWaitMs;
    this.#timeoutMs = options.requestTimeoutMs ?? DefaultResponderOptions.requestTimeoutMs;
    if (this.#minRemainingMs < 0)
      throw new RangeError(`minRemainingMs must be >= 0, received ${this.#minRemainingMs}`);
  }

  tokenRemainingMs(): number {
    return this.#session.tokenRemainingMs();
  }

  /** Whether the original is still Discord's "thinking…" loading message of a public defer. */
  #publicLoadingMessage(): boolean {
    const initial = this.#session.initialResponse;
    return !this.#originalTouched && initial?.type === 5 && !initial.ephemeral;
  }

  async editOriginal(msg: DiscordMessage): Promise<ResponderOutcome> {
    // Edits cannot change flags; sending them would only invite a form error.
    const { flags: _flags, ...rest } = msg;
    const out = await this.#send('PATCH', '/messages/@original', rest, true);
    if (out.kind === 'ok') this.#originalTouched = true;
    return out;
  }

  async followup(msg: DiscordMessage): Promise<ResponderOutcome> {
    const out = await this.#send('POST', '', msg, false);
    // After a defer, Discord turns the first followup into an edit of the loading message.
    if (out.kind === 'ok') this.#originalTouched = true;
    return out;
  }

  async ephemeralFollowup(msg: DiscordMessage): Promise<ResponderOutcome> {
    if (this.#publicLoadingMessage()) {
      // The first followup after a defer would edit the public loading message and ignore the ephemeral flag:
      // remove it first so the followup becomes a new, private message.
      const deleted = await this.deleteOriginal();
      if (deleted.kind !== 'ok') return deleted;
    }
    return this.#send('POST', '', { ...msg, flags: (msg.flags ?? 0) | EPHEMERAL }, false);
  }

  async deleteOriginal(): Promise<ResponderOutcome> {
    const out = await this.#send('DELETE', '/messages/@original', undefined, true);
    if (out.kind === 'ok') this.#originalTouched = true;
    return out;
  }

  async #send(
    method: HttpMethod,
    suffix: string,
    msg: DiscordMessage | undefined,
    idempotent: boolean,
  ): Promise<ResponderOutcome> {
    if (this.#session.state === 'fresh') return { kind: 'expired', reason: 'not_acknowledged' };
    // Never edit before the initial response has settled (an edit racing the defer gets 10015).
    const ackState = await this.#session.settled;
    if (ackState === 'expired') return { kind: 'expired', reason: 'not_acknowledged' };
    const { applicationId, token } = this.#session.identity;
    const path = `/webhooks/${applicationId}/${token}${suffix}`;
    let unknownTries = 0;
    let transientTries = 0;
    for (;;) {
      if (this.tokenRemainingMs() < this.#minRemainingMs) return { kind: 'expired', reason: 'token_age' };
      const res: RestResponse = await this.#session.transport.send({
        method,
        path,
        ...(msg === undefined ? {} : { body: toWireBody(msg) }),
        auth: 'none',
        timeoutMs: this.#timeoutMs,
      });
      if (res.kind === 'network_error') {
        const delay = idempotent ? this.#transientDelays[transientTries++] : undefined;
        if (delay === undefined) return { kind: 'failed', error: res.error };
        await this.#clock.sleep(delay);
        continue;
      }
      if (res.status >= 200 && res.status < 300) {
        return { kind: 'ok', messageId: messageIdOf(res.body) };
      }
      const code = discordErrorCode(res.body);
      if (code === 10015) {
        const delay = this.#unknownDelays[unknownTries++];
        if (delay === undefined) return { kind: 'expired', reason: 'unknown_webhook' };
        await this.#clock.sleep(delay);
        continue;
      }
      if (code === 50027 || res.status === 401) return { kind: 'expired', reason: 'invalid_token' };
      if (code === 10008 && method === 'DELETE') return { kind: 'ok', messageId: null };
      if (res.status === 429) {
        const waitMs = serverDelayMs(res.body, res.headers);
        if (waitMs <= this.#maxRateLimitWaitMs && transientTries < this.#transientDelays.length) {
          transientTries++;
          await this.#clock.sleep(waitMs);
          continue;
        }
        return { kind: 'failed', error: apiError(method, suffix, res.status, code, waitMs) };
      }
      if (res.status >= 500 && idempotent) {
        const delay = this.#transientDelays[transientTries++];
        if (delay !== undefined) {
          await this.#clock.sleep(delay);
          continue;
        }
      }
      this.#logger.warn(
        { interactionId: this.#session.identity.id, method, status: res.status, code },
        'interaction webhook request failed',
      );
      return { kind: 'failed', error: apiError(method, suffix, res.status, code, undefined) };
    }
  }
}

function messageIdOf(body: unknown): string | null {
  if (typeof body === 'object' && body !== null && 'id' in body) {
    const id = (body as { id: unknown }).id;
    if (typeof id === 'string') return id;
  }
  return null;
}

/** The typed error of a refused interaction-webhook request; its route never contains the token. */
function apiError(
  method: HttpMethod,
  suffix: string,
  status: number,
  code: number | undefined,
  retryAfterMs: number | undefined,
): DiscordApiError {
  const route = `${method} /webhooks/:app/:token${suffix === '' ? '' : suffix.replace(/\/messages\/(?!@original).*/, '/messages/:id')}`;
  return new DiscordApiError({
    status,
    discordCode: code,
    method,
    route,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}
