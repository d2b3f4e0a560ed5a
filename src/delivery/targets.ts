// Where a message can go right now, best first: the interaction while its token safely lives, the guild's webhook,
// the default webhook, a channel message with the bot token.
import type { Clock } from '../core/clock.js';
import type { SecretBox } from '../core/secrets.js';
import { toAppError } from '../core/errors.js';
import type { DeliveryRef, WorkflowStore } from '../store/store.js';
import type { DiscordRestClient, RestResult, WebhookCredentials } from '../discord-api/rest.js';
import type { DiscordMessage } from '../discord-api/message.js';
import { INTERACTION_TOKEN_TTL_MS } from '../discord-api/limits.js';
import { parseWebhookUrl } from './webhook-url.js';

/** Interaction tokens live 15 minutes (defined once in the wire layer). */
export { INTERACTION_TOKEN_TTL_MS };
/** Stop using an interaction token this long before it dies: a request must never race its expiry (50027). */
export const INTERACTION_SAFETY_MS = 60_000;

export type TargetName = 'interaction' | 'webhook:guild' | 'webhook:default' | 'channel';

export type Target =
  | {
      readonly name: 'interaction';
      readonly applicationId: string;
      readonly token: string;
      /** When the token must no longer be used (already minus the safety margin). */
      readonly usableUntil: number;
    }
  | { readonly name: 'webhook:guild' | 'webhook:default'; readonly hook: WebhookCredentials }
  | { readonly name: 'channel'; readonly channelId: string; readonly botToken: string };

export interface TargetDeps {
  readonly store: Pick<WorkflowStore, 'getGuildWebhook'>;
  readonly secretBox: SecretBox;
  readonly clock: Clock;
  /** `DISCORD_WEBHOOK`, in clear only in memory. */
  readonly defaultWebhook?: string | undefined;
  readonly botToken?: string | undefined;
  /** Accept webhook URLs under this API base (the emulator); tests and demos only. */
  readonly allowApiBaseWebhooks?: string | undefined;
  readonly safetyMs?: number;
}

/** Whether the interaction token can still be used now, with the safety margin. */
export function interactionUsable(ref: DeliveryRef, now: number, safetyMs = INTERACTION_SAFETY_MS): boolean {
  const i = ref.interaction;
  return i !== undefined && i.createdAt + INTERACTION_TOKEN_TTL_MS - safetyMs > now;
}

const parseOptions = (deps: TargetDeps) =>
  deps.allowApiBaseWebhooks !== undefined ? { allowApiBase: deps.allowApiBaseWebhooks } : {};

async function guildHook(ref: DeliveryRef, deps: TargetDeps): Promise<WebhookCredentials | null> {
  if (ref.guildId === undefined) return null;
  const sealed = await deps.store.getGuildWebhook(ref.guildId);
  if (sealed === null) return null;
  try {
    const parsed = parseWebhookUrl(deps.secretBox.open(sealed), parseOptions(deps));
    return parsed.ok ? parsed.value : null;
  } catch (e: unknown) {
    // A key change makes the stored webhook unreadable: treat it as not configured rather than fail delivery.
    toAppError(e);
    return null;
  }
}

function defaultHook(deps: TargetDeps): WebhookCredentials | null {
  if (deps.defaultWebhook === undefined) return null;
  const parsed = parseWebhookUrl(deps.defaultWebhook, parseOptions(deps));
  return parsed.ok ? parsed.value : null;
}

/** Every target that could deliver a message for `ref` now, best first. Opens sealed secrets only in memory. */
export async function resolveTargets(ref: DeliveryRef, deps: TargetDeps): Promise<Target[]> {
  const out: Target[] = [];
  const now = deps.clock.now();
  const safety = deps.safetyMs ?? INTERACTION_SAFETY_MS;
  const i = ref.interaction;
  if (i !== undefined && interactionUsable(ref, now, safety)) {
    try {
      out.push({
        name: 'interaction',
        applicationId: i.applicationId,
        token: deps.secretBox.open(i.tokenSealed),
        usableUntil: i.createdAt + INTERACTION_TOKEN_TTL_MS - safety,
      });
    } catch (e: unknown) {
      toAppError(e);
    }
  }
  const g = await guildHook(ref, deps);
  if (g !== null) out.push({ name: 'webhook:guild', hook: g });
  const d = defaultHook(deps);
  if (d !== null) out.push({ name: 'webhook:default', hook: d });
  if (ref.channelId !== undefined && deps.botToken !== undefined)
    out.push({ name: 'channel', channelId: ref.channelId, botToken: deps.botToken });
  return out;
}

/**
 * Whether a long job's result could reach the user after the interaction token dies: some webhook or a channel
 * the bot can post in. When false, the front end must refuse to start the workflow (a configuration error).
 */
export async function canReachUser(ref: DeliveryRef, deps: TargetDeps): Promise<boolean> {
  if (defaultHook(deps) !== null) return true;
  if (ref.channelId !== undefined && deps.botToken !== undefined) return true;
  return (await guildHook(ref, deps)) !== null;
}

/** How one message goes out through one target: the only place that maps a target to a Discord route. */
export function sendToTarget(
  rest: DiscordRestClient,
  target: Target,
  msg: DiscordMessage,
  options: {
    /** Channel messages only: Discord drops a second message with the same nonce (`enforce_nonce`). */
    readonly nonce?: string;
    readonly signal?: AbortSignal;
  } = {},
): Promise<RestResult> {
  switch (target.name) {
    case 'interaction':
      return rest.createFollowup(target.applicationId, target.token, msg, options.signal);
    case 'webhook:guild':
    case 'webhook:default':
      return rest.executeWebhook(target.hook, msg, options.signal);
    case 'channel':
      return rest.createChannelMessage(target.channelId, msg, options.nonce, options.signal);
  }
}

/** Edits a message earlier sent through `target` (`@original` for the interaction's own response). */
export function editOnTarget(
  rest: DiscordRestClient,
  target: Target,
  messageId: string,
  msg: DiscordMessage,
  signal?: AbortSignal,
): Promise<RestResult> {
  switch (target.name) {
    case 'interaction':
      return messageId === '@original'
        ? rest.editOriginal(target.applicationId, target.token, msg, signal)
        : rest.editWebhookMessage({ id: target.applicationId, token: target.token }, messageId, msg, signal);
    case 'webhook:guild':
    case 'webhook:default':
      return rest.editWebhookMessage(target.hook, messageId, msg, signal);
    case 'channel':
      return rest.editChannelMessage(target.channelId, messageId, msg, signal);
  }
}
