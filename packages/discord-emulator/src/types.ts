// Public shapes of the local Discord emulator: options, recorded messages, timeline entries and faults.

/** Any object with `now()` — structurally compatible with the bot's AdjustableClock. */
export interface EmulatorClock {
  now(): number;
}

export interface EmulatorRateLimitOptions {
  /** Requests per second per bot token, interaction routes exempt (Discord: 50). */
  globalPerSecond?: number;
  /** Requests per 2 s per webhook id+token (observed: about 5). */
  webhookPer2s?: number;
  /** Messages per 60 s per channel created through webhooks or the bot (observed: about 30). */
  channelPer60s?: number;
  /** false disables every limit (headers are still sent). */
  enabled?: boolean;
}

export interface EmulatorOptions {
  clock?: EmulatorClock;
  port?: number;
  rateLimits?: EmulatorRateLimitOptions;
  heartbeatIntervalMs?: number;
}

export interface EmulatedAttachment {
  id: string;
  filename: string;
  size: number;
  contentType: string | null;
  description: string | null;
  content: Buffer;
}

/** Mentions that would actually have pinged someone once `allowed_mentions` was applied. */
export interface MentionRecord {
  everyone: boolean;
  users: string[];
  roles: string[];
}

export interface EmulatedMessage {
  id: string;
  /** Discord message type: 0 default, 20 chat-input command response. */
  type: number;
  channelId: string;
  guildId: string | null;
  content: string;
  embeds: Record<string, unknown>[];
  components: unknown[];
  attachments: EmulatedAttachment[];
  flags: number;
  author: { id: string; username: string; bot: boolean; webhookId?: string };
  webhookId?: string;
  interactionId?: string;
  /** Raw `allowed_mentions` as sent, or null when the default applied. */
  allowedMentions: Record<string, unknown> | null;
  mentions: MentionRecord;
  createdAt: number;
  editedAt: number | null;
  deleted?: boolean;
}

export type InteractionState = 'pending' | 'deferred' | 'replied' | 'expired_unacknowledged';

export interface InteractionView {
  state: InteractionState;
  ephemeral: boolean;
  originalMessageId: string | null;
  createdAt: number;
  /** Clock time of the accepted initial response, null while none arrived. */
  acknowledgedAt: number | null;
  /** Callback type of the accepted initial response (4, 5, 9), null while none arrived. */
  responseType: number | null;
  delivery: 'gateway' | 'http';
}

export interface TimelineEntry {
  seq: number;
  /** inbound: a request the bot sent to the emulator; outbound: an interaction the emulator sent to the bot. */
  direction: 'inbound' | 'outbound';
  method: string;
  /** The concrete path without the API prefix, tokens replaced by `:token`. */
  path: string;
  /** The route template, ids and tokens replaced by named parameters. */
  route: string;
  query?: string;
  receivedAt: number;
  answeredAt: number;
  /** HTTP status; 0 when the connection was reset. */
  status: number;
  code?: number;
  interactionId?: string;
  /** Interaction sent → initial response received, on the request that acknowledged it (emulator clock, whole ms). */
  ackLatencyMs?: number;
  /**
   * The same on the monotonic high-resolution clock (fractional ms; not moved by advanceClock): for benchmarks, where
   * a latency of a few ms read off a whole-ms clock is off by up to 1 ms.
   */
  ackLatencyPreciseMs?: number;
  fault?: FaultKind;
  requestBody?: unknown;
  responseBody?: unknown;
}

export type FaultKind = 'latency' | 'error_5xx' | 'reset' | 'applied_5xx' | 'rate_limit';

export interface FaultSpec {
  method?: string;
  /** Matched against the route template (`/webhooks/:webhook_id/:token`) or the token-free path. */
  route: string | RegExp;
  kind: FaultKind;
  ms?: number;
  status?: number;
  /** How many requests it hits before it disarms itself; unlimited when absent. */
  times?: number;
  probability?: number;
  retryAfterS?: number;
  /**
   * With error_5xx / applied_5xx: answer a Discord error body `{message, code}` instead of a plain 5xx, e.g.
   * `{kind:'applied_5xx', status:404, code:10062}` for the spurious "Unknown interaction" after a reply that worked,
   * or `{kind:'error_5xx', status:404, code:10015}` for an HTTP-mode followup that 404s right after a defer.
   */
  code?: number;
  message?: string;
}

export interface SlashCommandOption {
  name: string;
  type: number;
  value: string | number | boolean;
}

export interface FireSlashCommandInput {
  guildId: string;
  channelId: string;
  userId: string;
  name: string;
  options?: SlashCommandOption[];
}

export interface FireSlashCommandResult {
  interactionId: string;
  token: string;
  httpResponse?: { status: number; body: unknown };
}

export interface EmulatorStats {
  invalidRequests: number;
  errorsByCode: Record<string, number>;
  requests: number;
}
