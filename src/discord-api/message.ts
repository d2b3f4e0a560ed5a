// The one Discord message type the bot sends anywhere (interaction responses, followups, webhooks, channels, the
// outbox's stored parts), JSON-serialisable, and its wire form.
import { FormData } from 'undici';

/** Discord's ephemeral flag: only the invoking user sees the message. */
export const EPHEMERAL = 64;

/** A Discord embed, restricted to the parts we send. */
export interface Embed {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  timestamp?: string;
  author?: { name: string; url?: string };
  footer?: { text: string };
  fields?: { name: string; value: string; inline?: boolean }[];
  /** `attachment://<file name>` shows an attached image inside the embed. */
  image?: { url: string };
}

/** An attachment; base64 so a message can be stored as JSON (the outbox) and sent again unchanged. */
export interface MessageFile {
  name: string;
  contentBase64: string;
  contentType?: string;
  description?: string;
}

export interface DiscordMessage {
  content?: string;
  embeds?: Embed[];
  files?: MessageFile[];
  /** Only EPHEMERAL is meaningful, and only for interaction responses and followups; edits drop it. */
  flags?: number;
  /**
   * Always sent as `{ parse: [] }` whatever is set here (see toWireBody); kept optional so stored messages that
   * spell it out still read back.
   */
  allowed_mentions?: { parse: [] };
}

/** A request body ready for undici: JSON, or multipart when the message carries files. */
export type WireBody =
  | { readonly kind: 'json'; readonly json: Record<string, unknown> }
  | { readonly kind: 'multipart'; readonly form: FormData };

/**
 * Converts a message to its wire form. Mentions are never parsed: a report quoting "@everyone" must not ping
 * anyone, so every body carries `allowed_mentions: { parse: [] }`.
 */
export function toWireBody(msg: DiscordMessage, extra: Readonly<Record<string, unknown>> = {}): WireBody {
  const json: Record<string, unknown> = { ...extra, allowed_mentions: { parse: [] } };
  if (msg.content !== undefined) json['content'] = msg.content;
  if (msg.embeds !== undefined) json['embeds'] = msg.embeds;
  if (msg.flags !== undefined) json['flags'] = msg.flags;
  const files = msg.files ?? [];
  if (files.length === 0) return { kind: 'json', json };
  json['attachments'] = files.map((f, i) => ({
    id: i,
    filename: f.name,
    ...(f.description === undefined ? {} : { description: f.description }),
  }));
  const form = new FormData();
  form.append('payload_json', JSON.stringify(json));
  files.forEach((f, i) => {
    const blob = new Blob([Buffer.from(f.contentBase64, 'base64')], {
      type: f.contentType ?? contentTypeOf(f.name),
    });
    form.append(`files[${i}]`, blob, f.name);
  });
  return { kind: 'multipart', form };
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  md: 'text/markdown',
  txt: 'text/plain',
  json: 'application/json',
  png: 'image/png',
  svg: 'image/svg+xml',
};

/** The attachment's type from its file name: Discord shows a `.png` inside an embed only as an image. */
function contentTypeOf(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/** A plain-text message; `ephemeral` sets the flag for followups and type-4 replies. */
export function textMessage(content: string, options: { readonly ephemeral?: boolean } = {}): DiscordMessage {
  return options.ephemeral === true ? { content, flags: EPHEMERAL } : { content };
}

/** A stored message read back (outbox parts): null when it has nothing a message could carry. */
export function asDiscordMessage(payload: unknown): DiscordMessage | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const p = payload as Record<string, unknown>;
  const ok =
    (p['content'] === undefined || typeof p['content'] === 'string') &&
    (p['embeds'] === undefined || Array.isArray(p['embeds'])) &&
    (p['files'] === undefined || Array.isArray(p['files']));
  const hasBody = p['content'] !== undefined || p['embeds'] !== undefined || p['files'] !== undefined;
  return ok && hasBody ? (payload as DiscordMessage) : null;
}
