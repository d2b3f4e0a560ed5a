import { describe, expect, it } from 'vitest';
import { FakeTransport } from '../../test/discord/fake-transport.js';
import { AdjustableClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { MAX_SERVER_DELAY_MS } from './errors.js';
import { RateLimiter } from './ratelimit.js';
import { DiscordRestClient } from './rest.js';

const logger = createLogger({ level: 'silent' });
const hook = { id: '123456789012345678', token: 'secret-webhook-token-value' };

function client(transport: FakeTransport, clock = new AdjustableClock(1_000_000)) {
  const limiter = new RateLimiter({ clock, pacing: {} });
  return { rest: new DiscordRestClient({ transport, logger, limiter }), limiter, clock };
}

describe('DiscordRestClient (over the one transport)', () => {
  it('executes a webhook with wait=true, no Authorization, and returns the saved message id', async () => {
    const transport = new FakeTransport();
    const { rest } = client(transport);
    const r = await rest.executeWebhook(hook, { content: 'hi @everyone' });
    expect(r).toMatchObject({ kind: 'ok', messageId: '111111111111111111' });
    const req = transport.requests[0];
    expect(req).toMatchObject({ method: 'POST', path: `/webhooks/${hook.id}/${hook.token}`, auth: 'none' });
    expect(req?.query).toEqual({ wait: 'true' });
    expect(req?.body?.kind === 'json' ? req.body.json : null).toMatchObject({
      content: 'hi @everyone',
      allowed_mentions: { parse: [] },
    });
  });

  it('sends channel messages with the bot token, a nonce, and never the ephemeral flag', async () => {
    const transport = new FakeTransport();
    const { rest } = client(transport);
    await rest.createChannelMessage('42', { content: 'x', flags: 64 }, 'nonce-1');
    const req = transport.requests[0];
    expect(req).toMatchObject({ method: 'POST', path: '/channels/42/messages', auth: 'bot' });
    const json = req?.body?.kind === 'json' ? req.body.json : {};
    expect(json).toMatchObject({ nonce: 'nonce-1', enforce_nonce: true });
    expect(json).not.toHaveProperty('flags');
  });

  it('caps a hostile Retry-After of a year, in the result and in the limiter', async () => {
    const transport = new FakeTransport().on('POST', /webhooks/, {
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: 31_536_000, global: false },
    });
    const { rest, limiter } = client(transport);
    const r = await rest.executeWebhook(hook, { content: 'x' });
    expect(r).toMatchObject({ kind: 'rate_limited', retryAfterMs: MAX_SERVER_DELAY_MS });
    const wait = limiter.delayFor({ route: 'POST /webhooks/:id/:token', major: hook.id });
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(MAX_SERVER_DELAY_MS);
  });

  it('returns a rejection as a DiscordApiError with the code and the route template, never the token', async () => {
    const transport = new FakeTransport().on('PATCH', /webhooks/, {
      status: 401,
      body: { message: 'Invalid Webhook Token', code: 50027 },
    });
    const { rest } = client(transport);
    const r = await rest.editOriginal('4242', 'interaction-token-secret', { content: 'x' });
    if (r.kind !== 'rejected') throw new Error(`expected a rejection, got ${r.kind}`);
    expect(r).toMatchObject({ status: 401, code: 50027 });
    expect(r.error).toMatchObject({
      code: 'discord.50027',
      discordCode: 50027,
      status: 401,
      method: 'PATCH',
    });
    expect(r.error.route).toBe('PATCH /webhooks/:app/:token/messages/@original');
    expect(JSON.stringify({ m: r.error.message, c: r.error.context })).not.toContain(
      'interaction-token-secret',
    );
  });

  it('turns a network failure into an ambiguous transient result', async () => {
    const transport = new FakeTransport().on('POST', /webhooks/, { network: 'reset' });
    const { rest } = client(transport);
    expect(await rest.executeWebhook(hook, { content: 'x' })).toMatchObject({ kind: 'transient' });
  });
});
