import { describe, expect, it } from 'vitest';
import { parseWebhookUrl } from './webhook-url.js';

const TOKEN = 'AbCdEf_123-xyzAbCdEf_123-xyzAbCdEf_123-xyzAbCdEf_123-xyzAbCdEf_12';

describe('parseWebhookUrl', () => {
  it.each([
    `https://discord.com/api/webhooks/123456789012345678/${TOKEN}`,
    `https://discord.com/api/v10/webhooks/123456789012345678/${TOKEN}`,
    `https://ptb.discord.com/api/webhooks/123456789012345678/${TOKEN}`,
    `https://canary.discord.com/api/v9/webhooks/123456789012345678/${TOKEN}`,
    `https://discordapp.com/api/webhooks/123456789012345678/${TOKEN}`,
  ])('accepts %s', (url) => {
    expect(parseWebhookUrl(url)).toEqual({ ok: true, value: { id: '123456789012345678', token: TOKEN } });
  });

  it.each([
    ['http (not https)', `http://discord.com/api/webhooks/123456789012345678/${TOKEN}`],
    ['another host', `https://discord.com.evil.example/api/webhooks/123456789012345678/${TOKEN}`],
    ['a look-alike host', `https://evildiscord.com/api/webhooks/123456789012345678/${TOKEN}`],
    ['a port', `https://discord.com:8443/api/webhooks/123456789012345678/${TOKEN}`],
    ['credentials', `https://user:pw@discord.com/api/webhooks/123456789012345678/${TOKEN}`],
    ['a query', `https://discord.com/api/webhooks/123456789012345678/${TOKEN}?x=1`],
    ['a non-numeric id', `https://discord.com/api/webhooks/abc/${TOKEN}`],
    ['a missing token', 'https://discord.com/api/webhooks/123456789012345678'],
    ['discordapp.com with v10', `https://discordapp.com/api/v10/webhooks/123456789012345678/${TOKEN}`],
    ['the emulator without the option', `http://127.0.0.1:1234/api/webhooks/123456789012345678/${TOKEN}`],
    ['not a URL', 'discord webhook please'],
  ])('rejects %s, without echoing the URL', (_, url) => {
    const r = parseWebhookUrl(url);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).not.toContain(TOKEN);
  });

  it('accepts a URL under the configured API base only when the option names that base', () => {
    const url = `http://127.0.0.1:1234/api/webhooks/123456789012345678/${TOKEN}`;
    expect(parseWebhookUrl(url, { allowApiBase: 'http://127.0.0.1:1234/api' }).ok).toBe(true);
    expect(parseWebhookUrl(url, { allowApiBase: 'http://127.0.0.1:9999/api' }).ok).toBe(false);
  });
});
