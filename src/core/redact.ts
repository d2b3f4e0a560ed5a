// Removes secrets (webhook tokens, bot tokens, interaction tokens, passwords in URLs and connection strings) from text before it is logged or stored.

const WEBHOOK_URL = /(\/webhooks\/\d{5,25}\/)[\w.-]{20,}/g;
const BOT_TOKEN = /\b[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,40}\b/g;
const BEARER = /\b(Bot|Bearer)\s+[\w.-]{20,}/g;
// Credentials in a URL (`postgres://user:secret@host`) and libpq-style `password=secret` pairs.
const URL_PASSWORD = /(\b[a-z][\w+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;
const PASSWORD_PAIR = /\b(password|passwd|pwd)=("[^"]*"|'[^']*'|[^\s;&]+)/gi;

export function redactSecrets(text: string): string {
  return text
    .replace(WEBHOOK_URL, '$1[redacted]')
    .replace(BOT_TOKEN, '[redacted-token]')
    .replace(BEARER, '$1 [redacted]')
    .replace(URL_PASSWORD, '$1[redacted]@')
    .replace(PASSWORD_PAIR, '$1=[redacted]');
}
