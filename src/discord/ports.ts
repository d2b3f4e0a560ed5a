// What the Discord front end calls: the workflow use cases (declared in workflow/services.ts) and the claim.
import type { AnalysisIntake } from '../workflow/intake.js';

export type { AnalysisIntake, InteractionInfo } from '../workflow/intake.js';
export { earlierOfferText } from '../workflow/intake.js';
export type {
  AppServices,
  CancelOutcome,
  ConfigOutcome,
  SearchRequest,
  StartOutcome,
  ViewOutcome,
  ViewRequest,
} from '../workflow/services.js';

/**
 * The duplicate-process guard: resolves true for exactly one caller per interaction id (first wins). Backed by
 * `WorkflowStore.claimInteraction` so two bot processes on one token never both answer. With an `intake`, the
 * request is stored in the same write, so a crash after the acknowledgement cannot lose it (see AnalysisIntakes.recover).
 */
export type InteractionClaim = (interactionId: string, intake?: AnalysisIntake) => Promise<boolean>;
