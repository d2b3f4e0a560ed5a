import { generateKeyPairSync, sign } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTransport } from '../../test/discord/fake-transport.js';
import { AdjustableClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { createHttpServer, type HttpServer } from '../http/server.js';
import {
  RecentInteractionIds,
  createInteractionsHandler,
  ed25519PublicKey,
  timestampFresh,
  verifyInteractionSignature,
} from './http-endpoint.js';
import type { AppServices } from './ports.js';
import { InteractionRouter } from './router.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const rawPublicHex = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer)
  .subarray(12)
  .toString('hex');
const key = ed25519PublicKey(rawPublicHex);
const signed = (timestamp: string, body: string): string =>
  sign(null, Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), privateKey).toString('hex');

describe('verifyInteractionSignature', () => {
  const body = '{"type":1}';
  const ts = '1700000000';

  it('accepts Discord-style signatures over timestamp + raw body', () => {
    expect(verifyInteractionSignature(key, signed(ts, body), ts, Buffer.from(body))).toBe(true);
  });

  it('refuses a signature made over a different body, timestamp, or by another key', () => {
    expect(verifyInteractionSignature(key, signed(ts, body), ts, Buffer.from('{"type": 1}'))).toBe(false);
    expect(verifyInteractionSignature(key, signed(ts, body), '1700000001', Buffer.from(body))).toBe(false);
    const other = generateKeyPairSync('ed25519').privateKey;
    const forged = sign(null, Buffer.from(ts + body), other).toString('hex');
    expect(verifyInteractionSignature(key, forged, ts, Buffer.from(body))).toBe(false);
  });

  it('refuses missing or malformed headers without throwing', () => {
    expect(verifyInteractionSignature(key, undefined, ts, Buffer.from(body))).toBe(false);
    expect(verifyInteractionSignature(key, signed(ts, body), undefined, Buffer.from(body))).toBe(false);
    expect(verifyInteractionSignature(key, 'zz', ts, Buffer.from(body))).toBe(false);
    expect(verifyInteractionSignature(key, '0'.repeat(128), ts, Buffer.from(body))).toBe(false);
  });

  it('rejects a public key that is not 64 hex characters, naming what is expected', () => {
    expect(() => ed25519PublicKey('abc')).toThrow(/64 hex characters/);
  });
});

describe('POST /interactions hardening (replay, size, malformed bodies)', () => {
  const NOW = 1_700_000_000_000;
  const APP = '42424242';
  let server: HttpServer;
  let base: string;
  let started: string[];
  let clock: AdjustableClock;

  beforeEach(async () => {
    clock = new AdjustableClock(NOW);
    started = [];
    const services: AppServices = {
      startAnalysis: async (r) => {
        started.push(r.interaction.id);
        return { kind: 'started', workflowId: `wf-${r.interaction.id}` };
      },
      status: async () => ({ kind: 'not_found', reason: 'none' }),
      retrieve: async () => ({ kind: 'not_found', reason: 'none' }),
      cancel: async () => ({ kind: 'not_found', reason: 'none' }),
      configureWebhook: async () => ({ kind: 'invalid', reason: 'none' }),
      search: async () => ({ content: 'none' }),
      interactionUnreachable: async () => undefined,
    };
    const logger = createLogger({ level: 'silent' });
    const router = new InteractionRouter({
      services,
      clock,
      logger,
      transport: new FakeTransport(),
      mode: 'http',
    });
    server = createHttpServer({ host: '127.0.0.1', port: 0, clock, logger, mode: 'http' });
    server.route(
      'POST',
      '/interactions',
      createInteractionsHandler({ publicKeyHex: rawPublicHex, router, clock, logger }),
    );
    base = (await server.start()).url;
  });
  afterEach(async () => {
    await server.stop();
  });

  let seq = 0;
  const autointel = (): string => {
    seq += 1;
    const id = (((BigInt(NOW) - 1_420_070_400_000n) << 22n) + BigInt(seq)).toString();
    return JSON.stringify({
      id,
      application_id: APP,
      type: 2,
      token: `tok${seq}`,
      guild_id: '900',
      channel_id: '901',
      member: { user: { id: '902' }, permissions: '0' },
      data: {
        name: 'autointel',
        type: 1,
        options: [{ name: 'url', type: 3, value: 'https://example.com/a' }],
      },
    });
  };
  const post = async (body: string, signedAtMs: number, signature?: string) => {
    const ts = String(Math.floor(signedAtMs / 1000));
    const res = await fetch(`${base}/interactions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature-ed25519': signature ?? signed(ts, body),
        'x-signature-timestamp': ts,
      },
      body,
    });
    return { status: res.status, text: await res.text() };
  };

  it('accepts a valid signed request, then refuses the very same signed request sent again', async () => {
    const body = autointel();
    const first = await post(body, NOW);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toEqual({ type: 5 });
    const replay = await post(body, NOW);
    expect(replay.status).toBe(409);
    expect(replay.text).toContain('already handled');
  });

  it('refuses a request signed 6 minutes ago, or 6 minutes ahead, even with a valid signature', async () => {
    expect((await post(autointel(), NOW - 6 * 60_000)).status).toBe(401);
    expect((await post(autointel(), NOW + 6 * 60_000)).status).toBe(401);
    expect((await post(autointel(), NOW - 4 * 60_000)).status).toBe(200);
  });

  it('refuses a bad signature with 401 before reading the payload', async () => {
    expect((await post(autointel(), NOW, '0'.repeat(128))).status).toBe(401);
  });

  it('answers a signed body that is not JSON with 400 and no stack trace', async () => {
    const res = await post('{"type": 2, "id": ', NOW);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ error: 'body is not JSON' });
    expect(res.text).not.toMatch(/at \w+ \(|SyntaxError/);
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const res = await post(JSON.stringify({ type: 1, pad: 'x'.repeat(64 * 1024) }), NOW);
    expect(res.status).toBe(413);
  });

  it('a PING still gets its PONG', async () => {
    const res = await post(JSON.stringify({ type: 1, id: '1', application_id: APP }), NOW);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ type: 1 });
  });
});

describe('timestampFresh and RecentInteractionIds', () => {
  it('accepts timestamps within 5 minutes either way, refuses the rest and garbage', () => {
    const now = 1_700_000_000_000;
    expect(timestampFresh('1700000000', now)).toBe(true);
    expect(timestampFresh(String(1_700_000_000 - 300), now)).toBe(true);
    expect(timestampFresh(String(1_700_000_000 - 301), now)).toBe(false);
    expect(timestampFresh(String(1_700_000_000 + 301), now)).toBe(false);
    expect(timestampFresh('17e8', now)).toBe(false);
    expect(timestampFresh(undefined, now)).toBe(false);
  });

  it('forgets ids after their lifetime and never holds more than its cap', () => {
    const ids = new RecentInteractionIds({ ttlMs: 1_000, max: 3 });
    expect(ids.add('a', 0)).toBe(true);
    expect(ids.add('a', 500)).toBe(false);
    expect(ids.add('a', 1_001)).toBe(true);
    for (const id of ['b', 'c', 'd', 'e']) ids.add(id, 1_100);
    expect(ids.size).toBeLessThanOrEqual(3);
  });
});
