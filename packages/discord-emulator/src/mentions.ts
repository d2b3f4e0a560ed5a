// Which mentions in a message would really ping, once `allowed_mentions` (or its default) is applied.
import type { MentionRecord } from './types.js';

export type MentionDefault = 'users_only' | 'all';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown): string[] | null {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null;
}

/**
 * Interactions and webhooks default to `{parse:['users']}`; bot channel messages default to parsing everything.
 * An explicit `allowed_mentions` replaces the default entirely, as on Discord.
 */
export function resolveMentions(content: string, allowed: unknown, fallback: MentionDefault): MentionRecord {
  const mentionedUsers = [...content.matchAll(/<@!?(\d{15,21})>/g)].map((m) => m[1] ?? '');
  const mentionedRoles = [...content.matchAll(/<@&(\d{15,21})>/g)].map((m) => m[1] ?? '');
  const everyoneInText = /@(everyone|here)\b/.test(content);

  let parse: Set<string>;
  let users: string[] | null = null;
  let roles: string[] | null = null;
  if (isRecord(allowed)) {
    parse = new Set(stringList(allowed['parse']) ?? []);
    users = stringList(allowed['users']);
    roles = stringList(allowed['roles']);
  } else {
    parse = fallback === 'all' ? new Set(['users', 'roles', 'everyone']) : new Set(['users']);
  }
  const pingUsers = mentionedUsers.filter((id) => parse.has('users') || (users?.includes(id) ?? false));
  const pingRoles = mentionedRoles.filter((id) => parse.has('roles') || (roles?.includes(id) ?? false));
  return {
    everyone: everyoneInText && parse.has('everyone'),
    users: [...new Set(pingUsers)],
    roles: [...new Set(pingRoles)],
  };
}
