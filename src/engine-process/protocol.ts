// What a bot's main process and its engine process say to each other over the IPC channel (structured-clone values).
import type { ContentPoolStats } from '../analysis/work/pool.js';
import type { Config } from '../config/config.js';
import type { PacerLimit } from '../discord-api/ratelimit.js';
import type { EnginePriority } from './priority.js';
import { isQueueSignal, type QueueSignal, type QueueSignals } from '../workflow/embedded-queue.js';

/** What the engine process starts from. */
export interface EngineProcessData {
  readonly config: Config;
  /** The main logger's level: the engine's lines come back to the main logger's destination. */
  readonly logLevel: string;
  readonly pacing?: Readonly<Record<string, PacerLimit>>;
  /** Niceness of every thread of the engine process, so the loop that answers Discord wins the CPU. */
  readonly niceness: number;
  /** `idle` also puts every thread in SCHED_IDLE (falling back to the niceness where that cannot be set). */
  readonly priority: EnginePriority;
}

export type ToEngine =
  | { readonly type: 'start'; readonly data: EngineProcessData }
  /** Stop the engine: its stages finish or are released within the engine's grace period, then exit. */
  | { readonly type: 'stop' }
  | { readonly type: 'queue'; readonly signal: QueueSignal };

export type FromEngine =
  | { readonly type: 'ready' }
  /** The engine could not start: its error, already redacted. */
  | { readonly type: 'failed'; readonly code: string; readonly message: string }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'stats'; readonly pool: ContentPoolStats }
  | { readonly type: 'queue'; readonly signal: QueueSignal }
  | { readonly type: 'stopped' };

/**
 * One end of the queue-signal link over the IPC channel, the same on both sides: `signals` for the embedded queue
 * (what it sends goes out through `send`), `receive` for each signal that came in from the other side.
 */
export function queueSignalEnd(send: (signal: QueueSignal) => void): {
  readonly signals: QueueSignals;
  receive(signal: unknown): void;
} {
  const listeners = new Set<(s: QueueSignal) => void>();
  return {
    signals: {
      send,
      listen: (on) => {
        listeners.add(on);
        return () => listeners.delete(on);
      },
    },
    receive: (signal) => {
      if (isQueueSignal(signal)) for (const on of listeners) on(signal);
    },
  };
}
