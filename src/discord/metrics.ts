// Prometheus metrics of the Discord front end: acknowledgement latency, outcomes, callback errors, event-loop delay.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
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
