// Removes secrets (webhook tokens, bot tokens, interaction tokens) from text before it is logged or stored.

const WEBHOOK_URL = /(\/webhooks\/\d{5,25}\/)[\w.-]{20,}/g;
const BOT_TOKEN = /\b[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,40}\b/g;
const BEARER = /\b(Bot|Bearer)\s+[\w.-]{20,}/g;

export function redactSecrets(text: string): string {
  return text
    .replace(WEBHOOK_URL, '$1[redacted]')
    .replace(BOT_TOKEN, '[redacted-token]')
    .replace(BEARER, '$1 [redacted]');
}
