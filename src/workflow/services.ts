// The use cases the front end calls — start, status, retrieve, cancel, configure, fallback notice — and their
// outcomes as values; EngineAppServices (app-services.ts) implements them over the engine, store and delivery.
import type { Depth } from '../core/stage.js';
import type { DiscordMessage } from '../discord-api/message.js';
import type { AnalysisStart, InteractionInfo } from './intake.js';

/** What /autointel's start looks like to the front end (derived from the engine's one StartOutcome). */
export type StartOutcome = AnalysisStart;

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

/** A member's search: their server's reports (outside a server, their own). */
export interface SearchRequest {
  readonly query: string;
  readonly guildId: string | null;
  readonly userId: string;
}

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
    /** Run even when the server already has this report (otherwise the earlier one is offered). */
    readonly rerun?: boolean;
  }): Promise<StartOutcome>;
  status(req: ViewRequest): Promise<ViewOutcome>;
  retrieve(req: ViewRequest): Promise<ViewOutcome>;
  /** The one private message answering /autointel_search: ranked hits with snippets and links, or why none. */
  search(req: SearchRequest): Promise<DiscordMessage>;
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
