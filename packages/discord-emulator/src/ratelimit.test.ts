// Rate limits (DISCORD.md §3): real headers on every response, 429 bodies, global/webhook/channel buckets, invalid counter.
import { REST } from '@discordjs/rest';
import { Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from './emulator.js';
import type { EmulatorOptions } from './types.js';
import { callApi } from './rest-client.js';

let emu: DiscordEmulator | undefined;

afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function setup(options: EmulatorOptions = {}) {
  const e = await DiscordEmulator.start(options);
  emu = e;
  const guildId = e.createGuild().id;
  const channelId = e.createChannel({ guildId }).id;
  return { e, guildId, channelId, hook: e.createWebhook({ channelId }) };
}

describe('rate limits', () => {
  it('every response carries X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket', async () => {
    const { e, hook } = await setup();
    const res = await callApi(e.apiBase, {
      method: 'POST',
      path: `/webhooks/${hook.id}/${hook.token}`,
      body: { content: 'x' },
    });
    expect(res.headers.get('x-ratelimit-limit')).toBe('5');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('4');
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(e.now() / 1000);
    expect(Number(res.headers.get('x-ratelimit-reset-after'))).toBeCloseTo(2, 0);
    expect(res.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.get('x-ratelimit-scope')).toBeNull();
    const refused = await callApi(e.apiBase, { method: 'GET', path: '/users/@me', botToken: 'wrong' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a webhook allows 5 requests per 2 s, then 429 with Retry-After, scope, Via and a Discord body', async () => {
    const { e, hook } = await setup();
    for (let i = 0; i < 5; i++) {
      expect(
        (
          await callApi(e.apiBase, {
            method: 'POST',
            path: `/webhooks/${hook.id}/${hook.token}`,
            body: { content: `${i}` },
          })
        ).status,
      ).toBe(204);
    }
    const limited = await callApi(e.apiBase, {
      method: 'POST',
      path: `/webhooks/${hook.id}/${hook.token}`,
      body: { content: 'x' },
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ message: 'You are being rate limited.', global: false });
    expect((limited.body as { retry_after: number }).retry_after).toBeGreaterThan(0);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.get('x-ratelimit-global')).toBeNull();
    expect(limited.headers.get('via')).toBeTruthy();
    expect(e.messages(hook.id)).toHaveLength(0);
    expect(e.stats().invalidRequests).toBe(1);
    e.advanceClock(2000);
    expect(
      (
        await callApi(e.apiBase, {
          method: 'POST',
          path: `/webhooks/${hook.id}/${hook.token}`,
          body: { content: 'y' },
        })
      ).status,
    ).toBe(204);
  });

  it('the global limit applies per bot token, answers X-RateLimit-Global, and exempts interaction routes', async () => {
    const { e, guildId, channelId } = await setup({ rateLimits: { globalPerSecond: 3 } });
    const botToken = e.application.botToken;
    for (let i = 0; i < 3; i++)
      expect((await callApi(e.apiBase, { method: 'GET', path: '/users/@me', botToken })).status).toBe(200);
    const limited = await callApi(e.apiBase, { method: 'GET', path: `/channels/${channelId}`, botToken });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-global')).toBe('true');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('global');
    expect(limited.body).toMatchObject({ global: true });
    const user = e.createUser().id;
    const i = await e.fireSlashCommand({ guildId, channelId, userId: user, name: 'x' });
    const cb = await callApi(e.apiBase, {
      method: 'POST',
      path: `/interactions/${i.interactionId}/${i.token}/callback`,
      body: { type: 5 },
      botToken,
    });
    expect(cb.status).toBe(204);
    e.advanceClock(1000);
    expect((await callApi(e.apiBase, { method: 'GET', path: '/users/@me', botToken })).status).toBe(200);
  });

  it('a channel takes about 30 messages per 60 s across webhooks; its 429s are scope shared and not invalid', async () => {
    const { e, channelId, hook } = await setup({ rateLimits: { channelPer60s: 3 } });
    const other = e.createWebhook({ channelId });
    const send = (w: { id: string; token: string }) =>
      callApi(e.apiBase, { method: 'POST', path: `/webhooks/${w.id}/${w.token}`, body: { content: 'x' } });
    expect((await send(hook)).status).toBe(204);
    expect((await send(other)).status).toBe(204);
    expect((await send(hook)).status).toBe(204);
    const limited = await send(other);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('shared');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(e.stats().invalidRequests).toBe(0);
    expect(e.stats().errorsByCode['429']).toBe(1);
  });

  it('can be disabled', async () => {
    const { e, hook } = await setup({ rateLimits: { enabled: false } });
    for (let i = 0; i < 8; i++) {
      expect(
        (
          await callApi(e.apiBase, {
            method: 'POST',
            path: `/webhooks/${hook.id}/${hook.token}`,
            body: { content: 'x' },
          })
        ).status,
      ).toBe(204);
    }
  });

  it('rejects invalid limits at construction, naming the option', async () => {
    await expect(DiscordEmulator.start({ rateLimits: { webhookPer2s: 0 } })).rejects.toThrow(/webhookPer2s/);
  });

  it('@discordjs/rest reads the headers and waits instead of hitting 429', async () => {
    const { e, channelId, hook } = await setup({ rateLimits: { webhookPer2s: 2 } });
    const rest = new REST({ api: e.apiBase }).setToken(e.application.botToken);
    for (let i = 0; i < 3; i++) {
      await rest.post(Routes.webhook(hook.id, hook.token), {
        body: { content: `m${i}` },
        auth: false,
        query: new URLSearchParams({ wait: 'true' }),
      });
    }
    expect(e.messages(channelId).map((m) => m.content)).toEqual(['m0', 'm1', 'm2']);
    expect(e.timeline().filter((t) => t.status === 429)).toHaveLength(0);
  });
});
