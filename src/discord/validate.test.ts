import { describe, expect, it } from 'vitest';
import { validateAnalysisUrl, validateDepth, validateWebhookUrl, validateWorkflowId } from './validate.js';

describe('input validation before the initial response', () => {
  it('accepts http(s) URLs and normalises them', () => {
    expect(validateAnalysisUrl(' https://Example.com/a?b=1 ')).toEqual({
      ok: true,
      value: 'https://example.com/a?b=1',
    });
    expect(validateAnalysisUrl('http://example.com').ok).toBe(true);
  });

  it('refuses local paths, other schemes, empty input and over-long links', () => {
    for (const bad of [
      '/etc/passwd',
      'file:///etc/passwd',
      'data:text/plain,hi',
      '',
      'https://x.com/' + 'a'.repeat(2050),
    ]) {
      expect(validateAnalysisUrl(bad).ok).toBe(false);
    }
  });

  it('defaults depth to standard and refuses unknown depths', () => {
    expect(validateDepth(undefined)).toEqual({ ok: true, value: 'standard' });
    expect(validateDepth('experimental')).toEqual({ ok: true, value: 'experimental' });
    expect(validateDepth('ultra').ok).toBe(false);
  });

  it('accepts UUID workflow ids only', () => {
    expect(validateWorkflowId('123E4567-E89B-42D3-A456-426614174000')).toEqual({
      ok: true,
      value: '123e4567-e89b-42d3-a456-426614174000',
    });
    expect(validateWorkflowId('123e4567').ok).toBe(false);
  });

  it('accepts Discord webhook URLs (and ones under the configured API base) and never echoes the token', () => {
    const token = 'T'.repeat(68);
    expect(validateWebhookUrl(`https://discord.com/api/webhooks/123456789/${token}`).ok).toBe(true);
    expect(validateWebhookUrl(`https://canary.discord.com/api/v10/webhooks/123456789/${token}`).ok).toBe(
      true,
    );
    expect(validateWebhookUrl(`http://127.0.0.1:9/api/webhooks/123456789/${token}`).ok).toBe(false);
    expect(
      validateWebhookUrl(`http://127.0.0.1:9/api/webhooks/123456789/${token}`, 'http://127.0.0.1:9/api').ok,
    ).toBe(true);
    const bad = validateWebhookUrl(`https://evil.example/api/webhooks/123456789/${token}`);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).not.toContain(token);
    expect(validateWebhookUrl(`https://discordapp.com/api/v10/webhooks/123456789/${token}`).ok).toBe(false);
  });
});
