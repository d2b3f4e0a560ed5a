// Identity and command routes, unknown routes, and the bulk-overwrite semantics of application commands.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from './emulator.js';
import { snowflakeTime } from './ids.js';
import { callApi } from './rest-client.js';

let emu: DiscordEmulator;

beforeEach(async () => {
  emu = await DiscordEmulator.start();
});

afterEach(async () => {
  await emu.close();
});

const botToken = (): string => emu.application.botToken;
const command = {
  name: 'autointel',
  description: 'Analyse a link',
  type: 1,
  options: [{ name: 'url', description: 'link', type: 3, required: true }],
};

describe('identity routes', () => {
  it('GET /users/@me and /applications/@me describe the bot', async () => {
    const me = await callApi(emu.apiBase, { method: 'GET', path: '/users/@me', botToken: botToken() });
    expect(me.body).toMatchObject({ id: emu.application.id, bot: true });
    const app = await callApi(emu.apiBase, {
      method: 'GET',
      path: '/applications/@me',
      botToken: botToken(),
    });
    expect(app.body).toMatchObject({ id: emu.application.id, verify_key: emu.application.publicKeyHex });
  });

  it('unknown routes → 404 code 0, a known path with the wrong method → 405', async () => {
    const nf = await callApi(emu.apiBase, { method: 'GET', path: '/nope/123', botToken: botToken() });
    expect(nf.status).toBe(404);
    expect(nf.body).toEqual({ message: '404: Not Found', code: 0 });
    const na = await callApi(emu.apiBase, { method: 'PUT', path: '/users/@me', botToken: botToken() });
    expect(na.status).toBe(405);
  });

  it('ids are snowflakes whose timestamps follow the emulator clock', () => {
    const before = emu.now();
    const id = emu.createGuild().id;
    expect(snowflakeTime(id)).toBeGreaterThanOrEqual(before - 1);
    emu.advanceClock(86_400_000);
    expect(snowflakeTime(emu.createUser().id)).toBeGreaterThanOrEqual(before + 86_400_000);
  });

  it('advanceClock refuses to run on an injected clock', async () => {
    const other = await DiscordEmulator.start({ clock: { now: () => 1_700_000_000_000 } });
    try {
      expect(() => other.advanceClock(1)).toThrow(/injected clock/);
      expect(other.now()).toBe(1_700_000_000_000);
    } finally {
      await other.close();
    }
  });
});

describe('application commands', () => {
  it('PUT global commands is a bulk overwrite: idempotent ids, stored and returned by GET', async () => {
    const path = `/applications/${emu.application.id}/commands`;
    const first = await callApi(emu.apiBase, { method: 'PUT', path, body: [command], botToken: botToken() });
    expect(first.status).toBe(200);
    const [created] = first.body as { id: string; name: string; application_id: string }[];
    expect(created).toMatchObject({ name: 'autointel', application_id: emu.application.id });
    const second = await callApi(emu.apiBase, { method: 'PUT', path, body: [command], botToken: botToken() });
    expect((second.body as { id: string }[])[0]?.id).toBe(created?.id);
    const listed = await callApi(emu.apiBase, { method: 'GET', path, botToken: botToken() });
    expect((listed.body as { id: string }[]).map((c) => c.id)).toEqual([created?.id]);
    await callApi(emu.apiBase, { method: 'PUT', path, body: [], botToken: botToken() });
    expect((await callApi(emu.apiBase, { method: 'GET', path, botToken: botToken() })).body).toEqual([]);
  });

  it('guild commands are stored per guild and give fired interactions their command id', async () => {
    const guildId = emu.createGuild().id;
    const channelId = emu.createChannel({ guildId }).id;
    const path = `/applications/${emu.application.id}/guilds/${guildId}/commands`;
    const res = await callApi(emu.apiBase, { method: 'PUT', path, body: [command], botToken: botToken() });
    const [created] = res.body as { id: string; guild_id: string }[];
    expect(created?.guild_id).toBe(guildId);
    expect(
      (
        await callApi(emu.apiBase, {
          method: 'GET',
          path: `/applications/${emu.application.id}/commands`,
          botToken: botToken(),
        })
      ).body,
    ).toEqual([]);
    const unknownGuild = await callApi(emu.apiBase, {
      method: 'PUT',
      path: `/applications/${emu.application.id}/guilds/1234567890123456789/commands`,
      body: [],
      botToken: botToken(),
    });
    expect(unknownGuild.body).toMatchObject({ code: 10004 });
    const fired = await emu.fireSlashCommand({
      guildId,
      channelId,
      userId: emu.createUser().id,
      name: 'autointel',
    });
    const sent = emu
      .timeline()
      .find((t) => t.interactionId === fired.interactionId && t.direction === 'outbound');
    expect(sent?.requestBody).toMatchObject({
      data: { id: created?.id, name: 'autointel' },
      token: '[redacted]',
    });
  });

  it('invalid command names and descriptions → 50035 at the index; another app id → 403 50001', async () => {
    const path = `/applications/${emu.application.id}/commands`;
    const bad = await callApi(emu.apiBase, {
      method: 'PUT',
      path,
      body: [command, { name: 'Bad Name', description: '' }],
      botToken: botToken(),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 50035, errors: { 1: { name: {}, description: {} } } });
    const other = await callApi(emu.apiBase, {
      method: 'PUT',
      path: '/applications/1234567890123456789/commands',
      body: [],
      botToken: botToken(),
    });
    expect(other.body).toMatchObject({ code: 50001 });
  });
});
