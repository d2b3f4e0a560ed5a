// Prometheus metrics of the Discord front end: acknowledgement latency, outcomes, callback errors, event-loop delay,
// and the content pool the loop hands its CPU work to.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AckObserver, AckOutcome } from './session.js';

/** What the router reports; the no-op variant keeps unit tests free of a registry. */
export interface FrontEndMetrics extends AckObserver {
  interaction(command: string, outcome: string): void;
  fallback(reason: string): void;
}

export const noopMetrics: FrontEndMetrics = {
  acknowledged: () => undefined,
  callbackError: () => undefined,
  interaction: () => undefined,
  fallback: () => undefined,
};

export interface PromFrontEndMetricsOptions {
  /** A registry of its own by default, so two front ends in one process (tests) never collide. */
  readonly registry?: Registry;
  readonly mode: 'gateway' | 'http';
  /** Node process metrics, including event-loop delay percentiles from perf_hooks.monitorEventLoopDelay. */
  readonly processMetrics?: boolean;
}

export class PromFrontEndMetrics implements FrontEndMetrics {
  readonly registry: Registry;
  readonly #mode: string;
  readonly #ackLatency: Histogram<'mode' | 'outcome'>;
  readonly #interactions: Counter<'command' | 'outcome'>;
  readonly #callbackErrors: Counter<'code'>;
  readonly #fallbacks: Counter<'reason'>;

  constructor(options: PromFrontEndMetricsOptions) {
    this.registry = options.registry ?? new Registry();
    this.#mode = options.mode;
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    }
    this.#ackLatency = new Histogram({
      name: 'autointel_interaction_ack_latency_seconds',
      help: 'From receiving an interaction to its initial response being settled',
      labelNames: ['mode', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
      registers: [this.registry],
    });
    this.#interactions = new Counter({
      name: 'autointel_interactions_total',
      help: 'Interactions received, by command and by what the front end did with them',
      labelNames: ['command', 'outcome'],
      registers: [this.registry],
    });
    this.#callbackErrors = new Counter({
      name: 'autointel_interaction_callback_errors_total',
      help: 'Initial-response callbacks that did not answer 2xx, by Discord error code (or timeout/network/http_NNN)',
      labelNames: ['code'],
      registers: [this.registry],
    });
    this.#fallbacks = new Counter({
      name: 'autointel_interaction_fallbacks_total',
      help: 'Messages handed to channel/webhook delivery because the interaction token could not carry them',
      labelNames: ['reason'],
      registers: [this.registry],
    });
  }

  acknowledged(outcome: AckOutcome, latencyMs: number): void {
    this.#ackLatency.observe({ mode: this.#mode, outcome: outcome.kind }, Math.max(0, latencyMs) / 1000);
  }

  callbackError(code: string): void {
    this.#callbackErrors.inc({ code });
  }

  interaction(command: string, outcome: string): void {
    this.#interactions.inc({ command, outcome });
  }

  fallback(reason: string): void {
    this.#fallbacks.inc({ reason });
  }
}

/** What the content pool reports about itself (analysis/work/pool.ts ContentPoolStats). */
export interface ContentPoolGauges {
  readonly size: number;
  readonly busy: number;
  readonly queued: number;
  readonly replaced: number;
  readonly done: number;
  readonly failed: number;
  readonly timedOut: number;
}

/**
 * The content pool's state on the same registry, read at each scrape: threads, busy threads, queue length, and jobs
 * done / failed / timed out and threads replaced since start.
 */
export function registerContentPoolMetrics(registry: Registry, stats: () => ContentPoolGauges): void {
  const gauge = (name: string, help: string, read: (s: ContentPoolGauges) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(stats()));
      },
    });
  };
  gauge('autointel_content_pool_threads', 'Worker threads of the content pool', (s) => s.size);
  gauge('autointel_content_pool_busy_threads', 'Content-pool threads running a job now', (s) => s.busy);
  gauge('autointel_content_pool_queue_length', 'Content jobs waiting for a thread', (s) => s.queued);
  const counter = (name: string, help: string, read: (s: ContentPoolGauges) => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      // The pool keeps the running totals; each scrape reports them as they are.
      collect() {
        this.reset();
        this.inc(read(stats()));
      },
    });
  };
  counter(
    'autointel_content_pool_jobs_done_total',
    'Content jobs that answered with their output',
    (s) => s.done,
  );
  counter(
    'autointel_content_pool_jobs_failed_total',
    'Content jobs that failed (task error, crashed thread, memory budget)',
    (s) => s.failed,
  );
  counter(
    'autointel_content_pool_jobs_timed_out_total',
    'Content jobs stopped at their deadline',
    (s) => s.timedOut,
  );
  counter(
    'autointel_content_pool_threads_replaced_total',
    'Content-pool threads terminated (deadline, memory budget, crash) and replaced',
    (s) => s.replaced,
  );
}
