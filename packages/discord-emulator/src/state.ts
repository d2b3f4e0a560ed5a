// The emulated Discord world: guilds, channels, users, webhooks, messages, interactions and commands.
import { botTokenFor, interactionTokenFor, randomToken, SnowflakeGenerator } from './ids.js';
import { resolveMentions, type MentionDefault } from './mentions.js';
import type {
  EmulatedAttachment,
  EmulatedMessage,
  EmulatorClock,
  InteractionView,
  SlashCommandOption,
} from './types.js';

export const INTERACTION_RESPONSE_WINDOW_MS = 3_000;
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;
export const MessageFlags = {
  SuppressEmbeds: 4,
  Ephemeral: 64,
  Loading: 128,
  SuppressNotifications: 4096,
} as const;
/** Flags a client may set when creating a message; anything else is refused or dropped. */
export const CREATABLE_FLAGS = 4 | 64 | 4096 | 32768;
export const ADMIN_PERMISSIONS = ((1n << 51n) - 1n).toString();
/** VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, ATTACH_FILES, READ_MESSAGE_HISTORY, USE_APPLICATION_COMMANDS. */
export const MEMBER_PERMISSIONS = (
  (1n << 10n) |
  (1n << 11n) |
  (1n << 14n) |
  (1n << 15n) |
  (1n << 16n) |
  (1n << 31n)
).toString();
export const ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

export interface Guild {
  id: string;
  name: string;
  members: Map<string, { userId: string; admin: boolean; joinedAt: number }>;
}

export interface Channel {
  id: string;
  guildId: string;
  name: string;
  type: number;
}

export interface User {
  id: string;
  username: string;
  bot: boolean;
}

export interface Webhook {
  id: string;
  token: string;
  channelId: string;
  guildId: string;
  name: string;
  /** Set when the bot created it through the API. */
  applicationId: string | null;
}

export interface InteractionRecord {
  id: string;
  token: string;
  guildId: string;
  channelId: string;
  userId: string;
  commandName: string;
  createdAt: number;
  /** When the payload left, on the monotonic high-resolution clock (ms, `performance.now()`; not moved by advanceClock). */
  sentAtPrecise: number;
  delivery: 'gateway' | 'http';
  acknowledged: 'none' | 'deferred' | 'replied';
  responseType: number | null;
  acknowledgedAt: number | null;
  ephemeral: boolean;
  originalMessageId: string | null;
  originalDeleted: boolean;
  /** A type-5 defer left a loading message that the first followup or edit will fill. */
  loading: boolean;
  ephemeralMessages: EmulatedMessage[];
  payload: Record<string, unknown>;
}

export interface StoredCommand {
  id: string;
  name: string;
  type: number;
  guildId: string | null;
  version: string;
  body: Record<string, unknown>;
}

export interface FileInput {
  /** The n of `files[n]`: the id an `attachments` entry refers to. */
  index: number;
  filename: string;
  contentType: string | null;
  data: Buffer;
}

export interface NewMessageInput {
  channelId: string;
  payload: Record<string, unknown>;
  files: readonly FileInput[];
  author: EmulatedMessage['author'];
  mentionDefault: MentionDefault;
  ephemeral: boolean;
  interactionId?: string;
  type?: number;
  extraFlags?: number;
}

function asRecordArray(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v)
    ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
    : [];
}

export class EmulatorState {
  readonly clock: EmulatorClock;
  readonly ids: SnowflakeGenerator;
  readonly application: { id: string; botToken: string; name: string };
  readonly botUser: User;
  readonly guilds = new Map<string, Guild>();
  readonly channels = new Map<string, Channel>();
  readonly users = new Map<string, User>();
  readonly webhooks = new Map<string, Webhook>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly interactionsByToken = new Map<string, InteractionRecord>();
  readonly commands = new Map<string, StoredCommand>();
  readonly #channelMessages = new Map<string, EmulatedMessage[]>();
  readonly #messageIndex = new Map<string, EmulatedMessage>();
  readonly #commandIdsByName = new Map<string, string>();

  constructor(options: { clock: EmulatorClock }) {
    this.clock = options.clock;
    this.ids = new SnowflakeGenerator({ clock: options.clock });
    const appId = this.ids.next();
    this.application = { id: appId, botToken: botTokenFor(appId), name: 'Emulated App' };
    this.botUser = { id: appId, username: 'emulated-bot', bot: true };
    this.users.set(appId, this.botUser);
  }

  createGuild(name?: string): Guild {
    const guild: Guild = { id: this.ids.next(), name: name ?? 'Emulated Guild', members: new Map() };
    this.guilds.set(guild.id, guild);
    return guild;
  }

  createChannel(guildId: string, name?: string): Channel {
    if (!this.guilds.has(guildId)) throw new Error(`createChannel: unknown guild ${guildId}`);
    const channel: Channel = { id: this.ids.next(), guildId, name: name ?? 'general', type: 0 };
    this.channels.set(channel.id, channel);
    this.#channelMessages.set(channel.id, []);
    return channel;
  }

  createUser(username?: string): User {
    const id = this.ids.next();
    const user: User = { id, username: username ?? `user${id.slice(-6)}`, bot: false };
    this.users.set(id, user);
    return user;
  }

  addMember(guildId: string, userId: string, admin: boolean): void {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new Error(`addMember: unknown guild ${guildId}`);
    if (!this.users.has(userId)) throw new Error(`addMember: unknown user ${userId}`);
    guild.members.set(userId, { userId, admin, joinedAt: this.clock.now() });
  }

  createWebhook(channelId: string, name: string, applicationId: string | null): Webhook {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`createWebhook: unknown channel ${channelId}`);
    const webhook: Webhook = {
      id: this.ids.next(),
      token: randomToken(51),
      channelId,
      guildId: channel.guildId,
      name,
      applicationId,
    };
    this.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  // ---- messages ----

  channelMessages(channelId: string): EmulatedMessage[] {
    return this.#channelMessages.get(channelId) ?? [];
  }

  message(id: string): EmulatedMessage | undefined {
    return this.#messageIndex.get(id);
  }

  #attachments(payload: Record<string, unknown>, files: readonly FileInput[]): EmulatedAttachment[] {
    const meta = asRecordArray(payload['attachments']);
    return files.map((f) => {
      const m = meta.find((a) => String(a['id']) === String(f.index));
      const filename = typeof m?.['filename'] === 'string' ? m['filename'] : f.filename;
      const description = typeof m?.['description'] === 'string' ? m['description'] : null;
      return {
        id: this.ids.next(),
        filename,
        size: f.data.length,
        contentType: f.contentType,
        description,
        content: f.data,
      };
    });
  }

  createMessage(input: NewMessageInput): EmulatedMessage {
    const channel = this.channels.get(input.channelId);
    const p = input.payload;
    const content = typeof p['content'] === 'string' ? p['content'] : '';
    const requestedFlags = typeof p['flags'] === 'number' ? p['flags'] : 0;
    const flags =
      (requestedFlags & CREATABLE_FLAGS & ~MessageFlags.Ephemeral) |
      (input.ephemeral ? MessageFlags.Ephemeral : 0) |
      (input.extraFlags ?? 0);
    const allowed =
      typeof p['allowed_mentions'] === 'object' && p['allowed_mentions'] !== null
        ? p['allowed_mentions']
        : null;
    const message: EmulatedMessage = {
      id: this.ids.next(),
      type: input.type ?? 0,
      channelId: input.channelId,
      guildId: channel?.guildId ?? null,
      content,
      embeds: asRecordArray(p['embeds']),
      components: Array.isArray(p['components']) ? (p['components'] as unknown[]) : [],
      attachments: this.#attachments(p, input.files),
      flags,
      author: input.author,
      allowedMentions: allowed as Record<string, unknown> | null,
      mentions: resolveMentions(content, allowed, input.mentionDefault),
      createdAt: this.clock.now(),
      editedAt: null,
    };
    if (input.author.webhookId !== undefined) message.webhookId = input.author.webhookId;
    if (input.interactionId !== undefined) message.interactionId = input.interactionId;
    this.#messageIndex.set(message.id, message);
    if (input.ephemeral && input.interactionId !== undefined) {
      this.interactions.get(input.interactionId)?.ephemeralMessages.push(message);
    } else {
      const list = this.#channelMessages.get(input.channelId) ?? [];
      list.push(message);
      this.#channelMessages.set(input.channelId, list);
    }
    return message;
  }

  /** Applies an edit payload; `attachments`, when present, lists every existing attachment to keep. */
  editMessage(
    message: EmulatedMessage,
    payload: Record<string, unknown>,
    files: readonly FileInput[],
    mentionDefault: MentionDefault,
    options: { clearFlags?: number } = {},
  ): void {
    if (typeof payload['content'] === 'string' || payload['content'] === null) {
      message.content = typeof payload['content'] === 'string' ? payload['content'] : '';
    }
    if (Array.isArray(payload['embeds']) || payload['embeds'] === null)
      message.embeds = asRecordArray(payload['embeds']);
    if (Array.isArray(payload['components']) || payload['components'] === null) {
      message.components = Array.isArray(payload['components']) ? (payload['components'] as unknown[]) : [];
    }
    if (Array.isArray(payload['attachments'])) {
      const keep = new Set(asRecordArray(payload['attachments']).map((a) => String(a['id'])));
      message.attachments = message.attachments.filter((a) => keep.has(a.id));
    }
    message.attachments = [...message.attachments, ...this.#attachments(payload, files)];
    if (typeof payload['flags'] === 'number') {
      // Only SUPPRESS_EMBEDS can be toggled by an edit.
      message.flags =
        (message.flags & ~MessageFlags.SuppressEmbeds) | (payload['flags'] & MessageFlags.SuppressEmbeds);
    }
    if (options.clearFlags !== undefined) message.flags &= ~options.clearFlags;
    if (typeof payload['allowed_mentions'] === 'object' && payload['allowed_mentions'] !== null) {
      message.allowedMentions = payload['allowed_mentions'] as Record<string, unknown>;
    }
    message.mentions = resolveMentions(message.content, message.allowedMentions, mentionDefault);
    message.editedAt = this.clock.now();
  }

  deleteMessage(message: EmulatedMessage): void {
    message.deleted = true;
  }

  // ---- interactions ----

  commandIdFor(name: string, guildId: string): string {
    for (const c of this.commands.values()) {
      if (c.name === name && c.type === 1 && (c.guildId === guildId || c.guildId === null)) return c.id;
    }
    let id = this.#commandIdsByName.get(name);
    if (!id) {
      id = this.ids.next();
      this.#commandIdsByName.set(name, id);
    }
    return id;
  }

  createInteraction(input: {
    guildId: string;
    channelId: string;
    userId: string;
    name: string;
    options: readonly SlashCommandOption[];
    delivery: 'gateway' | 'http';
  }): InteractionRecord {
    const guild = this.guilds.get(input.guildId);
    if (!guild) throw new Error(`fireSlashCommand: unknown guild ${input.guildId}`);
    const channel = this.channels.get(input.channelId);
    if (!channel || channel.guildId !== guild.id)
      throw new Error(`fireSlashCommand: unknown channel ${input.channelId}`);
    const user = this.users.get(input.userId);
    if (!user) throw new Error(`fireSlashCommand: unknown user ${input.userId}`);
    // A user who runs a command is necessarily a member; tests that skip addMember get a plain member.
    if (!guild.members.has(user.id)) this.addMember(guild.id, user.id, false);
    const member = guild.members.get(user.id);
    const id = this.ids.next();
    const token = interactionTokenFor(id);
    const payload: Record<string, unknown> = {
      id,
      application_id: this.application.id,
      type: 2,
      token,
      version: 1,
      guild_id: guild.id,
      channel_id: channel.id,
      channel: { id: channel.id, type: channel.type, guild_id: guild.id, name: channel.name },
      guild: { id: guild.id, locale: 'en-US', features: [] },
      member: {
        user: {
          id: user.id,
          username: user.username,
          discriminator: '0',
          global_name: user.username,
          avatar: null,
        },
        permissions: member?.admin ? ADMIN_PERMISSIONS : MEMBER_PERMISSIONS,
        roles: [],
        joined_at: new Date(member?.joinedAt ?? this.clock.now()).toISOString(),
        nick: null,
        avatar: null,
        deaf: false,
        mute: false,
        pending: false,
        flags: 0,
      },
      data: {
        id: this.commandIdFor(input.name, guild.id),
        name: input.name,
        type: 1,
        guild_id: guild.id,
        options: input.options.map((o) => ({ name: o.name, type: o.type, value: o.value })),
      },
      app_permissions: MEMBER_PERMISSIONS,
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guild.id },
      context: 0,
      attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
    };
    const record: InteractionRecord = {
      id,
      token,
      guildId: guild.id,
      channelId: channel.id,
      userId: user.id,
      commandName: input.name,
      createdAt: this.clock.now(),
      sentAtPrecise: performance.now(),
      delivery: input.delivery,
      acknowledged: 'none',
      responseType: null,
      acknowledgedAt: null,
      ephemeral: false,
      originalMessageId: null,
      originalDeleted: false,
      loading: false,
      ephemeralMessages: [],
      payload,
    };
    this.interactions.set(id, record);
    this.interactionsByToken.set(token, record);
    return record;
  }

  /** The creation time is re-stamped when the payload actually leaves, so the 3 s window starts then. */
  markSent(record: InteractionRecord): void {
    record.createdAt = this.clock.now();
    record.sentAtPrecise = performance.now();
  }

  view(record: InteractionRecord): InteractionView {
    const expired =
      record.acknowledged === 'none' && this.clock.now() - record.createdAt > INTERACTION_RESPONSE_WINDOW_MS;
    const state =
      record.acknowledged === 'deferred'
        ? 'deferred'
        : record.acknowledged === 'replied'
          ? 'replied'
          : expired
            ? 'expired_unacknowledged'
            : 'pending';
    return {
      state,
      ephemeral: record.ephemeral,
      originalMessageId: record.originalMessageId,
      createdAt: record.createdAt,
      acknowledgedAt: record.acknowledgedAt,
      responseType: record.responseType,
      delivery: record.delivery,
    };
  }

  // ---- API renderings ----

  userJson(user: User): Record<string, unknown> {
    return {
      id: user.id,
      username: user.username,
      discriminator: '0',
      global_name: user.bot ? null : user.username,
      avatar: null,
      bot: user.bot,
      flags: 0,
      public_flags: 0,
    };
  }

  /** A GUILD_CREATE payload complete enough for discord.js to cache the guild, its channels and the bot member. */
  guildCreateJson(guild: Guild): Record<string, unknown> {
    const joinedAt = new Date(this.clock.now()).toISOString();
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: [...guild.members.values()].find((m) => m.admin)?.userId ?? this.botUser.id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      premium_tier: 0,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      vanity_url_code: null,
      preferred_locale: 'en-US',
      features: [],
      max_members: 500_000,
      max_video_channel_users: 25,
      application_id: null,
      roles: [
        {
          id: guild.id,
          name: '@everyone',
          permissions: MEMBER_PERMISSIONS,
          position: 0,
          color: 0,
          hoist: false,
          managed: false,
          mentionable: false,
          icon: null,
          unicode_emoji: null,
          flags: 0,
        },
      ],
      emojis: [],
      stickers: [],
      channels: [...this.channels.values()]
        .filter((c) => c.guildId === guild.id)
        .map((c) => this.channelJson(c)),
      threads: [],
      members: [
        {
          user: this.userJson(this.botUser),
          roles: [],
          joined_at: joinedAt,
          deaf: false,
          mute: false,
          flags: 0,
        },
      ],
      member_count: guild.members.size + 1,
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      large: false,
      unavailable: false,
      joined_at: joinedAt,
      lazy: true,
    };
  }

  channelJson(channel: Channel): Record<string, unknown> {
    const list = this.#channelMessages.get(channel.id) ?? [];
    return {
      id: channel.id,
      type: channel.type,
      guild_id: channel.guildId,
      name: channel.name,
      position: 0,
      permission_overwrites: [],
      nsfw: false,
      topic: null,
      parent_id: null,
      rate_limit_per_user: 0,
      last_message_id: list.at(-1)?.id ?? null,
      flags: 0,
    };
  }

  webhookJson(webhook: Webhook, baseApi: string, withToken: boolean): Record<string, unknown> {
    const json: Record<string, unknown> = {
      id: webhook.id,
      type: 1,
      guild_id: webhook.guildId,
      channel_id: webhook.channelId,
      name: webhook.name,
      avatar: null,
      application_id: webhook.applicationId,
    };
    if (withToken) {
      json['token'] = webhook.token;
      json['url'] = `${baseApi}/webhooks/${webhook.id}/${webhook.token}`;
    }
    if (webhook.applicationId !== null) json['user'] = this.userJson(this.botUser);
    return json;
  }

  messageJson(m: EmulatedMessage, baseUrl: string): Record<string, unknown> {
    const json: Record<string, unknown> = {
      id: m.id,
      type: m.type,
      channel_id: m.channelId,
      author: {
        id: m.author.id,
        username: m.author.username,
        discriminator: m.author.webhookId !== undefined && m.interactionId === undefined ? '0000' : '0',
        global_name: null,
        avatar: null,
        bot: m.author.bot,
        public_flags: 0,
      },
      content: m.content,
      timestamp: new Date(m.createdAt).toISOString(),
      edited_timestamp: m.editedAt === null ? null : new Date(m.editedAt).toISOString(),
      tts: false,
      mention_everyone: m.mentions.everyone,
      mentions: m.mentions.users.flatMap((id) => {
        const u = this.users.get(id);
        return u ? [this.userJson(u)] : [];
      }),
      mention_roles: m.mentions.roles,
      attachments: m.attachments.map((a) => ({
        id: a.id,
        filename: a.filename,
        size: a.size,
        url: `${baseUrl}/attachments/${m.channelId}/${a.id}/${encodeURIComponent(a.filename)}`,
        proxy_url: `${baseUrl}/attachments/${m.channelId}/${a.id}/${encodeURIComponent(a.filename)}`,
        content_type: a.contentType ?? undefined,
        description: a.description ?? undefined,
      })),
      embeds: m.embeds,
      components: m.components,
      pinned: false,
      flags: m.flags,
    };
    if (m.webhookId !== undefined) json['webhook_id'] = m.webhookId;
    if (m.interactionId !== undefined) {
      json['application_id'] = this.application.id;
      const rec = this.interactions.get(m.interactionId);
      if (rec) {
        const user = this.users.get(rec.userId);
        json['interaction_metadata'] = {
          id: rec.id,
          type: 2,
          name: rec.commandName,
          command_type: 1,
          user: user ? this.userJson(user) : null,
          authorizing_integration_owners: { '0': rec.guildId },
        };
      }
    }
    return json;
  }
}
