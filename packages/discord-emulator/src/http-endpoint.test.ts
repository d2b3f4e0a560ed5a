// HTTP-endpoint mode (DISCORD.md §5): URL validation with a bad-signature probe, signed interactions, inline 200 vs 202.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from './emulator.js';
import { callApi } from './rest-client.js';
import { verifyInteractionSignature } from './signing.js';

type Behaviour = (interaction: Record<string, unknown>, res: ServerResponse) => void;

let emu: DiscordEmulator;
let bot: Server;
let botUrl: string;
let behaviour: Behaviour;
let verify = true;
const seen: { signature: string | undefined; timestamp: string | undefined }[] = [];
let ids: { guild: string; channel: string; user: string };

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

beforeEach(async () => {
  emu = await DiscordEmulator.start();
  const guild = emu.createGuild().id;
  ids = { guild, channel: emu.createChannel({ guildId: guild }).id, user: emu.createUser().id };
  verify = true;
  seen.length = 0;
  behaviour = (_i, res) => json(res, 200, { type: 5 });
  bot = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const signature = req.headers['x-signature-ed25519'] as string | undefined;
      const timestamp = req.headers['x-signature-timestamp'] as string | undefined;
      seen.push({ signature, timestamp });
      if (
        verify &&
        !verifyInteractionSignature(emu.application.publicKeyHex, signature ?? '', timestamp ?? '', raw)
      ) {
        res.writeHead(401);
        res.end('invalid request signature');
        return;
      }
      const interaction = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      if (interaction['type'] === 1) return json(res, 200, { type: 1 });
      behaviour(interaction, res);
    });
  });
  await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
  botUrl = `http://127.0.0.1:${(bot.address() as AddressInfo).port}/interactions`;
});

afterEach(async () => {
  await emu.close();
  bot.closeAllConnections();
  await new Promise<void>((resolve) => bot.close(() => resolve()));
});

const fire = () =>
  emu.fireSlashCommand({ guildId: ids.guild, channelId: ids.channel, userId: ids.user, name: 'autointel' });

describe('HTTP interactions endpoint', () => {
  it('validates the URL: a bad-signature PING must be refused with 401 and a good one answered {type:1}', async () => {
    await emu.setInteractionsEndpoint(botUrl);
    expect(seen).toHaveLength(2);
    expect(
      seen.every((s) => /^[0-9a-f]{128}$/.test(s.signature ?? '') && /^\d+$/.test(s.timestamp ?? '')),
    ).toBe(true);
    const app = await callApi(emu.apiBase, {
      method: 'GET',
      path: '/applications/@me',
      botToken: emu.application.botToken,
    });
    expect(app.body).toMatchObject({
      interactions_endpoint_url: botUrl,
      verify_key: emu.application.publicKeyHex,
    });
  });

  it('refuses an endpoint that accepts bad signatures', async () => {
    verify = false;
    await expect(emu.setInteractionsEndpoint(botUrl)).rejects.toThrow(/bad signature/);
  });

  it('refuses an endpoint that does not answer PING with type 1', async () => {
    await expect(
      emu.setInteractionsEndpoint(botUrl.replace('/interactions', '/nothing-here').replace(/:\d+/, ':1')),
    ).rejects.toThrow();
  });

  it('an inline 200 {type:5} is the initial response at the time it arrives', async () => {
    await emu.setInteractionsEndpoint(botUrl);
    let payload: Record<string, unknown> = {};
    behaviour = (i, res) => {
      payload = i;
      json(res, 200, { type: 5, data: { flags: 64 } });
    };
    const fired = await fire();
    expect(fired.httpResponse).toEqual({ status: 200, body: { type: 5, data: { flags: 64 } } });
    expect(emu.interaction(fired.interactionId)).toMatchObject({
      state: 'deferred',
      ephemeral: true,
      delivery: 'http',
    });
    expect(payload).toMatchObject({
      id: fired.interactionId,
      type: 2,
      token: fired.token,
      data: { name: 'autointel', type: 1 },
    });
    const entry = emu
      .timeline()
      .find((t) => t.route === 'INTERACTIONS_ENDPOINT' && t.interactionId === fired.interactionId);
    expect(entry?.ackLatencyMs).toBeGreaterThanOrEqual(0);
    expect(entry?.ackLatencyPreciseMs).toBeGreaterThan(0);
    const again = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/interactions/${fired.interactionId}/${fired.token}/callback`,
      body: { type: 5 },
    });
    expect(again.body).toMatchObject({ code: 40060 });
  });

  it('an inline answer that arrives after 3 s is too late', async () => {
    await emu.setInteractionsEndpoint(botUrl);
    behaviour = (_i, res) => {
      emu.advanceClock(3500);
      json(res, 200, { type: 5 });
    };
    const fired = await fire();
    expect(emu.interaction(fired.interactionId)?.state).toBe('expired_unacknowledged');
    const entry = emu
      .timeline()
      .find((t) => t.route === 'INTERACTIONS_ENDPOINT' && t.interactionId === fired.interactionId);
    expect(entry?.code).toBe(10062);
  });

  it('202 means the bot sends the callback itself', async () => {
    await emu.setInteractionsEndpoint(botUrl);
    behaviour = (_i, res) => {
      res.writeHead(202);
      res.end();
    };
    const fired = await fire();
    expect(fired.httpResponse?.status).toBe(202);
    expect(emu.interaction(fired.interactionId)?.state).toBe('pending');
    const cb = await callApi(emu.apiBase, {
      method: 'POST',
      path: `/interactions/${fired.interactionId}/${fired.token}/callback`,
      body: { type: 4, data: { content: 'hi' } },
    });
    expect(cb.status).toBe(204);
    expect(emu.messages(ids.channel).map((m) => m.content)).toEqual(['hi']);
  });

  it('sendSignedRaw sends raw bodies with a good or a deliberately bad signature', async () => {
    await emu.setInteractionsEndpoint(botUrl);
    expect((await emu.sendSignedRaw({ body: '{"type":1}', badSignature: true })).status).toBe(401);
    const good = await emu.sendSignedRaw({ body: '{"type":1}' });
    expect(good).toEqual({ status: 200, body: '{"type":1}' });
  });

  it('setInteractionsEndpoint(null) returns to gateway delivery', async () => {
    await emu.setInteractionsEndpoint(botUrl);
    await emu.setInteractionsEndpoint(null);
    const fired = await fire();
    expect(fired.httpResponse).toBeUndefined();
    expect(emu.interaction(fired.interactionId)?.delivery).toBe('gateway');
  });
});
