// Reads a raw interaction payload (gateway dispatch or HTTP body — the same JSON) into the few fields the router uses.
import { ADMINISTRATOR, MANAGE_GUILD } from './commands.js';

export const InteractionType = {
  Ping: 1,
  ApplicationCommand: 2,
  Component: 3,
  Autocomplete: 4,
  Modal: 5,
} as const;

export interface CommandOptionValue {
  readonly name: string;
  readonly type: number;
  readonly value: string | number | boolean;
}

export interface ParsedInteraction {
  readonly type: number;
  readonly id: string;
  readonly applicationId: string;
  readonly token: string;
  readonly guildId: string | null;
  readonly channelId: string | null;
  readonly userId: string;
  /** MANAGE_GUILD or ADMINISTRATOR in the guild (from `member.permissions`, computed by Discord). */
  readonly isAdmin: boolean;
  readonly commandName: string | null;
  readonly options: readonly CommandOptionValue[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function hasAdminBits(permissions: unknown): boolean {
  if (typeof permissions !== 'string' || !/^\d{1,30}$/.test(permissions)) return false;
  const bits = BigInt(permissions);
  return (bits & MANAGE_GUILD) !== 0n || (bits & ADMINISTRATOR) !== 0n;
}

/** Returns null when the payload is not an interaction this bot can answer (missing id, token or type). */
export function parseInteraction(raw: unknown): ParsedInteraction | null {
  if (!isRecord(raw)) return null;
  const type = raw['type'];
  const id = str(raw['id']);
  const applicationId = str(raw['application_id']);
  const token = str(raw['token']);
  if (typeof type !== 'number' || id === null || applicationId === null || token === null) return null;
  const member = isRecord(raw['member']) ? raw['member'] : null;
  const user = isRecord(member?.['user']) ? member['user'] : isRecord(raw['user']) ? raw['user'] : null;
  const channel = isRecord(raw['channel']) ? raw['channel'] : null;
  const data = isRecord(raw['data']) ? raw['data'] : null;
  const options: CommandOptionValue[] = [];
  for (const o of Array.isArray(data?.['options']) ? (data['options'] as unknown[]) : []) {
    if (!isRecord(o)) continue;
    const name = str(o['name']);
    const value = o['value'];
    if (
      name !== null &&
      typeof o['type'] === 'number' &&
      (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    ) {
      options.push({ name, type: o['type'], value });
    }
  }
  return {
    type,
    id,
    applicationId,
    token,
    guildId: str(raw['guild_id']),
    channelId: str(raw['channel_id']) ?? str(channel?.['id']),
    userId: str(user?.['id']) ?? '0',
    isAdmin: hasAdminBits(member?.['permissions']),
    commandName: str(data?.['name']),
    options,
  };
}

/** A boolean option's value: true only for a real `true` (absent, or any other value, is false). */
export function booleanOption(i: ParsedInteraction, name: string): boolean {
  return i.options.find((x) => x.name === name)?.value === true;
}

/** The string value of an option, or undefined when absent. */
export function stringOption(i: ParsedInteraction, name: string): string | undefined {
  const o = i.options.find((x) => x.name === name);
  return o === undefined ? undefined : String(o.value);
}
