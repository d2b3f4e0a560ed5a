import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import {
  DiscordApiError,
  MAX_SERVER_DELAY_MS,
  capDelayMs,
  discordErrorCode,
  serverDelayMs,
} from './errors.js';

describe('serverDelayMs', () => {
  it('reads retry_after from the 429 body first, then Retry-After, then X-RateLimit-Reset-After (seconds → ms)', () => {
    expect(serverDelayMs({ retry_after: 1.234 }, { 'retry-after': '9' })).toBe(1234);
    expect(serverDelayMs({}, { 'retry-after': '2' })).toBe(2000);
    expect(serverDelayMs(null, { 'x-ratelimit-reset-after': '0.5' })).toBe(500);
    expect(serverDelayMs(null, {}, { fallbackMs: 777 })).toBe(777);
  });

  it('caps a hostile Retry-After of a year at the retry maximum (no parked work, no timer overflow)', () => {
    expect(serverDelayMs(null, { 'retry-after': '31536000' })).toBe(MAX_SERVER_DELAY_MS);
    expect(serverDelayMs({ retry_after: 31_536_000 }, {})).toBe(MAX_SERVER_DELAY_MS);
    expect(serverDelayMs(null, { 'retry-after': '31536000' }, { maxMs: 10_000 })).toBe(10_000);
    expect(serverDelayMs({ retry_after: 1e308 }, {})).toBe(MAX_SERVER_DELAY_MS);
    // Node's timers overflow past 2^31-1 ms; every answer stays far below that.
    expect(MAX_SERVER_DELAY_MS).toBeLessThan(2 ** 31 - 1);
  });

  it('ignores negative or non-numeric values', () => {
    expect(serverDelayMs({ retry_after: -5 }, { 'retry-after': 'soon' }, { fallbackMs: 100 })).toBe(100);
    expect(capDelayMs(Number.POSITIVE_INFINITY)).toBe(MAX_SERVER_DELAY_MS);
    expect(capDelayMs(-1)).toBe(0);
  });
});

describe('DiscordApiError', () => {
  it("carries Discord's numeric code, status, method and route, and names the code", () => {
    const e = new DiscordApiError({
      status: 400,
      discordCode: 50035,
      method: 'POST',
      route: 'POST /webhooks/:id/:token',
    });
    expect(e).toBeInstanceOf(AppError);
    expect(e).toMatchObject({
      code: 'discord.50035',
      status: 400,
      discordCode: 50035,
      method: 'POST',
      retryable: false,
    });
    expect(e.name).toBe('DiscordApiError[50035]');
    expect(e.message).toContain('POST /webhooks/:id/:token');
  });

  it('falls back to the HTTP status when the body had no code, and marks 5xx/429 retryable', () => {
    const e = new DiscordApiError({ status: 503, discordCode: undefined, method: 'GET', route: 'GET /x' });
    expect(e.code).toBe('discord.http_503');
    expect(e.retryable).toBe(true);
  });

  it('reads only integer codes', () => {
    expect(discordErrorCode({ code: 10062 })).toBe(10062);
    expect(discordErrorCode({ code: '10062' })).toBeUndefined();
    expect(discordErrorCode(null)).toBeUndefined();
  });
});
