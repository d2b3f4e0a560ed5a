// An honest in-memory AppServices: real bookkeeping of workflows (queued until told otherwise), authorisation,
// cancellation, webhook settings and the unreachable-interaction fallback — a test double of the front end's services.
import type { Clock } from '../../src/core/clock.js';
import { toAppError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import type { Logger } from '../../src/core/logger.js';
import type { Depth } from '../../src/core/stage.js';
import type { DiscordRestClient } from '../../src/discord-api/rest.js';
import { EPHEMERAL, textMessage, type DiscordMessage } from '../../src/discord-api/message.js';
import type {
  AppServices,
  CancelOutcome,
  ConfigOutcome,
  InteractionClaim,
  InteractionInfo,
  SearchRequest,
  StartOutcome,
  ViewOutcome,
  ViewRequest,
} from '../../src/discord/ports.js';

export type MemoryWorkflowStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface MemoryWorkflow {
  readonly id: string;
  readonly url: string;
  readonly depth: Depth;
  readonly interactionId: string;
  readonly guildId: string | null;
  readonly channelId: string | null;
  readonly requesterId: string;
  readonly createdAt: number;
  status: MemoryWorkflowStatus;
  /** The rendered report, once completed. */
  report: readonly DiscordMessage[] | null;
}

export interface UnreachableNotice {
  readonly interactionId: string;
  readonly channelId: string | null;
  readonly message: DiscordMessage;
  readonly delivered: boolean;
}

export interface InMemoryAppServicesOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Posts fallback notices to the interaction's channel (bot token); without it notices are only recorded. */
  readonly rest?: DiscordRestClient;
  /** Workflows a user may start per hour (0 = unlimited). */
  readonly userQuotaPerHour?: number;
}

export class InMemoryAppServices implements AppServices {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #rest: DiscordRestClient | undefined;
  readonly #quota: number;
  readonly #workflows = new Map<string, MemoryWorkflow>();
  readonly #byInteraction = new Map<string, string>();
  readonly #webhooks = new Map<string, string>();
  readonly #notices: UnreachableNotice[] = [];

  constructor(options: InMemoryAppServicesOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#rest = options.rest;
    this.#quota = options.userQuotaPerHour ?? 0;
    if (this.#quota < 0) throw new RangeError(`userQuotaPerHour must be >= 0, received ${this.#quota}`);
  }

  workflows(): readonly MemoryWorkflow[] {
    return [...this.#workflows.values()];
  }

  unreachableNotices(): readonly UnreachableNotice[] {
    return [...this.#notices];
  }

  /** Whether a webhook is configured for the guild (the URL itself is never handed out). */
  hasGuildWebhook(guildId: string): boolean {
    return this.#webhooks.has(guildId);
  }

  /** Marks a workflow finished with its rendered report (what the engine + delivery would do). */
  complete(workflowId: string, report: readonly DiscordMessage[]): void {
    const wf = this.#workflows.get(workflowId);
    if (wf === undefined) throw new RangeError(`unknown workflow ${workflowId}`);
    wf.status = 'completed';
    wf.report = report;
  }

  async startAnalysis(req: {
    readonly url: string;
    readonly depth: Depth;
    readonly interaction: InteractionInfo;
  }): Promise<StartOutcome> {
    const existing = this.#byInteraction.get(req.interaction.id);
    if (existing !== undefined) return { kind: 'existing', workflowId: existing };
    const now = this.#clock.now();
    if (this.#quota > 0) {
      const recent = [...this.#workflows.values()].filter(
        (w) => w.requesterId === req.interaction.userId && w.createdAt > now - 3_600_000,
      ).length;
      if (recent >= this.#quota) {
        return { kind: 'refused', reason: `you reached the limit of ${this.#quota} analyses per hour.` };
      }
    }
    const wf: MemoryWorkflow = {
      id: newId(),
      url: req.url,
      depth: req.depth,
      interactionId: req.interaction.id,
      guildId: req.interaction.guildId,
      channelId: req.interaction.channelId,
      requesterId: req.interaction.userId,
      createdAt: now,
      status: 'queued',
      report: null,
    };
    this.#workflows.set(wf.id, wf);
    this.#byInteraction.set(req.interaction.id, wf.id);
    return { kind: 'started', workflowId: wf.id };
  }

  async status(req: ViewRequest): Promise<ViewOutcome> {
    const found = this.#authorised(req);
    if ('kind' in found) return found;
    return {
      kind: 'messages',
      messages: [
        textMessage(`Workflow \`${found.id}\` (depth ${found.depth}): **${found.status}** — <${found.url}>`),
      ],
    };
  }

  async retrieve(req: ViewRequest): Promise<ViewOutcome> {
    const found = this.#authorised(req);
    if ('kind' in found) return found;
    if (found.status !== 'completed' || found.report === null) {
      return {
        kind: 'messages',
        messages: [
          textMessage(
            `Workflow \`${found.id}\` has no report yet (status: ${found.status}). Try again later.`,
          ),
        ],
      };
    }
    return { kind: 'messages', messages: found.report };
  }

  /** Completed workflows of the same guild (outside one, the member's own) whose URL holds every query word. */
  async search(req: SearchRequest): Promise<DiscordMessage> {
    const words = req.query
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => w !== '');
    const hits = [...this.#workflows.values()].filter(
      (w) =>
        w.status === 'completed' &&
        w.guildId === req.guildId &&
        (w.guildId !== null || w.requesterId === req.userId) &&
        words.every((x) => w.url.toLowerCase().includes(x)),
    );
    const lines = hits.map((w) => `\`${w.id}\` <${w.url}> (${w.depth})`);
    return textMessage(lines.length === 0 ? 'No report matches.' : lines.join('\n'), { ephemeral: true });
  }

  async cancel(req: ViewRequest): Promise<CancelOutcome> {
    const found = this.#authorised(req);
    if ('kind' in found) return found;
    if (found.status === 'completed' || found.status === 'failed' || found.status === 'cancelled') {
      return { kind: 'already_finished', workflowId: found.id, status: found.status };
    }
    if (found.requesterId !== req.userId && !req.isAdmin) {
      return {
        kind: 'forbidden',
        reason: 'Only the requester or a server manager can cancel this analysis.',
      };
    }
    found.status = 'cancelled';
    return { kind: 'cancelled', workflowId: found.id };
  }

  async configureWebhook(req: {
    readonly guildId: string;
    readonly userId: string;
    readonly isAdmin: boolean;
    readonly webhookUrl: string;
  }): Promise<ConfigOutcome> {
    if (!req.isAdmin)
      return { kind: 'forbidden', reason: 'Only server managers can change the delivery webhook.' };
    this.#webhooks.set(req.guildId, req.webhookUrl);
    const id = /\/webhooks\/(\d+)\//.exec(req.webhookUrl)?.[1] ?? 'unknown';
    return { kind: 'saved', summary: `Reports for this server will be delivered through webhook ${id}.` };
  }

  async interactionUnreachable(info: InteractionInfo, message: DiscordMessage): Promise<void> {
    // A private message must not become public: the channel only learns that the bot could not answer in time.
    const isPrivate = ((message.flags ?? 0) & EPHEMERAL) !== 0;
    const notice = isPrivate
      ? textMessage(
          `<@${info.userId}> I could not answer your command privately in time (Discord expired the interaction). Please run it again.`,
        )
      : textMessage(`<@${info.userId}> ${message.content ?? ''}`.trim());
    let delivered = false;
    if (this.#rest !== undefined && info.channelId !== null) {
      try {
        const sent = await this.#rest.createChannelMessage(info.channelId, notice, undefined);
        delivered = sent.kind === 'ok';
        if (sent.kind !== 'ok')
          this.#logger.warn({ result: sent.kind, interactionId: info.id }, 'fallback notice refused');
      } catch (e: unknown) {
        this.#logger.warn({ err: toAppError(e), interactionId: info.id }, 'fallback notice failed');
      }
    }
    this.#notices.push({ interactionId: info.id, channelId: info.channelId, message: notice, delivered });
  }

  #authorised(
    req: ViewRequest,
  ): MemoryWorkflow | { readonly kind: 'not_found' | 'forbidden'; readonly reason: string } {
    const wf = this.#workflows.get(req.workflowId);
    if (wf === undefined) return { kind: 'not_found', reason: `No workflow \`${req.workflowId}\` exists.` };
    // Reports belong to the server they were requested in (or, in DMs, to the requester).
    const allowed = wf.guildId !== null ? wf.guildId === req.guildId : wf.requesterId === req.userId;
    if (!allowed) return { kind: 'forbidden', reason: 'That workflow belongs to another server.' };
    return wf;
  }
}

/** A process-local claim (first caller wins), shared by front ends in one process; the store's claim replaces it. */
export function createMemoryClaim(): InteractionClaim {
  const claimed = new Set<string>();
  return async (id) => {
    if (claimed.has(id)) return false;
    claimed.add(id);
    return true;
  };
}
