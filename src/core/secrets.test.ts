import { describe, expect, it } from 'vitest';
import { SecretBox } from './secrets.js';

describe('SecretBox', () => {
  const key = 'k'.repeat(40);

  it('round-trips and never contains the plain text', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('interaction-token-value');
    expect(sealed).not.toContain('interaction-token-value');
    expect(box.open(sealed)).toBe('interaction-token-value');
  });

  it('uses a fresh nonce per seal', () => {
    const box = new SecretBox(key);
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('never repeats a nonce across many seals (the nonces fetched ahead are refilled, not reused)', () => {
    const box = new SecretBox(key);
    const nonces = new Set<string>();
    const n = 2000; // several refills of the 256 nonces fetched at a time
    for (let i = 0; i < n; i++) {
      const sealed = box.seal('same');
      nonces.add(Buffer.from(sealed.slice(3), 'base64url').subarray(0, 12).toString('hex'));
      expect(box.open(sealed)).toBe('same');
    }
    expect(nonces.size).toBe(n);
  });

  it('refuses to open with another key', () => {
    const sealed = new SecretBox(key).seal('x');
    expect(() => new SecretBox('z'.repeat(40)).open(sealed)).toThrow(/could not be opened/);
  });

  it('opens each of many secrets correctly, again and again (the cache of opened secrets never mixes them up)', () => {
    const box = new SecretBox(key);
    const sealed = Array.from({ length: 600 }, (_, i) => box.seal(`token-${i}`));
    for (let round = 0; round < 2; round++)
      for (const [i, s] of sealed.entries()) expect(box.open(s)).toBe(`token-${i}`);
    // A tampered copy of a secret already opened is still refused.
    const first = sealed[0] ?? '';
    const tampered = first.slice(0, -2) + (first.endsWith('AA') ? 'BB' : 'AA');
    expect(() => box.open(tampered)).toThrow(/could not be opened/);
  });

  it('rejects short key material', () => {
    expect(() => new SecretBox('short')).toThrow(RangeError);
  });
});
