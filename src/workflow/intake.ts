// The /autointel intake use case: claim (the request recorded with the claim, before the acknowledgement) → start
// the workflow → the workflow id for the acknowledgement; and recovery of the intakes a dead process left open.
import type { Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';
import type { Logger } from '../core/logger.js';
import type { SecretBox } from '../core/secrets.js';
import { isDepth, type Depth } from '../core/stage.js';
import { canReachUser, type TargetDeps } from '../delivery/targets.js';
import type { IntakeCursor, IntakeDeadReason, IntakeStore, OpenIntake } from '../store/intake-store.js';
import type { DeliveryRef, WorkflowRequest } from '../store/store.js';
import type { NoticeRecipient, Notices } from './notices.js';
import type { StartOptions, StartOutcome } from './types.js';

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

/** What `/autointel` asked for, recorded durably with the claim before the acknowledgement is sent. */
export interface AnalysisIntake {
  readonly url: string;
  readonly depth: Depth;
  readonly interaction: InteractionInfo;
  /** Run again even when this server already has a report for the url at this depth (else it is offered). */
  readonly rerun?: boolean;
}

/** The engine's StartOutcome as the front end shows it: the workflow id, or the reason for the refusal. */
export type AnalysisStart =
  | { readonly kind: 'started' | 'existing' | 'cached'; readonly workflowId: string }
  /** Nothing started: the server's earlier report of this url at this depth, offered instead. */
  | {
      readonly kind: 'earlier';
      readonly workflowId: string;
      readonly finishedAt: number;
      /** Its signed report page, where the deployment has a public URL. */
      readonly reportUrl?: string;
    }
  | { readonly kind: 'refused'; readonly reason: string };

export interface RecoveryReport {
  readonly started: number;
  readonly refused: number;
  readonly deadLettered: number;
  /** Left open for the next pass (the store or the engine failed for this one). */
  readonly failed: number;
}

export interface AnalysisIntakesOptions {
  readonly store: IntakeStore;
  readonly engine: { start(request: WorkflowRequest, options?: StartOptions): Promise<StartOutcome> };
  readonly secretBox: SecretBox;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This process's claim owner id. */
  readonly owner: string;
  readonly targets: TargetDeps;
  readonly notices: Notices;
  /** Intakes younger than this are left to the process still handling them. */
  readonly graceMs?: number;
  /** Open intakes read per page during recovery. */
  readonly pageSize?: number;
  /**
   * An intake whose start still fails this long after it was acknowledged is dead-lettered with the last error
   * (and the member told) instead of being retried on every pass forever.
   */
  readonly giveUpAfterMs?: number;
}

export const DefaultAnalysisIntakesOptions = {
  graceMs: 10_000,
  pageSize: 100,
  giveUpAfterMs: 60 * 60_000,
} as const satisfies Partial<AnalysisIntakesOptions>;

const NO_TARGET_REASON =
  'I cannot start this analysis: once the 15-minute interaction window closes I would have no way to deliver the ' +
  'report here. Ask a server admin to set a delivery webhook with `/autointel_config webhook:<url>` (or the bot ' +
  'operator to set DISCORD_WEBHOOK), or give the bot permission to post in this channel.';

/**
 * The answer to an /autointel that was not run because this server already has the report: where to find it, and
 * how to run it again anyway.
 */
export function earlierOfferText(
  offer: { readonly workflowId: string; readonly finishedAt: number; readonly reportUrl?: string },
  request: { readonly url: string; readonly depth: Depth },
): string {
  const when = new Date(offer.finishedAt).toISOString().slice(0, 16).replace('T', ' ');
  const page = offer.reportUrl === undefined ? '' : ` It is also on its page: ${offer.reportUrl}`;
  return (
    `This link was already analysed here at depth ${request.depth} (finished ${when} UTC) — workflow ` +
    `\`${offer.workflowId}\`. \`/retrieve_results workflow_id:${offer.workflowId}\` shows that report.${page}\n` +
    `To analyse it again anyway, run \`/autointel\` with the same link and depth and \`rerun:True\`.`
  );
}

/** Reads a stored intake back: a value, or why it can never be started. */
export function parseIntake(
  json: string,
): { ok: true; intake: AnalysisIntake } | { ok: false; reason: IntakeDeadReason; partial: unknown } {
  let raw: unknown;
  try {
    raw = JSON.parse(json) as unknown;
  } catch {
    return {
      ok: false,
      reason: { code: 'intake.malformed', message: 'The stored request is not JSON.' },
      partial: null,
    };
  }
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const i = (
    typeof o['interaction'] === 'object' && o['interaction'] !== null ? o['interaction'] : {}
  ) as Record<string, unknown>;
  const str = (v: unknown): v is string => typeof v === 'string' && v !== '';
  const nullableStr = (v: unknown): v is string | null => v === null || str(v);
  const valid =
    str(o['url']) &&
    typeof o['depth'] === 'string' &&
    isDepth(o['depth']) &&
    str(i['id']) &&
    str(i['applicationId']) &&
    str(i['token']) &&
    typeof i['createdAt'] === 'number' &&
    Number.isFinite(i['createdAt']) &&
    nullableStr(i['guildId']) &&
    nullableStr(i['channelId']) &&
    str(i['userId']) &&
    typeof i['isAdmin'] === 'boolean' &&
    (o['rerun'] === undefined || typeof o['rerun'] === 'boolean');
  if (!valid) {
    return {
      ok: false,
      reason: { code: 'intake.malformed', message: 'The stored request lacks a field it needs.' },
      partial: raw,
    };
  }
  return { ok: true, intake: raw as AnalysisIntake };
}

export class AnalysisIntakes {
  readonly #o: AnalysisIntakesOptions;
  readonly #graceMs: number;
  readonly #pageSize: number;
  readonly #giveUpAfterMs: number;

  constructor(options: AnalysisIntakesOptions) {
    this.#graceMs = options.graceMs ?? DefaultAnalysisIntakesOptions.graceMs;
    this.#pageSize = options.pageSize ?? DefaultAnalysisIntakesOptions.pageSize;
    this.#giveUpAfterMs = options.giveUpAfterMs ?? DefaultAnalysisIntakesOptions.giveUpAfterMs;
    if (!(this.#graceMs >= 0)) throw new RangeError(`graceMs must be >= 0, received ${this.#graceMs}`);
    if (!(this.#giveUpAfterMs > 0))
      throw new RangeError(`giveUpAfterMs must be > 0, received ${this.#giveUpAfterMs}`);
    if (!Number.isInteger(this.#pageSize) || this.#pageSize < 1)
      throw new RangeError(`pageSize must be a positive integer, received ${this.#pageSize}`);
    if (options.owner === '') throw new RangeError('owner must not be empty');
    this.#o = options;
  }

  /**
   * The one write before the acknowledgement: true for the one process that may answer. An /autointel request
   * rides along, sealed (it holds the token). A failed write throws: the caller must refuse the request rather
   * than acknowledge one it could forget.
   */
  claim(interactionId: string, intake?: AnalysisIntake): Promise<boolean> {
    const sealed = intake === undefined ? undefined : this.#o.secretBox.seal(JSON.stringify(intake));
    return this.#o.store.claimInteraction(interactionId, this.#o.owner, this.#o.clock.now(), sealed);
  }

  /** Starts the workflow of an acknowledged request; the intake is done once this returns. */
  async start(req: AnalysisIntake): Promise<AnalysisStart> {
    const outcome = await this.#start(req);
    // The request is now either a durable workflow or a refusal the caller tells the user: the intake is done.
    await this.#o.store.completeIntake(req.interaction.id);
    return outcome;
  }

  async #start(req: AnalysisIntake): Promise<AnalysisStart> {
    const info = req.interaction;
    const delivery = this.#ref(info);
    if (!(await canReachUser(delivery, this.#o.targets)))
      return { kind: 'refused', reason: NO_TARGET_REASON };
    const outcome = await this.#o.engine.start(
      {
        url: req.url,
        depth: req.depth,
        requesterId: info.userId,
        guildId: info.guildId,
        channelId: info.channelId,
        interactionId: info.id,
        origin: 'discord',
        delivery,
      },
      { offerEarlier: req.rerun !== true },
    );
    switch (outcome.kind) {
      case 'refused':
        return { kind: 'refused', reason: outcome.reason };
      case 'earlier':
        return outcome;
      default:
        return { kind: outcome.kind, workflowId: outcome.workflow.id };
    }
  }

  #ref(info: InteractionInfo): DeliveryRef {
    return {
      interaction: {
        id: info.id,
        applicationId: info.applicationId,
        tokenSealed: this.#o.secretBox.seal(info.token),
        createdAt: info.createdAt,
      },
      ...(info.guildId === null ? {} : { guildId: info.guildId }),
      ...(info.channelId === null ? {} : { channelId: info.channelId }),
    };
  }

  /**
   * Starts every acknowledged request that never reached the engine (its process died in between), walking ALL
   * open intakes oldest first with a cursor. One that cannot be opened is dead-lettered with its reason (and the
   * member told when a token or channel is still known), so it never blocks the ones after it.
   */
  async recover(): Promise<RecoveryReport> {
    const before = this.#o.clock.now() - this.#graceMs;
    let started = 0;
    let refused = 0;
    let deadLettered = 0;
    let failed = 0;
    let after: IntakeCursor | undefined;
    for (;;) {
      const page = await this.#o.store.listOpenIntakes({
        before,
        limit: this.#pageSize,
        ...(after === undefined ? {} : { after }),
      });
      for (const row of page) {
        const r = await this.#recoverOne(row);
        if (r === 'started') started++;
        else if (r === 'refused') refused++;
        else if (r === 'dead') deadLettered++;
        else failed++;
      }
      const last = page.at(-1);
      if (last === undefined || page.length < this.#pageSize) break;
      after = { claimedAt: last.claimedAt, interactionId: last.interactionId };
    }
    return { started, refused, deadLettered, failed };
  }

  async #recoverOne(row: OpenIntake): Promise<'started' | 'refused' | 'dead' | 'failed'> {
    const log = { interactionId: row.interactionId };
    let json: string;
    try {
      json = this.#o.secretBox.open(row.intake);
    } catch (e: unknown) {
      const error = toAppError(e, 'intake.unreadable');
      // Sealed with another key (or damaged): nothing in it can be read, so nobody can be told.
      return this.#deadLetter(row, {
        code: 'intake.unreadable',
        message: `The stored request could not be opened (${error.code}).`,
      });
    }
    const parsed = parseIntake(json);
    if (!parsed.ok) {
      await this.#tellAboutLoss(row, parsed.partial);
      return this.#deadLetter(row, parsed.reason);
    }
    try {
      const outcome = await this.start(parsed.intake);
      this.#o.logger.warn(
        { ...log, outcome: outcome.kind },
        'recovered an acknowledged request that had not started',
      );
      if (outcome.kind === 'refused') {
        await this.#o.notices.tell(recipientOf(parsed.intake, this.#o.secretBox), {
          content: `I could not start the analysis you asked for: ${outcome.reason}`,
          allowed_mentions: { parse: [] },
        });
        return 'refused';
      }
      if (outcome.kind === 'earlier') {
        // Nothing will be delivered for it: the member hears where the earlier report is.
        await this.#o.notices.tell(recipientOf(parsed.intake, this.#o.secretBox), {
          content: earlierOfferText(outcome, parsed.intake),
          allowed_mentions: { parse: [] },
        });
      }
      return 'started';
    } catch (e: unknown) {
      const error = toAppError(e);
      if (this.#o.clock.now() - row.claimedAt < this.#giveUpAfterMs) {
        this.#o.logger.error({ ...log, err: error }, 'intake recovery failed; retried on the next pass');
        return 'failed';
      }
      // Retried for long enough: a crash loop on one request must end, and the member hears why.
      const minutes = Math.round(this.#giveUpAfterMs / 60_000);
      await this.#o.notices
        .tell(recipientOf(parsed.intake, this.#o.secretBox), {
          content:
            `I acknowledged the analysis of ${parsed.intake.url} but could not start it for ${minutes} minutes ` +
            `(${error.userMessage}), so I have stopped trying. Please run /autointel again later ` +
            `(reference: \`${row.interactionId}\`).`,
          allowed_mentions: { parse: [] },
        })
        .catch((e2: unknown) => {
          this.#o.logger.warn({ ...log, err: toAppError(e2) }, 'give-up notice failed');
        });
      return this.#deadLetter(row, {
        code: 'intake.start_failed',
        message: redactSecrets(
          `Starting failed for ${minutes} minutes; last error: ${error.code}: ${error.message}`,
        ).slice(0, 500),
      });
    }
  }

  async #deadLetter(row: OpenIntake, reason: IntakeDeadReason): Promise<'dead' | 'failed'> {
    try {
      await this.#o.store.deadLetterIntake(row.interactionId, reason, this.#o.clock.now());
      this.#o.logger.error(
        { interactionId: row.interactionId, code: reason.code },
        'an acknowledged request could not be recovered; dead-lettered',
      );
      return 'dead';
    } catch (e: unknown) {
      this.#o.logger.error({ interactionId: row.interactionId, err: toAppError(e) }, 'dead-lettering failed');
      return 'failed';
    }
  }

  /** A malformed intake may still name its channel or carry its token: the member hears the request was lost. */
  async #tellAboutLoss(row: OpenIntake, partial: unknown): Promise<void> {
    const o = (typeof partial === 'object' && partial !== null ? partial : {}) as Record<string, unknown>;
    const i = (
      typeof o['interaction'] === 'object' && o['interaction'] !== null ? o['interaction'] : {}
    ) as Record<string, unknown>;
    const s = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
    const token = s(i['token']);
    const applicationId = s(i['applicationId']);
    const createdAt = typeof i['createdAt'] === 'number' ? i['createdAt'] : null;
    const to: NoticeRecipient = {
      interactionId: row.interactionId,
      userId: s(i['userId']),
      guildId: s(i['guildId']),
      channelId: s(i['channelId']),
      ...(token !== null && applicationId !== null && createdAt !== null
        ? {
            interaction: {
              id: row.interactionId,
              applicationId,
              tokenSealed: this.#o.secretBox.seal(token),
              createdAt,
            },
          }
        : {}),
    };
    if (to.interaction === undefined && to.channelId === null && to.guildId === null) return;
    try {
      await this.#o.notices.tell(to, {
        content:
          'I acknowledged an analysis you asked for but could not start it after a restart, and its details are ' +
          `lost. Please run /autointel again (reference: \`${row.interactionId}\`).`,
        allowed_mentions: { parse: [] },
      });
    } catch (e: unknown) {
      this.#o.logger.warn({ interactionId: row.interactionId, err: toAppError(e) }, 'loss notice failed');
    }
  }
}

/** Where to tell the requester of a recovered intake: its interaction while the token lives, then elsewhere. */
function recipientOf(intake: AnalysisIntake, box: SecretBox): NoticeRecipient {
  const i = intake.interaction;
  return {
    interactionId: i.id,
    userId: i.userId,
    guildId: i.guildId,
    channelId: i.channelId,
    interaction: {
      id: i.id,
      applicationId: i.applicationId,
      tokenSealed: box.seal(i.token),
      createdAt: i.createdAt,
    },
  };
}
