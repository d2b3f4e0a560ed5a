// Fallback notices: tells a member something the interaction token can no longer carry, through the best other
// target (the interaction while it lives, the guild's webhook, the default webhook, a channel message).
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DiscordRestClient } from '../discord-api/rest.js';
import type { DiscordMessage } from '../discord-api/message.js';
import { resolveTargets, sendToTarget, type TargetDeps } from '../delivery/targets.js';
import type { DeliveryRef } from '../store/store.js';

/** Who a notice is for and where they asked. */
export interface NoticeRecipient {
  readonly interactionId: string;
  readonly userId: string | null;
  readonly guildId: string | null;
  readonly channelId: string | null;
  /** The interaction itself, when its token is known and may still live (a recovered intake). */
  readonly interaction?: DeliveryRef['interaction'];
}

export interface FallbackNoticesOptions {
  readonly rest: DiscordRestClient;
  readonly targets: TargetDeps;
  readonly logger: Logger;
}

/** The port the use cases tell members through (FallbackNotices in production). */
export interface Notices {
  tell(to: NoticeRecipient, message: DiscordMessage): Promise<boolean>;
}

export class FallbackNotices implements Notices {
  readonly #o: FallbackNoticesOptions;

  constructor(options: FallbackNoticesOptions) {
    this.#o = options;
  }

  /** Resolves true once one target confirmed the message; false (logged) when none could carry it. */
  async tell(to: NoticeRecipient, message: DiscordMessage): Promise<boolean> {
    const ref: DeliveryRef = {
      ...(to.interaction === undefined ? {} : { interaction: to.interaction }),
      ...(to.guildId === null ? {} : { guildId: to.guildId }),
      ...(to.channelId === null ? {} : { channelId: to.channelId }),
    };
    // Outside the interaction nobody knows who asked: the notice names the member.
    const mention = to.userId === null ? '' : `<@${to.userId}> `;
    const body: DiscordMessage = { ...message, content: `${mention}${message.content ?? ''}`.trim() };
    const nonce = `n${to.interactionId}`.slice(0, 25);
    for (const target of await resolveTargets(ref, this.#o.targets)) {
      try {
        const r = await sendToTarget(this.#o.rest, target, target.name === 'interaction' ? message : body, {
          nonce,
        });
        if (r.kind === 'ok') return true;
        this.#o.logger.warn({ target: target.name, result: r.kind }, 'fallback notice not delivered');
      } catch (e: unknown) {
        this.#o.logger.warn({ err: toAppError(e), target: target.name }, 'fallback notice failed');
      }
    }
    this.#o.logger.error({ interactionId: to.interactionId }, 'no target could carry the fallback notice');
    return false;
  }
}
