import { describe, expect, it } from 'vitest';
import { AdjustableClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { FakeTransport, jsonOf, type Scripted } from '../../test/discord/fake-transport.js';
import { textMessage } from '../discord-api/message.js';
import { InteractionResponder } from './responder.js';
import { InteractionSession, TOKEN_LIFETIME_MS, type InitialResponse } from './session.js';

const logger = createLogger({ level: 'silent' });

async function setup(
  options: { callback?: Scripted; initial?: InitialResponse; acknowledge?: boolean } = {},
) {
  const clock = new AdjustableClock(1_700_000_000_000);
  const t = new FakeTransport();
  if (options.callback !== undefined) t.on('POST', /callback$/, options.callback);
  const now = clock.now();
  const session = new InteractionSession({
    identity: {
      id: '1234567890123',
      applicationId: '42424242',
      token: 'tok',
      createdAt: now,
      receivedAt: now,
    },
    transport: t,
    clock,
    logger,
  });
  const responder = new InteractionResponder({
    session,
    clock,
    logger,
    unknownWebhookRetryDelaysMs: [1, 1, 1],
    transientRetryDelaysMs: [1, 1],
  });
  if (options.acknowledge !== false)
    await session.acknowledge(options.initial ?? { type: 5, ephemeral: false });
  return { clock, t, session, responder };
}

describe('InteractionResponder', () => {
  it('edits @original on the interaction webhook with mentions disabled and no flags', async () => {
    const { t, responder } = await setup();
    const out = await responder.editOriginal(textMessage('hello @everyone', { ephemeral: true }));
    expect(out).toEqual({ kind: 'ok', messageId: '111111111111111111' });
    const req = t.requests[1];
    expect(req?.method).toBe('PATCH');
    expect(req?.path).toBe('/webhooks/42424242/tok/messages/@original');
    expect(req?.auth).toBe('none');
    expect(jsonOf(req)).toEqual({ content: 'hello @everyone', allowed_mentions: { parse: [] } });
  });

  it('refuses to use a token with less than 60 s left and says so as a value', async () => {
    const { t, clock, responder } = await setup();
    clock.advance(TOKEN_LIFETIME_MS - 59_000);
    expect(await responder.followup(textMessage('late'))).toEqual({ kind: 'expired', reason: 'token_age' });
    expect(await responder.editOriginal(textMessage('late'))).toEqual({
      kind: 'expired',
      reason: 'token_age',
    });
    expect(t.requests).toHaveLength(1);
  });

  it('still uses a token with more than 60 s left', async () => {
    const { t, clock, responder } = await setup();
    clock.advance(TOKEN_LIFETIME_MS - 70_000);
    expect((await responder.followup(textMessage('just in time'))).kind).toBe('ok');
    expect(t.requests).toHaveLength(2);
  });

  it('waits for the initial response to settle before editing', async () => {
    const { t, session, responder } = await setup({ acknowledge: false });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    t.on('POST', /callback$/, { during: () => gate, then: { status: 204 } });
    const ack = session.acknowledge({ type: 5, ephemeral: false });
    const edit = responder.editOriginal(textMessage('done'));
    await new Promise((r) => setTimeout(r, 10));
    expect(t.requests.map((r) => r.method)).toEqual(['POST']);
    release();
    await ack;
    expect((await edit).kind).toBe('ok');
    expect(t.requests.map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  it('after a possibly-applied callback, keeps trying @original through 10015 and succeeds once Discord knows it', async () => {
    const { t, session, responder } = await setup({ callback: { status: 500 } });
    expect(session.state).toBe('possibly_acknowledged');
    t.on(
      'PATCH',
      /@original$/,
      { status: 404, body: { code: 10015 } },
      { status: 404, body: { code: 10015 } },
      {
        status: 200,
        body: { id: '999' },
      },
    );
    expect(await responder.editOriginal(textMessage('ack'))).toEqual({ kind: 'ok', messageId: '999' });
    expect(t.count('PATCH', /@original$/)).toBe(3);
    expect(t.count('POST', /callback$/)).toBe(1);
  });

  it('gives up with a typed expiry when @original stays unknown, so the caller falls back', async () => {
    const { t, responder } = await setup({ callback: { network: 'timeout' } });
    t.on('PATCH', /@original$/, { status: 404, body: { code: 10015 } });
    expect(await responder.editOriginal(textMessage('ack'))).toEqual({
      kind: 'expired',
      reason: 'unknown_webhook',
    });
    expect(t.count('PATCH', /@original$/)).toBe(4);
  });

  it('sends nothing on a token whose initial response expired (10062)', async () => {
    const { t, responder } = await setup({ callback: { status: 404, body: { code: 10062 } } });
    expect(await responder.editOriginal(textMessage('x'))).toEqual({
      kind: 'expired',
      reason: 'not_acknowledged',
    });
    expect(await responder.ephemeralFollowup(textMessage('x'))).toEqual({
      kind: 'expired',
      reason: 'not_acknowledged',
    });
    expect(t.requests).toHaveLength(1);
  });

  it('sends nothing before any initial response was chosen', async () => {
    const { t, responder } = await setup({ acknowledge: false });
    expect(await responder.followup(textMessage('x'))).toEqual({
      kind: 'expired',
      reason: 'not_acknowledged',
    });
    expect(t.requests).toHaveLength(0);
  });

  it('maps 50027 to an expired token', async () => {
    const { t, responder } = await setup();
    t.on('POST', /\/webhooks\/42424242\/tok$/, { status: 401, body: { code: 50027 } });
    expect(await responder.followup(textMessage('x'))).toEqual({ kind: 'expired', reason: 'invalid_token' });
  });

  it('deletes a public loading message before an ephemeral followup, so the followup stays private', async () => {
    const { t, responder } = await setup({ initial: { type: 5, ephemeral: false } });
    expect((await responder.ephemeralFollowup(textMessage('only you'))).kind).toBe('ok');
    expect(t.requests.slice(1).map((r) => `${r.method} ${r.path}`)).toEqual([
      'DELETE /webhooks/42424242/tok/messages/@original',
      'POST /webhooks/42424242/tok',
    ]);
    expect(jsonOf(t.requests[2])).toEqual({
      content: 'only you',
      flags: 64,
      allowed_mentions: { parse: [] },
    });
  });

  it('does not delete anything before an ephemeral followup after an ephemeral defer', async () => {
    const { t, responder } = await setup({ initial: { type: 5, ephemeral: true } });
    await responder.ephemeralFollowup(textMessage('only you'));
    expect(t.requests.slice(1).map((r) => r.method)).toEqual(['POST']);
  });

  it('does not delete the original once it was edited into a real message', async () => {
    const { t, responder } = await setup({ initial: { type: 5, ephemeral: false } });
    await responder.editOriginal(textMessage('public answer'));
    await responder.ephemeralFollowup(textMessage('private extra'));
    expect(t.requests.slice(1).map((r) => r.method)).toEqual(['PATCH', 'POST']);
  });

  it('never retries a followup POST after an ambiguous failure (it may have been posted)', async () => {
    const { t, responder } = await setup();
    t.on('POST', /\/webhooks\/42424242\/tok$/, { network: 'reset' });
    expect((await responder.followup(textMessage('once'))).kind).toBe('failed');
    expect(t.count('POST', /\/webhooks\/42424242\/tok$/)).toBe(1);
  });

  it('retries an idempotent edit after a 5xx', async () => {
    const { t, responder } = await setup();
    t.on('PATCH', /@original$/, { status: 502 }, { status: 200, body: { id: '5' } });
    expect(await responder.editOriginal(textMessage('x'))).toEqual({ kind: 'ok', messageId: '5' });
  });

  it('honours a short 429 retry_after and then succeeds', async () => {
    const { t, responder } = await setup();
    t.on(
      'PATCH',
      /@original$/,
      { status: 429, body: { retry_after: 0.001 } },
      { status: 200, body: { id: '6' } },
    );
    expect(await responder.editOriginal(textMessage('x'))).toEqual({ kind: 'ok', messageId: '6' });
  });

  it('treats deleting an already-deleted original as done', async () => {
    const { t, responder } = await setup();
    t.on('DELETE', /@original$/, { status: 404, body: { code: 10008 } });
    expect(await responder.deleteOriginal()).toEqual({ kind: 'ok', messageId: null });
  });
});
