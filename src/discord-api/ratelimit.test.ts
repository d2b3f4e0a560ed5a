import { describe, expect, it } from 'vitest';
import { AdjustableClock } from '../core/clock.js';
import { RateLimiter } from './ratelimit.js';

const route = { route: 'POST /webhooks/:id/:token', major: '1' };

// The adjustable clock runs with real time too, so a delay read a moment later may be a few ms shorter.
const near = (actual: number, expected: number): void => {
  expect(actual).toBeLessThanOrEqual(expected);
  expect(actual).toBeGreaterThan(expected - 200);
};

describe('RateLimiter', () => {
  it('waits before sending when the bucket headers say it is spent, until reset-after', async () => {
    const clock = new AdjustableClock(1_000_000);
    const rl = new RateLimiter({ clock, pacing: {} });
    await rl.acquire(route);
    rl.update(route, {
      status: 200,
      headers: {
        'x-ratelimit-bucket': 'abc',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': '1.5',
      },
    });
    near(rl.delayFor(route), 1500);
    clock.advance(1500);
    expect(rl.delayFor(route)).toBe(0);
  });

  it('honours retry_after of a 429 for its bucket, and a global 429 for every non-interaction route', () => {
    const clock = new AdjustableClock(1_000_000);
    const rl = new RateLimiter({ clock, pacing: {} });
    rl.update(route, { status: 429, headers: {}, retryAfterS: 2 });
    near(rl.delayFor(route), 2000);
    expect(rl.delayFor({ ...route, major: '2' })).toBe(0);
    rl.update(route, { status: 429, headers: { 'x-ratelimit-global': 'true' }, retryAfterS: 3 });
    near(rl.delayFor({ route: 'POST /channels/:id/messages', major: '9' }), 3000);
    expect(rl.delayFor({ route: 'POST /webhooks/:app/:token', major: '9', exemptFromGlobal: true })).toBe(0);
    expect(rl.stats.rateLimited).toBe(2);
  });

  it('paces a webhook to its sliding window: the 5th request in 2 s waits for the oldest to leave', async () => {
    const clock = new AdjustableClock(1_000_000);
    const rl = new RateLimiter({ clock, pacing: { webhook: { limit: 4, windowMs: 2000 } } });
    const paced = { ...route, pacing: [{ pacer: 'webhook', key: '1' }] };
    for (let i = 0; i < 4; i++) {
      await rl.acquire(paced);
      clock.advance(100);
    }
    near(rl.delayFor(paced), 1600);
    const pending = rl.acquire(paced);
    clock.advance(1600);
    await pending;
    expect(rl.stats.waits).toBe(1);
  });

  it('rejects a pacing option that could never let a request through', () => {
    expect(
      () => new RateLimiter({ clock: new AdjustableClock(), pacing: { webhook: { limit: 0, windowMs: 1 } } }),
    ).toThrow(/pacing\.webhook/);
  });
});

describe('RateLimiter with hostile headers', () => {
  it('never blocks a bucket longer than maxDelayMs, whatever Retry-After or reset-after say', () => {
    const clock = new AdjustableClock(1_000_000);
    const rl = new RateLimiter({ clock, pacing: {}, maxDelayMs: 60_000 });
    rl.update(route, { status: 429, headers: { 'retry-after': '31536000' } });
    expect(rl.delayFor(route)).toBeLessThanOrEqual(60_000);
    const other = { route: 'POST /channels/:id/messages', major: '2' };
    rl.update(other, {
      status: 200,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '31536000' },
    });
    expect(rl.delayFor(other)).toBeLessThanOrEqual(60_000);
    clock.advance(60_000);
    expect(rl.delayFor(route)).toBe(0);
    expect(rl.delayFor(other)).toBe(0);
  });
});
