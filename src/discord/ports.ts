// The application services the Discord handlers call; the composition root wires them to the workflow engine.
import type { Depth } from '../core/stage.js';
import type { DiscordMessage } from './message.js';

/** Everything the application needs to know about an interaction. The token lives in memory only. */
export interface InteractionInfo {
  readonly id: string;
  readonly applicationId: string;
  /** Never log or store in clear (seal it with SecretBox before persisting). */
  readonly token: string;
  /** When the token started ageing (ms); it dies 15 min later. */
  readonly createdAt: number;
  readonly guildId: string | null;
  readonly channelId: string | null;
  readonly userId: string;
  /** The member holds MANAGE_GUILD (or ADMINISTRATOR) in the guild. */
  readonly isAdmin: boolean;
}

export type StartOutcome =
  | { readonly kind: 'started' | 'existing' | 'cached'; readonly workflowId: string }
  /** Not started: `reason` is shown to the user as is (quota reached, no delivery target…). */
  | { readonly kind: 'refused'; readonly reason: string };

export interface ViewRequest {
  readonly workflowId: string;
  readonly guildId: string | null;
  readonly userId: string;
  readonly isAdmin: boolean;
}

export type ViewOutcome =
  /** At least one message; the first replaces the loading message, the rest follow privately. */
  | { readonly kind: 'messages'; readonly messages: readonly DiscordMessage[] }
  | { readonly kind: 'not_found' | 'forbidden'; readonly reason: string };

export type CancelOutcome =
  | { readonly kind: 'cancelled' | 'cancel_requested'; readonly workflowId: string }
  | { readonly kind: 'already_finished'; readonly workflowId: string; readonly status: string }
  | { readonly kind: 'not_found' | 'forbidden'; readonly reason: string };

export type ConfigOutcome =
  | { readonly kind: 'saved'; readonly summary: string }
  | { readonly kind: 'invalid' | 'forbidden'; readonly reason: string };

export interface AppServices {
  startAnalysis(req: {
    readonly url: string;
    readonly depth: Depth;
    readonly interaction: InteractionInfo;
  }): Promise<StartOutcome>;
  status(req: ViewRequest): Promise<ViewOutcome>;
  retrieve(req: ViewRequest): Promise<ViewOutcome>;
  cancel(req: ViewRequest): Promise<CancelOutcome>;
  configureWebhook(req: {
    readonly guildId: string;
    readonly userId: string;
    readonly isAdmin: boolean;
    readonly webhookUrl: string;
  }): Promise<ConfigOutcome>;
  /**
   * The interaction token cannot carry this message (10062, or the token is too old): tell the user through the
   * channel or the guild's webhook instead. `message` is the text the interaction would have shown.
   */
  interactionUnreachable(info: InteractionInfo, message: DiscordMessage): Promise<void>;
}

/** What `/autointel` asked for, recorded durably with the claim before the acknowledgement is sent. */
export interface AnalysisIntake {
  readonly url: string;
  readonly depth: Depth;
  readonly interaction: InteractionInfo;
}

/**
 * The duplicate-process guard: resolves true for exactly one caller per interaction id (first wins). Backed by
 * `WorkflowStore.claimInteraction` so two bot processes on one token never both answer. With an `intake`, the
 * request is stored in the same write, so a crash after the acknowledgement cannot lose it (see recoverIntakes).
 */
export type InteractionClaim = (interactionId: string, intake?: AnalysisIntake) => Promise<boolean>;
