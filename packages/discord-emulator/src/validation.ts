// Discord's message limits (DISCORD.md §2): every violation becomes a 400 50035 with Discord's nested error shape.
import { DiscordErrors, FormErrorCollector, type ApiResponse } from './errors.js';

export const MessageLimits = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  embedTotal: 6000,
  usernameMin: 1,
  usernameMax: 80,
  avatarUrl: 2048,
  files: 10,
  fileBytes: 10 * 1024 * 1024,
  requestBytes: 25 * 1024 * 1024,
} as const;

/** Discord counts characters (code points) of the trimmed string. */
export function discordLength(value: string): number {
  let n = 0;
  for (const _ of value.trim()) n += 1;
  return n;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function maxLength(limit: number): string {
  return `Must be ${limit} or fewer in length.`;
}

function checkString(
  errors: FormErrorCollector,
  path: (string | number)[],
  value: unknown,
  limit: number,
  required: boolean,
): number {
  if (value === undefined || value === null) {
    if (required) errors.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return 0;
  }
  if (typeof value !== 'string') {
    errors.add(path, 'BASE_TYPE_STRING', 'Must be a string.');
    return 0;
  }
  const len = discordLength(value);
  if (required && len === 0) errors.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
  else if (len > limit) errors.add(path, 'BASE_TYPE_MAX_LENGTH', maxLength(limit));
  return len;
}

function checkEmbeds(errors: FormErrorCollector, embeds: unknown): void {
  if (embeds === undefined || embeds === null) return;
  if (!Array.isArray(embeds)) {
    errors.add(['embeds'], 'BASE_TYPE_ARRAY', 'Must be an array.');
    return;
  }
  if (embeds.length > MessageLimits.embeds) {
    errors.add(['embeds'], 'BASE_TYPE_MAX_LENGTH', maxLength(MessageLimits.embeds));
  }
  let total = 0;
  embeds.forEach((embed: unknown, i) => {
    if (!isRecord(embed)) {
      errors.add(['embeds', i], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      return;
    }
    total += checkString(errors, ['embeds', i, 'title'], embed['title'], MessageLimits.title, false);
    total += checkString(
      errors,
      ['embeds', i, 'description'],
      embed['description'],
      MessageLimits.description,
      false,
    );
    const fields = embed['fields'];
    if (fields !== undefined && fields !== null) {
      if (!Array.isArray(fields)) {
        errors.add(['embeds', i, 'fields'], 'BASE_TYPE_ARRAY', 'Must be an array.');
      } else {
        if (fields.length > MessageLimits.fields) {
          errors.add(['embeds', i, 'fields'], 'BASE_TYPE_MAX_LENGTH', maxLength(MessageLimits.fields));
        }
        fields.forEach((field: unknown, j) => {
          if (!isRecord(field)) {
            errors.add(
              ['embeds', i, 'fields', j],
              'MODEL_TYPE_CONVERT',
              'Only dictionaries may be used in a ModelType',
            );
            return;
          }
          total += checkString(
            errors,
            ['embeds', i, 'fields', j, 'name'],
            field['name'],
            MessageLimits.fieldName,
            true,
          );
          total += checkString(
            errors,
            ['embeds', i, 'fields', j, 'value'],
            field['value'],
            MessageLimits.fieldValue,
            true,
          );
        });
      }
    }
    const footer = embed['footer'];
    if (isRecord(footer)) {
      total += checkString(
        errors,
        ['embeds', i, 'footer', 'text'],
        footer['text'],
        MessageLimits.footer,
        true,
      );
    }
    const author = embed['author'];
    if (isRecord(author)) {
      total += checkString(
        errors,
        ['embeds', i, 'author', 'name'],
        author['name'],
        MessageLimits.author,
        true,
      );
    }
  });
  if (total > MessageLimits.embedTotal) {
    errors.add(
      ['embeds'],
      'MAX_EMBED_SIZE_EXCEEDED',
      `Embed size exceeds maximum size of ${MessageLimits.embedTotal}`,
    );
  }
}

const MENTION_TYPES = new Set(['roles', 'users', 'everyone']);

function checkAllowedMentions(errors: FormErrorCollector, am: unknown): void {
  if (am === undefined || am === null) return;
  if (!isRecord(am)) {
    errors.add(['allowed_mentions'], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    return;
  }
  const parse = am['parse'];
  if (parse !== undefined) {
    if (!Array.isArray(parse)) {
      errors.add(['allowed_mentions', 'parse'], 'BASE_TYPE_ARRAY', 'Must be an array.');
      return;
    }
    parse.forEach((p: unknown, i) => {
      if (typeof p !== 'string' || !MENTION_TYPES.has(p)) {
        errors.add(
          ['allowed_mentions', 'parse', i],
          'BASE_TYPE_CHOICES',
          "Value must be one of ('roles', 'users', 'everyone').",
        );
      }
    });
    for (const kind of ['users', 'roles'] as const) {
      const list = am[kind];
      if (parse.includes(kind) && Array.isArray(list) && list.length > 0) {
        errors.add(
          ['allowed_mentions'],
          'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
          `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`,
        );
      }
    }
  }
}

export interface MessageValidationInput {
  body: Record<string, unknown>;
  /** Webhook executes accept `username`/`avatar_url` overrides. */
  allowIdentityOverride: boolean;
}

/** Field-level checks; null when the body is within every limit. Emptiness is checked separately (50006). */
export function validateMessageBody(input: MessageValidationInput): ApiResponse | null {
  const { body } = input;
  const errors = new FormErrorCollector();
  checkString(errors, ['content'], body['content'], MessageLimits.content, false);
  checkEmbeds(errors, body['embeds']);
  checkAllowedMentions(errors, body['allowed_mentions']);
  if (input.allowIdentityOverride) {
    const username = body['username'];
    if (username !== undefined && username !== null) {
      if (typeof username !== 'string') {
        errors.add(['username'], 'BASE_TYPE_STRING', 'Must be a string.');
      } else {
        const len = discordLength(username);
        if (len < MessageLimits.usernameMin || len > MessageLimits.usernameMax) {
          errors.add(
            ['username'],
            'BASE_TYPE_BAD_LENGTH',
            `Must be between ${MessageLimits.usernameMin} and ${MessageLimits.usernameMax} in length.`,
          );
        }
        for (const word of ['discord', 'clyde']) {
          if (username.toLowerCase().includes(word)) {
            errors.add(['username'], 'USERNAME_INVALID_CONTAINS', `Username cannot contain "${word}"`);
          }
        }
      }
    }
    checkString(errors, ['avatar_url'], body['avatar_url'], MessageLimits.avatarUrl, false);
  }
  return errors.empty ? null : errors.toResponse();
}

export interface MessageShape {
  content: string;
  embeds: readonly unknown[];
  attachmentCount: number;
  components: readonly unknown[];
  hasStickersOrPoll: boolean;
}

export function isEmptyMessage(m: MessageShape): boolean {
  return (
    discordLength(m.content) === 0 &&
    m.embeds.length === 0 &&
    m.attachmentCount === 0 &&
    m.components.length === 0 &&
    !m.hasStickersOrPoll
  );
}

export function emptyMessageError(): ApiResponse {
  return DiscordErrors.emptyMessage();
}
