// Incoming webhooks and bot channel messages (DISCORD.md §4): execute, wait, threads, edits, multipart, auth, 404s.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from './emulator.js';
import { callApi } from './rest-client.js';

let emu: DiscordEmulator;
let guildId: string;
let channelId: string;

beforeEach(async () => {
  emu = await DiscordEmulator.start({ rateLimits: { enabled: false } });
  guildId = emu.createGuild().id;
  channelId = emu.createChannel({ guildId }).id;
});

afterEach(async () => {
  await emu.close();
});

const bot = (): string => emu.application.botToken;

describe('webhooks', () => {
  it('creates a webhook with the bot token and returns its token and url', async () => {
    const res = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/channels/${channelId}/webhooks`,
      body: { name: 'autointel' },
      botToken: bot(),
    });
    expect(res.status).toBe(200);
    const w = res.body as { id: string; token: string; url: string; channel_id: string };
    expect(w.channel_id).toBe(channelId);
    expect(w.url).toBe(`${emu.apiBase}/webhooks/${w.id}/${w.token}`);
    const got = await callApi(emu.apiBase, { method: 'GET', path: `/webhooks/${w.id}/${w.token}` });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: w.id, name: 'autointel', token: w.token });
  });

  it('refuses webhook creation without the bot token (401, code 0) and with a bad name (50035)', async () => {
    const noAuth = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/channels/${channelId}/webhooks`,
      body: { name: 'x' },
    });
    expect(noAuth.status).toBe(401);
    expect(noAuth.body).toEqual({ message: '401: Unauthorized', code: 0 });
    const badName = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/channels/${channelId}/webhooks`,
      body: { name: '' },
      botToken: bot(),
    });
    expect(badName.body).toMatchObject({
      code: 50035,
      errors: { name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } },
    });
  });

  it('execute answers 204 without wait and 200 with the message with wait=true', async () => {
    const w = emu.createWebhook({ channelId });
    const noWait = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/webhooks/${w.id}/${w.token}`,
      body: { content: 'a' },
    });
    expect(noWait.status).toBe(204);
    expect(noWait.body).toBeNull();
    const wait = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/webhooks/${w.id}/${w.token}?wait=true`,
      body: { content: 'b', username: 'Reporter' },
    });
    expect(wait.status).toBe(200);
    expect(wait.body).toMatchObject({
      content: 'b',
      channel_id: channelId,
      webhook_id: w.id,
      author: { username: 'Reporter', bot: true },
    });
    expect(emu.messages(channelId).map((m) => [m.content, m.author.webhookId])).toEqual([
      ['a', w.id],
      ['b', w.id],
    ]);
  });

  it('execute with thread_id posts into that thread', async () => {
    const w = emu.createWebhook({ channelId });
    const thread = emu.createChannel({ guildId, name: 'thread' });
    const res = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/webhooks/${w.id}/${w.token}?wait=true&thread_id=${thread.id}`,
      body: { content: 'in thread' },
    });
    expect(res.status).toBe(200);
    expect(emu.messages(thread.id).map((m) => m.content)).toEqual(['in thread']);
    const unknown = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/webhooks/${w.id}/${w.token}?thread_id=1234567890123456789`,
      body: { content: 'x' },
    });
    expect(unknown.body).toMatchObject({ code: 10003 });
  });

  it('GET/PATCH/DELETE a webhook message; webhook tokens never expire', async () => {
    const w = emu.createWebhook({ channelId });
    const sent = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/webhooks/${w.id}/${w.token}?wait=true`,
      body: { content: 'progress 0%' },
    });
    const mid = (sent.body as { id: string }).id;
    emu.advanceClock(6 * 3600_000);
    const patched = await callApi(emu.apiBase, {
      method: 'PATCH',
      path: `/webhooks/${w.id}/${w.token}/messages/${mid}`,
      body: { content: 'progress 100%' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: mid, content: 'progress 100%' });
    expect((patched.body as { edited_timestamp: string | null }).edited_timestamp).not.toBeNull();
    const got = await callApi(emu.apiBase, {
      method: 'GET',
      path: `/webhooks/${w.id}/${w.token}/messages/${mid}`,
    });
    expect(got.body).toMatchObject({ content: 'progress 100%' });
    expect(
      (await callApi(emu.apiBase, { method: 'DELETE', path: `/webhooks/${w.id}/${w.token}/messages/${mid}` }))
        .status,
    ).toBe(204);
    const gone = await callApi(emu.apiBase, {
      method: 'GET',
      path: `/webhooks/${w.id}/${w.token}/messages/${mid}`,
    });
    expect(gone.body).toEqual({ message: 'Unknown Message', code: 10008 });
  });

  it('unknown webhook id or wrong token → 404 10015', async () => {
    const w = emu.createWebhook({ channelId });
    for (const path of [`/webhooks/${w.id}/wrongtoken`, `/webhooks/1234567890123456789/${w.token}`]) {
      const res = await callApi(emu.apiBase, {
        method: 'POST',
        path: `${path}?wait=true`,
        body: { content: 'x' },
      });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ message: 'Unknown Webhook', code: 10015 });
    }
    const timeline = JSON.stringify(emu.timeline());
    expect(timeline).not.toContain(w.token);
  });

  it('multipart payload_json + files[n] keeps attachments with their sizes and bytes', async () => {
    const w = emu.createWebhook({ channelId });
    const report = Buffer.from('# Report\n'.repeat(100));
    const res = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/webhooks/${w.id}/${w.token}?wait=true`,
      body: {
        content: 'see attached',
        attachments: [{ id: 0, filename: 'report.md', description: 'full report' }],
      },
      files: [
        { name: 'ignored.md', data: report, contentType: 'text/markdown' },
        { name: 'b.json', data: Buffer.from('{}') },
      ],
    });
    expect(res.status).toBe(200);
    const [m] = emu.messages(channelId);
    expect(m?.attachments.map((a) => [a.filename, a.size])).toEqual([
      ['report.md', report.length],
      ['b.json', 2],
    ]);
    expect(m?.attachments[0]?.content.equals(report)).toBe(true);
    expect(m?.attachments[0]?.description).toBe('full report');
    const url = (res.body as { attachments: { url: string }[] }).attachments[0]?.url ?? '';
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(report)).toBe(true);
  });

  it('an edit keeps only the attachments it lists', async () => {
    const w = emu.createWebhook({ channelId });
    const res = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/webhooks/${w.id}/${w.token}?wait=true`,
      body: { content: 'x' },
      files: [
        { name: 'a.txt', data: Buffer.from('a') },
        { name: 'b.txt', data: Buffer.from('bb') },
      ],
    });
    const msg = res.body as { id: string; attachments: { id: string }[] };
    const keep = msg.attachments[1]?.id;
    await callApi(emu.apiBase, {
      method: 'PATCH',
      path: `/webhooks/${w.id}/${w.token}/messages/${msg.id}`,
      body: { attachments: [{ id: keep }] },
    });
    expect(emu.messages(channelId)[0]?.attachments.map((a) => a.filename)).toEqual(['b.txt']);
  });

  it('more than 10 files → 50035; a file over 10 MiB → 413 40005', async () => {
    const w = emu.createWebhook({ channelId });
    const eleven = Array.from({ length: 11 }, (_, i) => ({ name: `${i}.txt`, data: Buffer.from('x') }));
    const many = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/webhooks/${w.id}/${w.token}`,
      body: { content: 'x' },
      files: eleven,
    });
    expect(many.body).toMatchObject({
      code: 50035,
      errors: { attachments: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } },
    });
    const big = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/webhooks/${w.id}/${w.token}`,
      body: { content: 'x' },
      files: [{ name: 'big.bin', data: Buffer.alloc(10 * 1024 * 1024 + 1) }],
    });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ code: 40005 });
  });

  it('a request over 25 MiB in total → 413 40005', async () => {
    const w = emu.createWebhook({ channelId });
    const files = Array.from({ length: 3 }, (_, i) => ({
      name: `${i}.bin`,
      data: Buffer.alloc(9 * 1024 * 1024),
    }));
    const res = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/webhooks/${w.id}/${w.token}`,
      body: { content: 'x' },
      files,
    });
    expect(res.status).toBe(413);
    expect(emu.messages(channelId)).toHaveLength(0);
  });
});

describe('bot channel messages', () => {
  it('POST/GET/PATCH with the bot token; GET lists newest first and honours limit/after', async () => {
    const sent: string[] = [];
    for (const content of ['one', 'two', 'three', 'four']) {
      const res = await callApi(emu.apiBase, {
        method: 'POST',
        path: `/channels/${channelId}/messages`,
        body: { content },
        botToken: bot(),
      });
      expect(res.status).toBe(200);
      sent.push((res.body as { id: string }).id);
    }
    const all = await callApi(emu.apiBase, {
      method: 'GET',
      path: `/channels/${channelId}/messages?limit=3`,
      botToken: bot(),
    });
    expect((all.body as { content: string }[]).map((m) => m.content)).toEqual(['four', 'three', 'two']);
    const after = await callApi(emu.apiBase, {
      method: 'GET',
      path: `/channels/${channelId}/messages?after=${sent[0]}&limit=2`,
      botToken: bot(),
    });
    expect((after.body as { content: string }[]).map((m) => m.content)).toEqual(['three', 'two']);
    const patched = await callApi(emu.apiBase, {
      method: 'PATCH',
      path: `/channels/${channelId}/messages/${sent[1]}`,
      body: { content: 'TWO' },
      botToken: bot(),
    });
    expect(patched.body).toMatchObject({ content: 'TWO' });
    const tooMany = await callApi(emu.apiBase, {
      method: 'GET',
      path: `/channels/${channelId}/messages?limit=101`,
      botToken: bot(),
    });
    expect(tooMany.body).toMatchObject({ code: 50035 });
  });

  it('a wrong bot token gets 401 "401: Unauthorized" code 0 and counts as an invalid request', async () => {
    const res = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/channels/${channelId}/messages`,
      body: { content: 'x' },
      botToken: 'not-the-token',
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: '401: Unauthorized', code: 0 });
    expect(emu.stats().invalidRequests).toBe(1);
  });

  it('unknown channel → 404 10003; editing a webhook message through the channel → 403 50005', async () => {
    const unknown = await callApi(emu.apiBase, {
      method: 'POST',
      path: '/channels/1234567890123456789/messages',
      body: { content: 'x' },
      botToken: bot(),
    });
    expect(unknown.body).toEqual({ message: 'Unknown Channel', code: 10003 });
    const w = emu.createWebhook({ channelId });
    const sent = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/webhooks/${w.id}/${w.token}?wait=true`,
      body: { content: 'w' },
    });
    const res = await callApi(emu.apiBase, {
      method: 'PATCH',
      path: `/channels/${channelId}/messages/${(sent.body as { id: string }).id}`,
      body: { content: 'x' },
      botToken: bot(),
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 50005 });
  });

  it('accepts the unversioned /api prefix as well as /api/vN', async () => {
    const res = await fetch(`${emu.apiBase}/channels/${channelId}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bot ${bot()}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'unversioned' }),
    });
    expect(res.status).toBe(200);
    const v9 = await fetch(`${emu.baseUrl}/api/v9/channels/${channelId}`, {
      headers: { Authorization: `Bot ${bot()}` },
    });
    expect(v9.status).toBe(200);
  });
});
