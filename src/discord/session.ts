// One acknowledgement state machine per interaction: the single initial response is decided and sent exactly once.
//
// States: fresh → acknowledging → acknowledged | possibly_acknowledged | expired.
// The interaction is marked `acknowledging` synchronously BEFORE the callback request leaves, so no second code path
// (a retry, a concurrent handler) can ever send another initial response. The callback is sent once, never retried:
//   2xx            → acknowledged
//   40060          → acknowledged (someone, e.g. an earlier attempt that was applied, already answered)
//   timeout/5xx/reset → possibly_acknowledged (it may have been applied; continue through PATCH @original)
//   10062          → expired (the 3 s window is gone; the request still runs and the user is told elsewhere)
//   any other 4xx  → expired (not applied, and sending it again would not help)
import type { Clock } from '../core/clock.js';
import { INTERACTION_TOKEN_TTL_MS } from '../discord-api/limits.js';
import type { AppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { EPHEMERAL, toWireBody, type DiscordMessage } from '../discord-api/message.js';
import { discordErrorCode } from '../discord-api/errors.js';
import { type DiscordTransport } from '../discord-api/transport.js';

export type AckState = 'fresh' | 'acknowledging' | 'acknowledged' | 'possibly_acknowledged' | 'expired';

/** Discord's epoch (2015-01-01) — the origin of snowflake timestamps. */
const DISCORD_EPOCH = 1_420_070_400_000n;
/** Initial-response window and token lifetime (DISCORD.md §1), defined once in the wire layer. */
export {
  INITIAL_RESPONSE_WINDOW_MS,
  INTERACTION_TOKEN_TTL_MS as TOKEN_LIFETIME_MS,
} from '../discord-api/limits.js';
/** A snowflake further than this from our receive time means the clocks disagree: trust the receive time then. */
const MAX_PLAUSIBLE_SKEW_MS = 60_000;

export function snowflakeTimestamp(id: string): number | undefined {
  if (!/^\d{1,20}$/.test(id)) return undefined;
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/**
 * When the interaction's token started ageing. The snowflake says when Discord created it; when it is plausible it
 * wins (taking the earlier of the two keeps us on the safe side of every deadline), otherwise our receive time.
 */
export function interactionCreatedAt(id: string, receivedAt: number): number {
  const ts = snowflakeTimestamp(id);
  if (ts === undefined || Math.abs(receivedAt - ts) > MAX_PLAUSIBLE_SKEW_MS) return receivedAt;
  return Math.min(ts, receivedAt);
}

export interface InteractionIdentity {
  readonly id: string;
  readonly applicationId: string;
  /** The interaction token: kept in memory only, never logged. */
  readonly token: string;
  /** When the token started ageing (ms, see interactionCreatedAt). */
  readonly createdAt: number;
  /** When this process received the interaction (ms). */
  readonly receivedAt: number;
}

/** The body of the single initial response. */
export type InitialResponse =
  { readonly type: 4; readonly message: DiscordMessage } | { readonly type: 5; readonly ephemeral: boolean };

export type AckOutcome =
  | { readonly kind: 'acknowledged'; readonly via: 'callback' | 'inline' | 'already_acknowledged' }
  | { readonly kind: 'possibly_acknowledged'; readonly error: AppError | null; readonly status?: number }
  | { readonly kind: 'expired'; readonly code: number | null; readonly status?: number }
  /** The session was not fresh: nothing was sent. */
  | { readonly kind: 'refused'; readonly state: AckState };

/** Receives what happened to each acknowledgement (metrics). */
export interface AckObserver {
  acknowledged(outcome: AckOutcome, latencyMs: number): void;
  callbackError(code: string): void;
}

export interface InteractionSessionOptions {
  readonly identity: InteractionIdentity;
  readonly transport: DiscordTransport;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly observer?: AckObserver;
  /** How long the callback may take before it counts as possibly acknowledged. */
  readonly callbackTimeoutMs?: number;
}

const DefaultSessionOptions = {
  callbackTimeoutMs: 5_000,
} as const satisfies Partial<InteractionSessionOptions>;

/** The JSON callback body of an initial response (as sent by POST /callback or inline in HTTP mode). */
export function initialResponseBody(response: InitialResponse): Record<string, unknown> {
  if (response.type === 5) return response.ephemeral ? { type: 5, data: { flags: EPHEMERAL } } : { type: 5 };
  const wire = toWireBody(response.message);
  if (wire.kind !== 'json') throw new RangeError('A type-4 initial response cannot carry files here');
  return { type: 4, data: wire.json };
}

export class InteractionSession {
  readonly identity: InteractionIdentity;
  readonly #transport: DiscordTransport;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #observer: AckObserver | undefined;
  readonly #callbackTimeoutMs: number;
  #state: AckState = 'fresh';
  #initial: InitialResponse | null = null;
  #settle: (s: AckState) => void = () => undefined;
  /** Resolves with the final state once the initial response has settled. */
  readonly settled: Promise<AckState>;

  constructor(options: InteractionSessionOptions) {
    const timeout = options.callbackTimeoutMs ?? DefaultSessionOptions.callbackTimeoutMs;
    if (!(timeout > 0)) throw new RangeError(`callbackTimeoutMs must be > 0, received ${timeout}`);
    this.identity = options.identity;
    this.#transport = options.transport;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#observer = options.observer;
    this.#callbackTimeoutMs = timeout;
    this.settled = new Promise<AckState>((resolve) => {
      this.#settle = resolve;
    });
  }

  get state(): AckState {
    return this.#state;
  }

  /** The initial response that was (or is being) sent, once one was chosen. */
  get initialResponse(): InitialResponse | null {
    return this.#initial;
  }

  get transport(): DiscordTransport {
    return this.#transport;
  }

  ageMs(): number {
    return this.#clock.now() - this.identity.createdAt;
  }

  /** Time left before the interaction token dies (15 min after creation). */
  tokenRemainingMs(): number {
    return INTERACTION_TOKEN_TTL_MS - this.ageMs();
  }

  /**
   * fresh → acknowledging, synchronously. Returns false (and changes nothing) if any response was already chosen.
   * Whoever gets `true` owns the one initial response.
   */
  begin(response: InitialResponse): boolean {
    if (this.#state !== 'fresh') return false;
    this.#state = 'acknowledging';
    this.#initial = response;
    return true;
  }

  /** Sends the initial response through POST /interactions/{id}/{token}/callback, exactly once. */
  async acknowledge(response: InitialResponse): Promise<AckOutcome> {
    if (!this.begin(response)) return { kind: 'refused', state: this.#state };
    const { id, token } = this.identity;
    const res = await this.#transport.send({
      method: 'POST',
      path: `/interactions/${id}/${token}/callback`,
      body: { kind: 'json', json: initialResponseBody(response) },
      auth: 'none',
      timeoutMs: this.#callbackTimeoutMs,
    });
    let outcome: AckOutcome;
    if (res.kind === 'network_error') {
      this.#observer?.callbackError(res.timedOut ? 'timeout' : 'network');
      outcome = { kind: 'possibly_acknowledged', error: res.error };
    } else if (res.status >= 200 && res.status < 300) {
      outcome = { kind: 'acknowledged', via: 'callback' };
    } else {
      const code = discordErrorCode(res.body) ?? null;
      // Discord's 5xx bodies carry code 0: the status says more.
      this.#observer?.callbackError(code === null || res.status >= 500 ? `http_${res.status}` : String(code));
      if (code === 40060) outcome = { kind: 'acknowledged', via: 'already_acknowledged' };
      else if (res.status >= 500 || res.status === 429) {
        // A 5xx may have been applied before the error was produced; a 429 on the exempt callback route is
        // unexpected — both are ambiguous, so the original is probed through PATCH rather than re-sent.
        outcome = { kind: 'possibly_acknowledged', error: null, status: res.status };
      } else outcome = { kind: 'expired', code, status: res.status };
    }
    this.#finish(outcome);
    return outcome;
  }

  /** HTTP endpoint mode: the initial response travelled as the HTTP answer; `delivered` says if it was flushed. */
  settleInline(delivered: boolean): AckOutcome {
    if (this.#state !== 'acknowledging') return { kind: 'refused', state: this.#state };
    const outcome: AckOutcome = delivered
      ? { kind: 'acknowledged', via: 'inline' }
      : { kind: 'possibly_acknowledged', error: null };
    this.#finish(outcome);
    return outcome;
  }

  #finish(outcome: AckOutcome): void {
    const next: AckState =
      outcome.kind === 'acknowledged'
        ? 'acknowledged'
        : outcome.kind === 'possibly_acknowledged'
          ? 'possibly_acknowledged'
          : 'expired';
    this.#state = next;
    const latency = this.#clock.now() - this.identity.receivedAt;
    this.#observer?.acknowledged(outcome, latency);
    if (outcome.kind !== 'acknowledged') {
      this.#logger.warn(
        { interactionId: this.identity.id, outcome: outcome.kind, ageMs: this.ageMs() },
        'initial response not cleanly acknowledged',
      );
    }
    this.#settle(next);
  }
}
