// A real, unmodified discord.js Client against the emulator: login, INTERACTION_CREATE, defer + edit, duplicate race.
import {
  Client,
  Events,
  GatewayIntentBits,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DiscordEmulator } from './emulator.js';

let emu: DiscordEmulator;
const clients: Client[] = [];

beforeEach(async () => {
  emu = await DiscordEmulator.start({ heartbeatIntervalMs: 500 });
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.destroy();
  await emu.close();
});

function world() {
  const guild = emu.createGuild({ name: 'g' });
  const channel = emu.createChannel({ guildId: guild.id, name: 'reports' });
  const user = emu.createUser({ username: 'alice' });
  emu.addMember({ guildId: guild.id, userId: user.id, admin: true });
  return { guild, channel, user };
}

async function loggedInClient(intents: GatewayIntentBits[] = []): Promise<Client> {
  const client = new Client({ intents, rest: { api: emu.apiBase } });
  clients.push(client);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(emu.application.botToken);
  await ready;
  return client;
}

function nextInteraction(client: Client): Promise<ChatInputCommandInteraction> {
  return new Promise((resolve) => {
    const onInteraction = (i: Interaction): void => {
      if (i.isChatInputCommand()) {
        client.off(Events.InteractionCreate, onInteraction);
        resolve(i);
      }
    };
    client.on(Events.InteractionCreate, onInteraction);
  });
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('gateway with a real discord.js Client', () => {
  it('logs in, receives a slash command, defers and edits: the channel shows the edited response', async () => {
    const { guild, channel, user } = world();
    const client = await loggedInClient();
    expect(client.user?.id).toBe(emu.application.id);
    expect(emu.gatewaySessionCount()).toBe(1);

    const received = nextInteraction(client);
    const fired = await emu.fireSlashCommand({
      guildId: guild.id,
      channelId: channel.id,
      userId: user.id,
      name: 'autointel',
      options: [
        { name: 'url', type: 3, value: 'https://example.com/a' },
        { name: 'depth', type: 3, value: 'deep' },
      ],
    });
    const interaction = await received;
    expect(interaction.id).toBe(fired.interactionId);
    expect(interaction.commandName).toBe('autointel');
    expect(interaction.options.getString('url')).toBe('https://example.com/a');
    expect(interaction.guildId).toBe(guild.id);
    expect(interaction.channelId).toBe(channel.id);
    expect(interaction.user.id).toBe(user.id);
    expect(interaction.memberPermissions?.has('Administrator')).toBe(true);

    await interaction.deferReply();
    expect(emu.interaction(fired.interactionId)?.state).toBe('deferred');
    const report = Buffer.from('# Report\n'.repeat(50));
    await interaction.editReply({
      content: 'Started workflow 42',
      files: [{ attachment: report, name: 'report.md' }],
    });

    const view = emu.interaction(fired.interactionId);
    expect(view?.state).toBe('replied');
    const messages = emu.messages(channel.id);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.id).toBe(view?.originalMessageId);
    expect(messages[0]?.content).toBe('Started workflow 42');
    expect((messages[0]?.flags ?? -1) & 128).toBe(0);
    expect(messages[0]?.interactionId).toBe(fired.interactionId);
    expect(messages[0]?.attachments.map((a) => [a.filename, a.size])).toEqual([['report.md', report.length]]);
    expect(messages[0]?.attachments[0]?.content.equals(report)).toBe(true);
    const callback = emu.timeline().find((e) => e.route === '/interactions/:interaction_id/:token/callback');
    expect(callback?.status).toBe(204);
    expect(callback?.ackLatencyMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(emu.timeline())).not.toContain(fired.token);
  });

  it('a second client on the same token receives the same interaction and its defer gets 40060', async () => {
    const { guild, channel, user } = world();
    const first = await loggedInClient();
    const second = await loggedInClient();
    expect(emu.gatewaySessionCount()).toBe(2);

    const got1 = nextInteraction(first);
    const got2 = nextInteraction(second);
    const fired = await emu.fireSlashCommand({
      guildId: guild.id,
      channelId: channel.id,
      userId: user.id,
      name: 'autointel',
    });
    const [i1, i2] = await Promise.all([got1, got2]);
    expect(i1.id).toBe(fired.interactionId);
    expect(i2.id).toBe(fired.interactionId);

    await i1.deferReply();
    await expect(i2.deferReply()).rejects.toMatchObject({ code: 40060, status: 400 });
    expect(emu.stats().errorsByCode['40060']).toBe(1);
  });

  it('answers heartbeats and keeps the session through several heartbeat intervals', async () => {
    const client = await loggedInClient();
    await until(() => client.ws.ping > -1 && Number.isFinite(client.ws.ping), 'a heartbeat ack');
    expect(emu.gatewaySessionCount()).toBe(1);
  });

  it('resumes after RECONNECT and replays the interaction dispatched while it was away', async () => {
    const { guild, channel, user } = world();
    const client = await loggedInClient();
    const resumed = new Promise<void>((resolve) => client.once(Events.ShardResume, () => resolve()));
    const received = nextInteraction(client);
    emu.requestGatewayReconnect();
    await until(() => emu.gatewaySessionCount() === 0, 'the client to drop its socket');
    const fired = await emu.fireSlashCommand({
      guildId: guild.id,
      channelId: channel.id,
      userId: user.id,
      name: 'x',
    });
    await resumed;
    expect((await received).id).toBe(fired.interactionId);
  });

  it('with the GUILDS intent the client caches guilds and channels, so interaction.channel.send works', async () => {
    const { guild, channel, user } = world();
    const client = await loggedInClient([GatewayIntentBits.Guilds]);
    expect(client.guilds.cache.get(guild.id)?.name).toBe('g');
    const later = emu.createGuild({ name: 'later' });
    await until(() => client.guilds.cache.has(later.id), 'GUILD_CREATE of a guild created after login');
    const received = nextInteraction(client);
    await emu.fireSlashCommand({
      guildId: guild.id,
      channelId: channel.id,
      userId: user.id,
      name: 'autointel',
    });
    const interaction = await received;
    expect(interaction.inCachedGuild()).toBe(true);
    expect(interaction.guild?.id).toBe(guild.id);
    await interaction.reply({ content: 'ok' });
    const target = interaction.channel;
    if (!target?.isSendable()) throw new Error('channel not cached or not sendable');
    await target.send({ content: 'posted through the channel' });
    expect(emu.messages(channel.id).map((m) => [m.content, m.author.webhookId ?? null])).toEqual([
      ['ok', emu.application.id],
      ['posted through the channel', null],
    ]);
  });

  it('closes with 4004 when IDENTIFY carries a wrong token', async () => {
    const ws = new WebSocket(`${emu.baseUrl.replace('http', 'ws')}/gateway?v=10&encoding=json`);
    const code = await new Promise<number>((resolve) => {
      ws.on('message', (raw: Buffer) => {
        const msg = JSON.parse(raw.toString()) as { op: number };
        if (msg.op === 10)
          ws.send(JSON.stringify({ op: 2, d: { token: 'nope', intents: 0, properties: {} } }));
      });
      ws.on('close', (c: number) => resolve(c));
    });
    expect(code).toBe(4004);
  });

  it('serves /gateway/bot only with the bot token, pointing at its own WebSocket', async () => {
    const res = await fetch(`${emu.apiBase}/v10/gateway/bot`, {
      headers: { Authorization: `Bot ${emu.application.botToken}` },
    });
    const body = (await res.json()) as {
      url: string;
      shards: number;
      session_start_limit: { max_concurrency: number };
    };
    expect(body.url).toBe(`${emu.baseUrl.replace('http', 'ws')}/gateway`);
    expect(body.shards).toBe(1);
    expect(body.session_start_limit.max_concurrency).toBe(1);
    const bad = await fetch(`${emu.apiBase}/v10/gateway/bot`, { headers: { Authorization: 'Bot wrong' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ message: '401: Unauthorized', code: 0 });
  });
});
