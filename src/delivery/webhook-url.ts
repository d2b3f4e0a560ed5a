// Discord webhook URLs: parsed into {id, token} under strict rules, and request URLs built against the API base.
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';

import type { WebhookCredentials } from '../discord-api/rest.js';

export type { WebhookCredentials };

export type WebhookUrlError =
  | { readonly code: 'webhook.url_invalid'; readonly message: string }
  | { readonly code: 'webhook.url_not_discord'; readonly message: string }
  | { readonly code: 'webhook.url_version_unsupported'; readonly message: string };

export interface ParseWebhookOptions {
  /**
   * Also accept `{apiBase}/webhooks/{id}/{token}` (the local emulator). Only for tests and demos: a production
   * config leaves this unset, so a webhook URL can never point the bot at an arbitrary host.
   */
  readonly allowApiBase?: string;
}

const HOSTS = new Set(['discord.com', 'ptb.discord.com', 'canary.discord.com']);
const LEGACY_HOSTS = new Set(['discordapp.com', 'ptb.discordapp.com', 'canary.discordapp.com']);
const PATH = /^\/api(?:\/v(\d{1,2}))?\/webhooks\/(\d{5,25})\/([A-Za-z0-9_-]{10,100})\/?$/;
const TOKEN = /^[A-Za-z0-9_-]{10,100}$/;

const invalid = (message: string): Result<never, WebhookUrlError> =>
  err({ code: 'webhook.url_invalid', message });

/** Parses a webhook URL. Error messages never repeat the URL (it holds a secret). */
export function parseWebhookUrl(
  input: string,
  options: ParseWebhookOptions = {},
): Result<WebhookCredentials, WebhookUrlError> {
  const raw = input.trim();
  if (!URL.canParse(raw)) return invalid('Not a URL.');
  const url = new URL(raw);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '')
    return invalid('A webhook URL has no credentials, query or fragment.');

  if (options.allowApiBase !== undefined && URL.canParse(options.allowApiBase)) {
    const base = new URL(options.allowApiBase);
    const prefix = base.pathname.replace(/\/+$/, '');
    if (url.origin === base.origin && url.pathname.startsWith(`${prefix}/webhooks/`)) {
      const m = /^\/webhooks\/(\d{5,25})\/([^/]+)\/?$/.exec(url.pathname.slice(prefix.length));
      if (m?.[1] !== undefined && m[2] !== undefined && TOKEN.test(m[2]))
        return ok({ id: m[1], token: m[2] });
      return invalid('Expected …/webhooks/{id}/{token}.');
    }
  }

  if (url.protocol !== 'https:' || url.port !== '')
    return err({
      code: 'webhook.url_not_discord',
      message: 'A Discord webhook URL starts with https://discord.com/api/webhooks/.',
    });
  const legacy = LEGACY_HOSTS.has(url.hostname);
  if (!HOSTS.has(url.hostname) && !legacy)
    return err({
      code: 'webhook.url_not_discord',
      message: 'A Discord webhook URL starts with https://discord.com/api/webhooks/.',
    });
  const m = PATH.exec(url.pathname);
  if (m === null || m[2] === undefined || m[3] === undefined)
    return invalid('Expected /api/webhooks/{id}/{token}.');
  const version = m[1] === undefined ? undefined : Number(m[1]);
  if (legacy && version !== undefined && version >= 10)
    return err({
      code: 'webhook.url_version_unsupported',
      message: 'discordapp.com does not serve API v10+: use discord.com.',
    });
  return ok({ id: m[2], token: m[3] });
}
