// The Discord message body the bot sends anywhere (interaction edits, followups, webhooks, channels) and its wire form.
import { FormData } from 'undici';

/** Discord's ephemeral flag: only the invoking user sees the message. */
export const EPHEMERAL = 64;

export interface DiscordEmbedField {
  readonly name: string;
  readonly value: string;
  readonly inline?: boolean;
}

export interface DiscordEmbed {
  readonly title?: string;
  readonly description?: string;
  readonly url?: string;
  readonly color?: number;
  readonly fields?: readonly DiscordEmbedField[];
  readonly footer?: { readonly text: string };
  readonly author?: { readonly name: string; readonly url?: string };
  readonly timestamp?: string;
}

export interface DiscordFile {
  readonly name: string;
  readonly data: Uint8Array;
  readonly contentType?: string;
  readonly description?: string;
}

export interface DiscordMessage {
  readonly content?: string;
  readonly embeds?: readonly DiscordEmbed[];
  readonly files?: readonly DiscordFile[];
  /** Only EPHEMERAL is meaningful for interaction responses; ignored by edits. */
  readonly flags?: number;
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
    const blob = new Blob([f.data], { type: f.contentType ?? 'application/octet-stream' });
    form.append(`files[${i}]`, blob, f.name);
  });
  return { kind: 'multipart', form };
}

/** A plain-text message; `ephemeral` sets the flag for followups and type-4 replies. */
export function textMessage(content: string, options: { readonly ephemeral?: boolean } = {}): DiscordMessage {
  return options.ephemeral === true ? { content, flags: EPHEMERAL } : { content };
}
