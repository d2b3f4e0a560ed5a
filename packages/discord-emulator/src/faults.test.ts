// Fault injection per route: latency, 5xx (not applied), connection reset, applied-but-5xx, 429 bursts.
import { REST } from '@discordjs/rest';
import { Routes } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from './emulator.js';
import { callApi } from './rest-client.js';

let emu: DiscordEmulator;
let ids: { guild: string; channel: string; user: string };

beforeEach(async () => {
  emu = await DiscordEmulator.start({ rateLimits: { enabled: false } });
  const guild = emu.createGuild().id;
  ids = { guild, channel: emu.createChannel({ guildId: guild }).id, user: emu.createUser().id };
});

afterEach(async () => {
  await emu.close();
});

const post = (content: string) =>
  callApi(emu.apiBase, {
    method: 'POST',
    path: `/channels/${ids.channel}/messages`,
    body: { content },
    botToken: emu.application.botToken,
  });

describe('faults', () => {
  it('error_5xx answers the status without applying the request, `times` times', async () => {
    emu.injectFault({
      route: '/channels/:channel_id/messages',
      method: 'POST',
      kind: 'error_5xx',
      status: 503,
      times: 1,
    });
    const first = await post('a');
    expect(first.status).toBe(503);
    expect(emu.messages(ids.channel)).toHaveLength(0);
    expect((await post('b')).status).toBe(200);
    expect(emu.messages(ids.channel).map((m) => m.content)).toEqual(['b']);
    expect(emu.timeline().map((t) => t.fault)).toEqual(['error_5xx', undefined]);
  });

  it('applied_5xx applies the effect and still answers 500', async () => {
    emu.injectFault({ route: /messages$/, kind: 'applied_5xx', times: 1 });
    expect((await post('a')).status).toBe(500);
    expect(emu.messages(ids.channel).map((m) => m.content)).toEqual(['a']);
  });

  it('applied_5xx on the callback strands a discord.js-style retry at 40060 while the interaction is deferred', async () => {
    const i = await emu.fireSlashCommand({
      guildId: ids.guild,
      channelId: ids.channel,
      userId: ids.user,
      name: 'x',
    });
    emu.injectFault({
      route: '/interactions/:interaction_id/:token/callback',
      kind: 'applied_5xx',
      times: 1,
    });
    const rest = new REST({ api: emu.apiBase, retries: 3 });
    await expect(
      rest.post(Routes.interactionCallback(i.interactionId, i.token), { body: { type: 5 }, auth: false }),
    ).rejects.toMatchObject({ code: 40060 });
    expect(emu.interaction(i.interactionId)?.state).toBe('deferred');
    const inbound = emu.timeline().filter((t) => t.direction === 'inbound');
    expect(inbound.map((t) => [t.status, t.code, t.fault])).toEqual([
      [500, 0, 'applied_5xx'],
      [400, 40060, undefined],
    ]);
  });

  it('a fault can answer a Discord error body: the spurious 10062 after a reply that was applied', async () => {
    const i = await emu.fireSlashCommand({
      guildId: ids.guild,
      channelId: ids.channel,
      userId: ids.user,
      name: 'x',
    });
    emu.injectFault({
      route: '/interactions/:interaction_id/:token/callback',
      kind: 'applied_5xx',
      status: 404,
      code: 10062,
      message: 'Unknown interaction',
      times: 1,
    });
    const res = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/interactions/${i.interactionId}/${i.token}/callback`,
      body: { type: 4, data: { content: 'it worked' } },
    });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Unknown interaction', code: 10062 });
    expect(emu.interaction(i.interactionId)?.state).toBe('replied');
    expect(emu.messages(ids.channel).map((m) => m.content)).toEqual(['it worked']);
  });

  it('reset destroys the connection and applies nothing', async () => {
    emu.injectFault({ route: '/channels/:channel_id/messages', kind: 'reset', times: 1 });
    await expect(post('a')).rejects.toThrow();
    expect(emu.messages(ids.channel)).toHaveLength(0);
    expect(emu.timeline()[0]).toMatchObject({ status: 0, fault: 'reset' });
  });

  it('rate_limit answers a 429 burst with the requested retry_after and counts invalid requests', async () => {
    emu.injectFault({
      route: '/channels/:channel_id/messages',
      kind: 'rate_limit',
      retryAfterS: 40,
      times: 2,
    });
    for (let n = 0; n < 2; n++) {
      const res = await post('a');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('40');
      expect(res.body).toMatchObject({ retry_after: 40, global: false });
    }
    expect((await post('b')).status).toBe(200);
    expect(emu.stats().invalidRequests).toBe(2);
  });

  it('latency delays the answer by at least the requested time and still applies it', async () => {
    emu.injectFault({ route: '/channels/:channel_id/messages', kind: 'latency', ms: 150, times: 1 });
    expect((await post('slow')).status).toBe(200);
    const [entry] = emu.timeline();
    expect(entry?.fault).toBe('latency');
    expect((entry?.answeredAt ?? 0) - (entry?.receivedAt ?? 0)).toBeGreaterThanOrEqual(145);
  });

  it('the remover and clearFaults disarm faults; probability 0 never fires', async () => {
    const remove = emu.injectFault({ route: /./, kind: 'error_5xx' });
    expect((await post('a')).status).toBe(500);
    remove();
    expect((await post('b')).status).toBe(200);
    emu.injectFault({ route: /./, kind: 'error_5xx', probability: 0 });
    expect((await post('c')).status).toBe(200);
    emu.injectFault({ route: /./, kind: 'error_5xx' });
    emu.clearFaults();
    expect((await post('d')).status).toBe(200);
  });
});
