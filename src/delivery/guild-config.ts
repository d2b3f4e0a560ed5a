// Per-guild delivery webhook: validated, sealed before it is stored, never echoed back.
import type { Clock } from '../core/clock.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { SecretBox } from '../core/secrets.js';
import type { GuildSettingsStore } from '../store/store.js';
import type { WebhookUrlError } from './webhook-url.js';
import { parseWebhookUrl } from './webhook-url.js';

export interface GuildConfigDeps {
  readonly store: Pick<GuildSettingsStore, 'setGuildWebhook'>;
  readonly secretBox: SecretBox;
  readonly clock: Clock;
  /** Accept webhook URLs under this API base (the emulator); tests and demos only. */
  readonly allowApiBase?: string;
}

/** Stores the guild's webhook sealed. The result names the webhook id only (the token is the secret). */
export async function configureGuildWebhook(
  deps: GuildConfigDeps,
  guildId: string,
  url: string,
): Promise<Result<{ readonly webhookId: string }, WebhookUrlError>> {
  const parsed = parseWebhookUrl(
    url,
    deps.allowApiBase !== undefined ? { allowApiBase: deps.allowApiBase } : {},
  );
  if (!parsed.ok) return err(parsed.error);
  await deps.store.setGuildWebhook(guildId, deps.secretBox.seal(url.trim()), deps.clock.now());
  return ok({ webhookId: parsed.value.id });
}
