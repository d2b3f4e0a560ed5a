// Cheap, synchronous input checks made before the initial response: each failure says what to fix.
import { isUuid } from '../core/ids.js';
import { isDepth, type Depth, DEPTHS } from '../core/stage.js';
import { err, ok, type Result } from '../core/result.js';

export const MAX_URL_LENGTH = 2048;

/** A URL the bot accepts from Discord: absolute http(s), a host, no embedded credentials. */
export function validateAnalysisUrl(input: string | undefined): Result<string, string> {
  const raw = (input ?? '').trim();
  if (raw === '') return err('Give a link to analyse, e.g. `https://example.com/article`.');
  if (raw.length > MAX_URL_LENGTH)
    return err(`That link is too long (at most ${MAX_URL_LENGTH} characters).`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return err('That is not a valid link: give a full URL starting with `https://` or `http://`.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return err(`Only http and https links can be analysed (got \`${url.protocol.replace(/:$/, '')}\`).`);
  }
  if (url.hostname === '') return err('That link has no host name.');
  if (url.username !== '' || url.password !== '') {
    return err('Links with a user name or password in them are not accepted: remove the `user:pass@` part.');
  }
  return ok(url.toString());
}

export function validateDepth(input: string | undefined): Result<Depth, string> {
  if (input === undefined || input === '') return ok('standard');
  if (isDepth(input)) return ok(input);
  return err(`Unknown depth \`${input.slice(0, 40)}\`: choose one of ${DEPTHS.join(', ')}.`);
}

export function validateWorkflowId(input: string | undefined): Result<string, string> {
  const raw = (input ?? '').trim();
  if (isUuid(raw)) return ok(raw.toLowerCase());
  return err(
    'That is not a workflow id: it looks like `123e4567-e89b-42d3-a456-426614174000` (the bot gave it to you when the analysis started).',
  );
}

/** Longest search text accepted (the command option's own limit). */
export const SEARCH_QUERY_MAX = 200;

/** A search over earlier reports: some letters or digits, at most SEARCH_QUERY_MAX characters. */
export function validateSearchQuery(input: string | undefined): Result<string, string> {
  const raw = (input ?? '').trim();
  if (raw.length > SEARCH_QUERY_MAX)
    return err(`That search is ${raw.length} characters long; keep it under ${SEARCH_QUERY_MAX}.`);
  if (!/[\p{L}\p{N}]/u.test(raw))
    return err(
      'Search for some words (letters or digits), for example `/autointel_search query:wind turbines`.',
    );
  return ok(raw);
}

const WEBHOOK_URL =
  /^https:\/\/(?:(?:ptb|canary)\.)?discord(?:app)?\.com\/api(?:\/v\d{1,2})?\/webhooks\/\d{5,25}\/[\w-]{20,200}$/;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A Discord webhook URL in one of the forms Discord hands out (never echoed back: it holds a secret). `apiBase`
 * (config `DISCORD_API_BASE`) is accepted as well, so a deployment against another Discord-compatible API works.
 */
export function validateWebhookUrl(input: string | undefined, apiBase?: string): Result<string, string> {
  const raw = (input ?? '').trim();
  const underBase =
    apiBase !== undefined &&
    new RegExp(
      `^${escapeRegExp(apiBase.replace(/\/+$/, ''))}(?:/v\\d{1,2})?/webhooks/\\d{5,25}/[\\w-]{20,200}$`,
    ).test(raw);
  if (!underBase && !WEBHOOK_URL.test(raw)) {
    return err(
      'That is not a Discord webhook URL: copy it from Server Settings → Integrations → Webhooks (it looks like `https://discord.com/api/webhooks/<id>/<token>`).',
    );
  }
  if (raw.startsWith('https://discordapp.com/api/v') && !/\/api\/v[6-9]\//.test(raw)) {
    return err('The legacy discordapp.com address does not support this API version: use discord.com.');
  }
  return ok(raw);
}
