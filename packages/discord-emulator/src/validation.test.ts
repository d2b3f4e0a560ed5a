// Message limits (DISCORD.md §2) answered with Discord's 50035 shape, 50006 for empty messages, and allowed_mentions.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEmulator } from './emulator.js';
import { callApi, type RawResponse } from './rest-client.js';
import { discordLength } from './validation.js';

let emu: DiscordEmulator;
let channelId: string;
let hook: { id: string; token: string };

beforeAll(async () => {
  emu = await DiscordEmulator.start({ rateLimits: { enabled: false } });
  const guildId = emu.createGuild().id;
  channelId = emu.createChannel({ guildId }).id;
  hook = emu.createWebhook({ channelId });
});

afterEach(() => {
  emu.clearTimeline();
});

afterAll(async () => {
  await emu.close();
});

function execute(body: unknown): Promise<RawResponse> {
  return callApi(emu.apiBase, { method: 'POST', path: `/webhooks/${hook.id}/${hook.token}?wait=true`, body });
}

const s = (n: number, ch = 'a'): string => ch.repeat(n);

describe('message limits', () => {
  const cases: [string, unknown, unknown][] = [
    [
      'content over 2000',
      { content: s(2001) },
      {
        content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
      },
    ],
    [
      'more than 10 embeds',
      { embeds: Array.from({ length: 11 }, () => ({ title: 't' })) },
      { embeds: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    ],
    [
      'title over 256',
      { embeds: [{ title: s(257) }] },
      { embeds: { 0: { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } },
    ],
    [
      'description over 4096',
      { embeds: [{ description: s(4097) }] },
      {
        embeds: {
          0: {
            description: {
              _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 4096 or fewer in length.' }],
            },
          },
        },
      },
    ],
    [
      'more than 25 fields',
      { embeds: [{ fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })) }] },
      { embeds: { 0: { fields: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } },
    ],
    [
      'field name over 256',
      { embeds: [{ fields: [{ name: s(257), value: 'v' }] }] },
      { embeds: { 0: { fields: { 0: { name: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } } } },
    ],
    [
      'field value over 1024',
      { embeds: [{ fields: [{ name: 'n', value: s(1025) }] }] },
      { embeds: { 0: { fields: { 0: { value: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } } } },
    ],
    [
      'footer over 2048',
      { embeds: [{ footer: { text: s(2049) } }] },
      { embeds: { 0: { footer: { text: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } } },
    ],
    [
      'author over 256',
      { embeds: [{ author: { name: s(257) } }] },
      { embeds: { 0: { author: { name: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } } },
    ],
    [
      '6000 total over all embeds',
      { embeds: [{ description: s(4000) }, { description: s(2001) }] },
      { embeds: { _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED' }] } },
    ],
    [
      'webhook username of 81',
      { content: 'x', username: s(81) },
      {
        username: {
          _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 80 in length.' }],
        },
      },
    ],
    [
      'webhook username of spaces',
      { content: 'x', username: '   ' },
      { username: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } },
    ],
  ];
  for (const [name, body, errors] of cases) {
    it(`${name} → 400 50035 with the error at its path`, async () => {
      const res = await execute(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ message: 'Invalid Form Body', code: 50035, errors });
    });
  }

  it('exactly at every limit is accepted (6000 total, 2000 content, 4096 description)', async () => {
    const res = await execute({
      content: s(2000),
      embeds: [{ description: s(4096), title: s(256) }, { description: s(1648) }],
    });
    expect(res.status).toBe(200);
  });

  it('limits count trimmed strings', async () => {
    expect(discordLength(`  ${s(2000)}  `)).toBe(2000);
    expect((await execute({ content: `   ${s(2000)}\n\n` })).status).toBe(200);
  });

  it('an empty message → 400 50006', async () => {
    for (const body of [{}, { content: '' }, { content: '  \n ' }, { embeds: [] }]) {
      const res = await execute(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ message: 'Cannot send an empty message', code: 50006 });
    }
  });

  it('the same limits apply to bot channel messages and interaction followups', async () => {
    const res = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/channels/${channelId}/messages`,
      body: { embeds: [{ title: s(257) }] },
      botToken: emu.application.botToken,
    });
    expect(res.body).toMatchObject({ code: 50035, errors: { embeds: { 0: { title: {} } } } });
  });
});

describe('allowed_mentions', () => {
  it('defaults to users only for webhooks: @everyone does not ping, a user mention does', async () => {
    const user = emu.createUser();
    await execute({ content: `@everyone look <@${user.id}>` });
    const m = emu.messages(channelId).at(-1);
    expect(m?.mentions).toEqual({ everyone: false, users: [user.id], roles: [] });
    expect(m?.allowedMentions).toBeNull();
  });

  it('honours an explicit allowed_mentions that pings nobody', async () => {
    const user = emu.createUser();
    await execute({ content: `@everyone <@${user.id}>`, allowed_mentions: { parse: [] } });
    expect(emu.messages(channelId).at(-1)?.mentions).toEqual({ everyone: false, users: [], roles: [] });
  });

  it('an explicit parse:[everyone] would ping everyone', async () => {
    await execute({ content: '@here now', allowed_mentions: { parse: ['everyone'] } });
    expect(emu.messages(channelId).at(-1)?.mentions.everyone).toBe(true);
  });

  it('parse users together with a users list is refused', async () => {
    const res = await execute({
      content: 'x',
      allowed_mentions: { parse: ['users'], users: ['1234567890123456789'] },
    });
    expect(res.body).toMatchObject({
      code: 50035,
      errors: { allowed_mentions: { _errors: [{ code: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE' }] } },
    });
  });

  it('bot channel messages parse every mention by default, like Discord', async () => {
    await callApi(emu.apiBase, {
      method: 'POST',
      path: `/channels/${channelId}/messages`,
      body: { content: '@everyone' },
      botToken: emu.application.botToken,
    });
    expect(emu.messages(channelId).at(-1)?.mentions.everyone).toBe(true);
  });
});
