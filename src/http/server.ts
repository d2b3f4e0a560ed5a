// The one node:http server of a bot process: /healthz, /metrics, and whatever routes are mounted (interactions, pages).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HealthCheckResult {
  readonly ok: boolean;
  readonly detail?: string;
}
export type HealthCheck = () => HealthCheckResult | Promise<HealthCheckResult>;

/** Anything that renders Prometheus text (a prom-client Registry fits). */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks an ephemeral port (tests). */
  readonly port: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly mode: string;
  readonly checks?: Readonly<Record<string, HealthCheck>>;
  readonly metrics?: MetricsSource;
  readonly limits?: HttpServerLimits;
}

/** Bounds on what a client may hold: slow or half-open requests, and sockets at once. */
export interface HttpServerLimits {
  /** The request's headers must arrive within this. */
  readonly headersTimeoutMs?: number;
  /** The whole request (headers and body) must arrive within this: a trickled body is cut off (408). */
  readonly requestTimeoutMs?: number;
  /** Open sockets at once; more are refused at accept time. */
  readonly maxConnections?: number;
  /** How often Node checks the two timeouts above (its default, 30 s, would let a 15 s limit run to 45 s). */
  readonly checkIntervalMs?: number;
}

export const DefaultHttpServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  maxConnections: 1_024,
  checkIntervalMs: 1_000,
} as const satisfies Required<HttpServerLimits>;

export interface HttpServer {
  readonly server: Server;
  /**
   * Registers `handler` for a method and path (query strings are ignored when matching); a path ending in `/*`
   * matches every path below it (`/r/*` serves `/r/<id>`), exact paths win over prefixes.
   */
  route(method: string, path: string, handler: RouteHandler): void;
  start(): Promise<{ readonly port: number; readonly url: string }>;
  stop(): Promise<void>;
}

/** Whether a listen address only accepts local connections. */
export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/**
 * Where `/metrics` is served: on a loopback listener of its own when METRICS_PORT is set, else on the main listener
 * only if that one is loopback too. A public interactions listener never exposes it.
 */
export function metricsPlacement(
  host: string,
  metricsPort: number | undefined,
): 'separate' | 'main' | 'none' {
  if (metricsPort !== undefined) return 'separate';
  return isLoopback(host) ? 'main' : 'none';
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new RangeError(`createHttpServer: port must be an integer in 0..65535, received ${options.port}`);
  }
  const routes = new Map<string, RouteHandler>();
  /** `METHOD /prefix/` → handler, for routes registered as `/prefix/*`. */
  const prefixes = new Map<string, RouteHandler>();
  const prefixRoute = (method: string, path: string): RouteHandler | undefined => {
    for (const [key, handler] of prefixes) {
      if (key.startsWith(`${method} `) && path.startsWith(key.slice(method.length + 1))) return handler;
    }
    return undefined;
  };
  const startedAt = options.clock.now();
  const logger = options.logger.child({ component: 'http' });

  routes.set('GET /healthz', async (_req, res) => {
    const checks: Record<string, HealthCheckResult> = {};
    for (const [name, check] of Object.entries(options.checks ?? {})) {
      try {
        checks[name] = await check();
      } catch (e: unknown) {
        checks[name] = { ok: false, detail: toAppError(e).message };
      }
    }
    const ok = Object.values(checks).every((c) => c.ok);
    sendJson(res, ok ? 200 : 503, {
      ok,
      mode: options.mode,
      uptime: Math.max(0, Math.round((options.clock.now() - startedAt) / 1000)),
      checks,
    });
  });
  if (options.metrics !== undefined) {
    const source = options.metrics;
    routes.set('GET /metrics', async (_req, res) => {
      const text = await source.metrics();
      res.writeHead(200, { 'content-type': source.contentType });
      res.end(text);
    });
  }

  const limits = { ...DefaultHttpServerLimits, ...options.limits };
  for (const [name, v] of Object.entries(limits)) {
    if (!Number.isInteger(v) || v <= 0)
      throw new RangeError(`createHttpServer: limits.${name} must be a positive integer, received ${v}`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new RangeError('createHttpServer: limits.headersTimeoutMs must not exceed limits.requestTimeoutMs');
  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
  const server = createServer(serverOptions, (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const handler = routes.get(`${method} ${path}`) ?? prefixRoute(method, path);
    if (handler === undefined) {
      const known =
        [...routes.keys()].some((k) => k.endsWith(` ${path}`)) ||
        [...prefixes.keys()].some((k) => path.startsWith(k.slice(k.indexOf(' ') + 1)));
      sendJson(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((e: unknown) => {
        logger.error({ err: toAppError(e), path }, 'http handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
  });
  // Discord keeps connections to an interactions endpoint alive; idle sockets should not pin the process on stop.
  server.keepAliveTimeout = 5_000;
  // Beyond this, new sockets are closed at once: a flood of half-open requests cannot exhaust the process.
  server.maxConnections = limits.maxConnections;

  return {
    server,
    route(method, path, handler) {
      if (path.endsWith('/*')) prefixes.set(`${method.toUpperCase()} ${path.slice(0, -1)}`, handler);
      else routes.set(`${method.toUpperCase()} ${path}`, handler);
    },
    start() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          const { port } = server.address() as AddressInfo;
          const host = options.host.includes(':') ? `[${options.host}]` : options.host;
          logger.info({ port }, 'http server listening');
          resolve({ port, url: `http://${host}:${port}` });
        });
      });
    },
    stop() {
      return new Promise((resolve, reject) => {
        server.close((e) => (e === undefined ? resolve() : reject(e)));
        server.closeIdleConnections();
      });
    },
  };
}
