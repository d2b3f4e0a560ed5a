// The application services the Discord handlers call; the composition root wires them to the workflow engine.
import type { Depth } from '../core/stage.js';
import type { AnalysisIntake, AnalysisStart, InteractionInfo } from '../workflow/intake.js';
import type { DiscordMessage } from './message.js';

export type { AnalysisIntake, InteractionInfo } from '../workflow/intake.js';
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

/**
 * The duplicate-process guard: resolves true for exactly one caller per interaction id (first wins). Backed by
 * `WorkflowStore.claimInteraction` so two bot processes on one token never both answer. With an `intake`, the
 * request is stored in the same write, so a crash after the acknowledgement cannot lose it (see AnalysisIntakes.recover).
 */
export type InteractionClaim = (interactionId: string, intake?: AnalysisIntake) => Promise<boolean>;
