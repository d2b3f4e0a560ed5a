// The local Discord the demo and the playground share: the emulator with one guild, #analysis, a member and a
// delivery webhook, and the bot configuration that points the real bot at it.
import { DiscordEmulator } from '@autointel/discord-emulator';
import { loadConfig, type Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';

export interface LocalDiscord {
  readonly emu: DiscordEmulator;
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly webhook: { readonly id: string; readonly url: string };
}

export async function startLocalDiscord(options: {
  readonly clock: Clock;
  readonly guildName: string;
  readonly username: string;
  readonly admin?: boolean;
}): Promise<LocalDiscord> {
  const emu = await DiscordEmulator.start({ clock: options.clock, heartbeatIntervalMs: 5_000 });
  const guild = emu.createGuild({ name: options.guildName });
  const channel = emu.createChannel({ guildId: guild.id, name: 'analysis' });
  const user = emu.createUser({ username: options.username });
  emu.addMember({ guildId: guild.id, userId: user.id, ...(options.admin === true ? { admin: true } : {}) });
  const webhook = emu.createWebhook({ channelId: channel.id, name: 'autointel reports' });
  return { emu, guildId: guild.id, channelId: channel.id, userId: user.id, webhook };
}

/** The bot's configuration against the local Discord, in gateway mode, allowed to read pages on this machine. */
export function localBotConfig(
  local: LocalDiscord,
  options: {
    readonly dataDir: string;
    readonly logLevel: string;
    readonly port?: number;
    readonly publicUrl?: string;
  },
): Config {
  const { emu } = local;
  return loadConfig({
    DISCORD_TOKEN: emu.application.botToken,
    DISCORD_APPLICATION_ID: emu.application.id,
    DISCORD_PUBLIC_KEY: emu.application.publicKeyHex,
    DISCORD_API_BASE: emu.apiBase,
    DISCORD_WEBHOOK: local.webhook.url,
    AUTOINTEL_MODE: 'gateway',
    PORT: String(options.port ?? 0),
    ...(options.publicUrl === undefined ? {} : { AUTOINTEL_PUBLIC_URL: options.publicUrl }),
    AUTOINTEL_DATA_DIR: options.dataDir,
    AUTOINTEL_ALLOW_PRIVATE_NETWORKS: 'true',
    LOG_LEVEL: options.logLevel,
  });
}
