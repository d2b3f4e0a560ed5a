// Discord's message limits (DISCORD.md §2) and a validator that checks a message against them.
import type { DiscordMessage, Embed } from './message.js';

/** The initial response must reach Discord within this of the interaction's creation (DISCORD.md §1). */
export const INITIAL_RESPONSE_WINDOW_MS = 3_000;
/** Interaction tokens (followups, edits of the original) live this long after the interaction's creation. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;

export const LIMITS = {
  content: 2000,
  embedsPerMessage: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  embedTotal: 6000,
  files: 10,
  /** Discord's default per-file limit; an interaction's `attachment_size_limit` may say more. */
  fileBytes: 10 * 1024 * 1024,
  requestBytes: 25 * 1024 * 1024,
  url: 2048,
} as const;

/**
 * The length we hold every string to. Discord counts trimmed strings (in code points); we count UTF-16 code units
 * of the untrimmed string, which is never less, so a message that passes here passes at Discord whatever the
 * exact counting rule on its side.
 */
export const measure = (s: string): number => s.length;

/** Sum of the strings Discord counts towards the 6000-character total of one embed. */
export function embedSize(e: Embed): number {
  let n = 0;
  if (e.title !== undefined) n += measure(e.title);
  if (e.description !== undefined) n += measure(e.description);
  if (e.footer !== undefined) n += measure(e.footer.text);
  if (e.author !== undefined) n += measure(e.author.name);
  for (const f of e.fields ?? []) n += measure(f.name) + measure(f.value);
  return n;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every reason `msg` would be refused by Discord (50035 / 50006); empty when it is acceptable. */
export function validateMessage(msg: DiscordMessage, opts: { maxFileBytes?: number } = {}): string[] {
  const problems: string[] = [];
  const maxFile = opts.maxFileBytes ?? LIMITS.fileBytes;
  const str = (path: string, s: string, max: number, required: boolean): void => {
    if (measure(s) > max) problems.push(`${path}: ${measure(s)} > ${max}`);
    if (required && s.trim() === '') problems.push(`${path}: empty`);
    if (LONE_SURROGATE.test(s)) problems.push(`${path}: lone surrogate`);
  };
  const embeds = msg.embeds ?? [];
  const files = msg.files ?? [];
  if (msg.content !== undefined) str('content', msg.content, LIMITS.content, false);
  const hasContent = msg.content !== undefined && msg.content.trim() !== '';
  if (!hasContent && embeds.length === 0 && files.length === 0) problems.push('message: empty (50006)');
  if (embeds.length > LIMITS.embedsPerMessage)
    problems.push(`embeds: ${embeds.length} > ${LIMITS.embedsPerMessage}`);
  let total = 0;
  embeds.forEach((e, i) => {
    const p = `embeds.${i}`;
    if (e.title !== undefined) str(`${p}.title`, e.title, LIMITS.title, true);
    if (e.description !== undefined) str(`${p}.description`, e.description, LIMITS.description, true);
    if (e.footer !== undefined) str(`${p}.footer.text`, e.footer.text, LIMITS.footer, true);
    if (e.author !== undefined) str(`${p}.author.name`, e.author.name, LIMITS.author, true);
    if (e.url !== undefined) {
      if (measure(e.url) > LIMITS.url || !/^https?:\/\/\S+$/.test(e.url) || !URL.canParse(e.url))
        problems.push(`${p}.url: not a valid http(s) URL`);
    }
    const fields = e.fields ?? [];
    if (fields.length > LIMITS.fields) problems.push(`${p}.fields: ${fields.length} > ${LIMITS.fields}`);
    fields.forEach((f, j) => {
      str(`${p}.fields.${j}.name`, f.name, LIMITS.fieldName, true);
      str(`${p}.fields.${j}.value`, f.value, LIMITS.fieldValue, true);
    });
    const hasBody =
      e.title !== undefined ||
      e.description !== undefined ||
      fields.length > 0 ||
      e.author !== undefined ||
      e.footer !== undefined;
    if (!hasBody) problems.push(`${p}: empty embed`);
    total += embedSize(e);
  });
  if (total > LIMITS.embedTotal) problems.push(`embeds: total ${total} > ${LIMITS.embedTotal}`);
  if (files.length > LIMITS.files) problems.push(`files: ${files.length} > ${LIMITS.files}`);
  let bytes = 0;
  files.forEach((f, i) => {
    const size = Buffer.byteLength(f.contentBase64, 'base64');
    bytes += size;
    if (size > maxFile) problems.push(`files.${i}: ${size} bytes > ${maxFile}`);
    if (!/^[\w.-]{1,100}$/.test(f.name)) problems.push(`files.${i}.name: unsafe file name`);
  });
  if (bytes + Buffer.byteLength(JSON.stringify({ ...msg, files: undefined })) > LIMITS.requestBytes)
    problems.push('request: over 25 MiB');
  if ((msg.allowed_mentions?.parse.length ?? 0) !== 0) problems.push('allowed_mentions: must parse nothing');
  return problems;
}
