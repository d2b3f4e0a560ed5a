// A loopback-only forward proxy that puts every connection yt-dlp makes through the SSRF guard.
import {
  request as httpRequest,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { toAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { SsrfGuard } from './guard.js';

export interface GuardProxyOptions {
  readonly guard: SsrfGuard;
  readonly logger: Logger;
  /** Idle limit for proxied sockets. */
  readonly idleMs?: number;
}

/** What the proxy refused, so a yt-dlp failure can be reported as the SSRF refusal it really was. */
export interface ProxyRefusal {
  readonly host: string;
  readonly code: string;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export class GuardProxy {
  readonly #server: Server;
  readonly #guard: SsrfGuard;
  readonly #logger: Logger;
  readonly #idleMs: number;
  readonly #sockets = new Set<Duplex>();
  readonly refusals: ProxyRefusal[] = [];

  private constructor(options: GuardProxyOptions) {
    this.#guard = options.guard;
    this.#logger = options.logger;
    this.#idleMs = options.idleMs ?? 30_000;
    this.#server = createServer((req, res) => void this.#forward(req, res));
    this.#server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.#tunnel(req, socket, head);
    });
    this.#server.on('connection', (s: Socket) => this.#track(s));
  }

  /** Starts on an ephemeral loopback port. */
  static async start(options: GuardProxyOptions): Promise<GuardProxy> {
    const proxy = new GuardProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get url(): string {
    const a = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${a.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #track(s: Duplex): void {
    this.#sockets.add(s);
    s.on('close', () => this.#sockets.delete(s));
    s.on('error', () => s.destroy());
  }

  async #tunnel(req: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
    this.#track(client);
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(req.url ?? '');
    if (m?.[1] === undefined || m[2] === undefined) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const checked = await this.#guard.resolveEndpoint(m[1], Number(m[2]));
    if (!checked.ok) {
      this.refusals.push({ host: m[1], code: checked.error.code });
      this.#logger.warn({ code: checked.error.code }, 'media proxy refused a CONNECT');
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect({ host: checked.value.address, port: checked.value.port });
    this.#track(upstream);
    upstream.setTimeout(this.#idleMs, () => upstream.destroy());
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  async #forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (target.protocol !== 'http:') {
      res.writeHead(400).end();
      return;
    }
    const checked = await this.#guard.checkUrl(target);
    if (!checked.ok) {
      this.refusals.push({ host: target.hostname, code: checked.error.code });
      this.#logger.warn({ code: checked.error.code }, 'media proxy refused a request');
      res.writeHead(403).end();
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    headers['host'] = target.host;
    const upstream = httpRequest({
      host: checked.value.address,
      port: checked.value.port,
      method: req.method,
      path: `${target.pathname}${target.search}`,
      headers,
      timeout: this.#idleMs,
    });
    upstream.on('response', (up) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy());
    upstream.on('error', (e: unknown) => {
      this.#logger.debug({ err: toAppError(e) }, 'media proxy upstream error');
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }
}
