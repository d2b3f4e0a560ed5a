// Snowflakes and tokens shaped like Discord's, so client libraries parse timestamps and buckets from them.
import { randomBytes } from 'node:crypto';
import type { EmulatorClock } from './types.js';

const DISCORD_EPOCH = 1_420_070_400_000n;

export class SnowflakeGenerator {
  readonly #clock: EmulatorClock;
  #increment = 0n;
  #last = 0n;

  constructor(options: { clock: EmulatorClock }) {
    this.#clock = options.clock;
  }

  next(): string {
    let id =
      ((BigInt(Math.floor(this.#clock.now())) - DISCORD_EPOCH) << 22n) |
      (1n << 17n) |
      (this.#increment & 0xfffn);
    this.#increment += 1n;
    // Ids stay strictly increasing even when two are minted in the same millisecond or the clock is reused.
    if (id <= this.#last) id = this.#last + 1n;
    this.#last = id;
    return id.toString();
  }
}

/** Timestamp (ms since the Unix epoch) encoded in a snowflake. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export function botTokenFor(applicationId: string): string {
  return `${Buffer.from(applicationId).toString('base64url')}.${randomToken(5)}.${randomToken(28)}`;
}

export function interactionTokenFor(interactionId: string): string {
  return `aW50ZXJhY3Rpb246${Buffer.from(interactionId).toString('base64url')}${randomToken(96)}`;
}
