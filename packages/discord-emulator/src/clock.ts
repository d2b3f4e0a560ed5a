// The emulator's own clock when the test injects none: real time plus an offset that only moves forward.
import type { EmulatorClock } from './types.js';

export class OffsetClock implements EmulatorClock {
  #offset = 0;

  now(): number {
    return Date.now() + this.#offset;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`advance expects a non-negative number of ms, received ${ms}`);
    this.#offset += ms;
  }
}
