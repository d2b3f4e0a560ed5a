// The one source of time: everything that reads the clock or waits goes through a Clock.
import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds since the epoch, as this clock sees it. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await delay(Math.max(0, ms), undefined, signal ? { signal } : undefined);
  }
}

interface Sleeper {
  deadline: number;
  resolve: () => void;
}

/**
 * Real time plus an offset the test controls. `advance(ms)` jumps forward and wakes every sleeper whose
 * deadline has passed, so 3 s or 15 min can be crossed in milliseconds while real I/O keeps working.
 */
export class AdjustableClock implements Clock {
  #offset = 0;
  readonly #sleepers = new Set<Sleeper>();

  constructor(start?: number) {
    if (start !== undefined) this.#offset = start - Date.now();
  }

  now(): number {
    return Date.now() + this.#offset;
  }

  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`advance expects a non-negative number of ms, received ${ms}`);
    this.#offset += ms;
    const now = this.now();
    for (const s of this.#sleepers) if (s.deadline <= now) s.resolve();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        deadline: this.now() + Math.max(0, ms),
        resolve: () => {
          clearTimeout(timer);
          this.#sleepers.delete(sleeper);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        this.#sleepers.delete(sleeper);
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => sleeper.resolve(), Math.max(0, ms));
      this.#sleepers.add(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
