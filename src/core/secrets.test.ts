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

  it('refuses to open with another key', () => {
    const sealed = new SecretBox(key).seal('x');
    expect(() => new SecretBox('z'.repeat(40)).open(sealed)).toThrow(/could not be opened/);
  });

  it('rejects short key material', () => {
    expect(() => new SecretBox('short')).toThrow(RangeError);
  });
});
