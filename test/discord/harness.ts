// Shared set-up for the Discord front-end e2e suites: an emulator world, in-memory services and timeline queries.
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { DiscordRestClient } from '../../src/discord-api/rest.js';
import { RateLimiter } from '../../src/discord-api/ratelimit.js';
import { InMemoryAppServices } from '../support/in-memory-services.js';
import { UndiciTransport } from '../../src/discord-api/transport.js';
import { DiscordEmulator, type TimelineEntry } from '@autointel/discord-emulator';

export const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
export const CALLBACK_ROUTE = '/interactions/:interaction_id/:token/callback';
/** Codes the bot must never cause on its own (DISCORD.md §1). */
export const BOT_FAULT_CODES = ['10062', '40060', '10015', '50027'];

export interface World {
  readonly emu: DiscordEmulator;
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly adminId: string;
}

export async function startWorld(): Promise<World> {
  const emu = await DiscordEmulator.start({ heartbeatIntervalMs: 1_000, rateLimits: { enabled: false } });
  const guildId = emu.createGuild({ name: 'g' }).id;
  const channelId = emu.createChannel({ guildId, name: 'reports' }).id;
  const userId = emu.createUser({ username: 'alice' }).id;
  const adminId = emu.createUser({ username: 'root' }).id;
  emu.addMember({ guildId, userId });
  emu.addMember({ guildId, userId: adminId, admin: true });
  return { emu, guildId, channelId, userId, adminId };
}

/** Services whose fallback really posts to the channel with the bot token, like the real delivery would. */
export function memoryServices(emu: DiscordEmulator): {
  services: InMemoryAppServices;
  close: () => Promise<void>;
} {
  const clock = new SystemClock();
  const transport = new UndiciTransport({ apiBase: emu.apiBase, botToken: emu.application.botToken });
  const services = new InMemoryAppServices({
    clock,
    logger,
    rest: new DiscordRestClient({ transport, logger, limiter: new RateLimiter({ clock, pacing: {} }) }),
  });
  return { services, close: () => transport.close() };
}

export function callbacksFor(emu: DiscordEmulator, interactionId: string): TimelineEntry[] {
  return emu
    .timeline()
    .filter(
      (e) => e.direction === 'inbound' && e.route === CALLBACK_ROUTE && e.interactionId === interactionId,
    );
}

export function botFaults(emu: DiscordEmulator): Record<string, number> {
  const byCode = emu.stats().errorsByCode;
  return Object.fromEntries(
    BOT_FAULT_CODES.filter((c) => (byCode[c] ?? 0) > 0).map((c) => [c, byCode[c] ?? 0]),
  );
}

export async function until<T>(
  probe: () => T | undefined | null | false,
  what: string,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const opt = (name: string, value: string) => ({ name, type: 3, value });
