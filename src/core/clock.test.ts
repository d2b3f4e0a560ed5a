import { describe, expect, it } from 'vitest';
import { AdjustableClock } from './clock.js';

describe('AdjustableClock', () => {
  it('moves now() forward by exactly the advanced amount', () => {
    const clock = new AdjustableClock(1_000_000);
    const before = clock.now();
    clock.advance(15 * 60_000);
    expect(clock.now() - before).toBeGreaterThanOrEqual(15 * 60_000);
    expect(clock.now() - before).toBeLessThan(15 * 60_000 + 1_000);
  });

  it('wakes a 15-minute sleeper when the clock jumps past its deadline', async () => {
    const clock = new AdjustableClock();
    let woke = false;
    const sleeping = clock.sleep(15 * 60_000).then(() => {
      woke = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(woke).toBe(false);
    clock.advance(15 * 60_000);
    await sleeping;
    expect(woke).toBe(true);
  });

  it('rejects a sleep with the abort reason', async () => {
    const clock = new AdjustableClock();
    const ac = new AbortController();
    const p = clock.sleep(60_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });

  it('refuses to go backwards', () => {
    expect(() => new AdjustableClock().advance(-1)).toThrow(RangeError);
  });
});
