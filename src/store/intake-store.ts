// The IntakeStore port: each /autointel request recorded with its claim, until it is started or dead-lettered.
//
// Terminology
// - claim: the first write for an interaction id; exactly one process wins it and may answer the interaction.
// - intake: what /autointel asked for (sealed: it carries the interaction token), stored in the claim's own write.
// - open intake: claimed with an intake, neither completed nor dead-lettered. Recovery starts every open intake a
//   dead process left behind, walking them oldest first with a cursor so no row can starve the ones after it.
// - dead letter: an intake that can never be started (sealed with a key this process does not have, malformed).
//   It keeps its reason and is never listed as open again.

/** One open intake, as recovery reads it. */
export interface OpenIntake {
  readonly interactionId: string;
  /** Sealed JSON of the request. */
  readonly intake: string;
  readonly claimedAt: number;
}

/** Where a page of open intakes ended: the next page starts strictly after it (claimed_at, then id). */
export interface IntakeCursor {
  readonly claimedAt: number;
  readonly interactionId: string;
}

/** Why an intake was given up, in the shape the store keeps every error (stable code + safe message). */
export interface IntakeDeadReason {
  readonly code: string;
  readonly message: string;
}

export interface DeadIntake {
  readonly interactionId: string;
  readonly claimedAt: number;
  readonly deadAt: number;
  readonly reason: IntakeDeadReason;
}

export interface IntakeStore {
  /**
   * First caller wins: true for the one process that may answer this interaction. `intake` (sealed: it holds the
   * interaction token) is what the interaction asked for, stored in the same write so that a crash between the
   * acknowledgement and the workflow's creation cannot lose the request (see `listOpenIntakes`).
   */
  claimInteraction(interactionId: string, owner: string, now: number, intake?: string): Promise<boolean>;
  /** The intake was handled: its workflow exists, or its refusal reached the user. */
  completeIntake(interactionId: string): Promise<void>;
  /**
   * Open intakes claimed at or before `before`, oldest first (ties by interaction id), strictly after `after`
   * when given. Paging with the last row of each page as the next `after` visits every open intake exactly once.
   */
  listOpenIntakes(options: {
    readonly before: number;
    readonly limit: number;
    readonly after?: IntakeCursor;
  }): Promise<OpenIntake[]>;
  /** Gives an intake up with its reason: it is never listed as open again. No effect on a completed intake. */
  deadLetterIntake(interactionId: string, reason: IntakeDeadReason, now: number): Promise<void>;
  /** Dead-lettered intakes, most recent first (operators, doctor, tests). */
  listDeadIntakes(options: { readonly limit: number }): Promise<DeadIntake[]>;
}

/** The stored reason, read back; a row written by hand or an older release still yields a reason. */
export function parseDeadReason(raw: unknown): IntakeDeadReason {
  const value: unknown = typeof raw === 'string' ? safeJson(raw) : raw;
  if (typeof value === 'object' && value !== null) {
    const { code, message } = value as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && typeof message === 'string') return { code, message };
  }
  return { code: 'intake.unknown', message: 'No reason was recorded.' };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
