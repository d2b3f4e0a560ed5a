import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ed25519PublicKey, verifyInteractionSignature } from './http-endpoint.js';

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
