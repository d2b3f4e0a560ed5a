// The bot's side of its engine process: starts it, writes its log lines, relays the queue signals, keeps its
// content-pool figures for /metrics, restarts it after a crash (its runs resume once their leases expire), stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ContentPoolStats } from '../analysis/work/pool.js';
import type { Clock } from '../core/clock.js';
import { PermanentError } from '../core/errors.js';
import { writeLogLine, type Logger } from '../core/logger.js';
import { compiledTwinUrl } from '../core/worker-url.js';
import type { QueueSignals } from '../workflow/embedded-queue.js';
import { queueSignalEnd, type EngineProcessData, type FromEngine, type ToEngine } from './protocol.js';

export interface EngineProcessOptions {
  readonly data: EngineProcessData;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Restart back-off after a crash: doubles from the first to the last. */
  readonly restartMs?: { readonly first: number; readonly max: number };
  /** The compiled entry script; the engine process's own under dist/src/cli/ unless given. */
  readonly entryUrl?: URL;
  /** How long a stopping engine may take beyond the grace period before it is killed. */
  readonly stopSlackMs?: number;
  /** A crash after the engine ran at least this long starts the back-off from its first delay again. */
  readonly healthyResetMs?: number;
}

export const DefaultEngineProcessOptions = {
  restartMs: { first: 1_000, max: 60_000 },
  stopSlackMs: 15_000,
  healthyResetMs: 10 * 60_000,
} as const satisfies Partial<EngineProcessOptions>;

export class EngineProcess {
  readonly #o: EngineProcessOptions;
  readonly #restartMs: { readonly first: number; readonly max: number };
  #child: ChildProcess | null = null;
  #ready = false;
  #stopping = false;
  #crashes = 0;
  /** When the running engine said it was ready (clock ms). */
  #readyAt = 0;
  #pool: ContentPoolStats | null = null;
  readonly #life = new AbortController();

  readonly #link = queueSignalEnd((signal) => this.#send({ type: 'queue', signal }));
  /** Links the bot's embedded queue with the engine's: enqueues wake it, cancels reach it. */
  readonly queueSignals: QueueSignals = this.#link.signals;

  constructor(options: EngineProcessOptions) {
    this.#o = options;
    this.#restartMs = options.restartMs ?? DefaultEngineProcessOptions.restartMs;
  }

  /** Whether the engine runs now (false while it restarts after a crash). */
  get ready(): boolean {
    return this.#ready;
  }

  /** The engine's content pool as last reported (null before its first report). */
  poolStats(): ContentPoolStats | null {
    return this.#pool;
  }

  /** Resolves once the engine runs; rejects with its start-up error (nothing keeps running then). */
  start(): Promise<void> {
    return this.#spawn();
  }

  #send(m: ToEngine): void {
    const child = this.#child;
    if (child !== null && child.connected) child.send(m);
  }

  #spawn(): Promise<void> {
    const entry = fileURLToPath(
      this.#o.entryUrl ?? compiledTwinUrl('../cli/engine-process.js', import.meta.url),
    );
    // No inherited flags (a test runner's loaders); the configuration travels over the channel, not the environment.
    const child = spawn(process.execPath, [entry], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.#child = child;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      child.on('message', (m: FromEngine) => {
        switch (m.type) {
          case 'log':
            writeLogLine(this.#o.logger, m.line);
            return;
          case 'stats':
            this.#pool = m.pool;
            return;
          case 'queue':
            this.#link.receive(m.signal);
            return;
          case 'ready':
            started = true;
            this.#ready = true;
            this.#readyAt = this.#o.clock.now();
            resolve();
            return;
          case 'failed':
            reject(new PermanentError(m.code, m.message));
            return;
          case 'stopped':
            return;
        }
      });
      child.on('error', (e: Error) => {
        if (!started)
          reject(new PermanentError('engine.spawn_failed', `the engine process did not start: ${e.message}`));
      });
      child.on('exit', (code, signal) => {
        this.#ready = false;
        if (this.#child === child) this.#child = null;
        if (!started) {
          reject(
            new PermanentError(
              'engine.exited',
              `the engine process ended while starting (${signal ?? `code ${String(code)}`})`,
            ),
          );
          return;
        }
        if (!this.#stopping)
          this.#restartAfterCrash(signal ?? `code ${String(code)}`, this.#o.clock.now() - this.#readyAt);
      });
      child.send({ type: 'start', data: this.#o.data } satisfies ToEngine);
    });
  }

  /** `ranMs`: how long the engine that ended had run (null when a restart failed to start it). */
  #restartAfterCrash(how: string, ranMs: number | null): void {
    // A crash after a long healthy run is not part of a crash loop: it waits the first delay, not the n-th.
    const healthyMs = this.#o.healthyResetMs ?? DefaultEngineProcessOptions.healthyResetMs;
    if (ranMs !== null && ranMs >= healthyMs) this.#crashes = 0;
    const delay = Math.min(this.#restartMs.max, this.#restartMs.first * 2 ** this.#crashes);
    this.#crashes++;
    this.#o.logger.error(
      { exit: how, restartInMs: delay },
      'the engine process ended unexpectedly; its runs resume once their leases expire',
    );
    this.#o.clock.sleep(delay, this.#life.signal).then(
      () => {
        if (this.#stopping) return;
        this.#spawn().then(
          () => this.#o.logger.warn('engine process restarted'),
          (e: unknown) => {
            this.#o.logger.error({ err: e }, 'engine process restart failed');
            if (!this.#stopping) this.#restartAfterCrash('restart failed', null);
          },
        );
      },
      () => undefined,
    );
  }

  /**
   * Stops the engine (its running stages finish or are released within its grace period) and waits for the process
   * to end; one still running `graceMs` + `stopSlackMs` later is killed.
   */
  async stop(options: { readonly graceMs: number }): Promise<void> {
    this.#stopping = true;
    this.#life.abort();
    const child = this.#child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.#send({ type: 'stop' });
    const waited = new AbortController();
    const inTime = await Promise.race([
      ended.then(() => true),
      this.#o.clock
        .sleep(
          options.graceMs + (this.#o.stopSlackMs ?? DefaultEngineProcessOptions.stopSlackMs),
          waited.signal,
        )
        .then(() => false)
        .catch(() => false),
    ]);
    waited.abort();
    this.#ready = false;
    if (!inTime) {
      this.#o.logger.error('the engine process did not stop in time; killing it');
      child.kill('SIGKILL');
      await ended;
    }
  }
}
