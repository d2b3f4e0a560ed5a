// Test helpers for acquisition suites: a local HTTP server with per-path handlers and a silent acquirer factory.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SystemClock } from '../../src/core/clock.js';
import { createAcquirer, type AcquireOptions, type Acquirer } from '../../src/analysis/acquire/index.js';

export { corpusDir, repoRoot } from '../support/corpus.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestServer {
  readonly port: number;
  readonly origin: string;
  /** `127.0.0.1:port`, for `allowedEndpoints`. */
  readonly endpoint: string;
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

export async function startServer(fallback?: Handler): Promise<TestServer> {
  const routes = new Map<string, Handler>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const h = routes.get(path) ?? fallback;
    if (h === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    h(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    endpoint: `127.0.0.1:${port}`,
    route: (path, handler) => routes.set(path, handler),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export const silentLogger = pino({ level: 'silent' });

export function testAcquirer(overrides: Partial<AcquireOptions> = {}): Acquirer {
  return createAcquirer({
    clock: new SystemClock(),
    logger: silentLogger,
    allowPrivateNetworks: false,
    maxBytes: 5 * 1024 * 1024,
    ytDlpPath: 'yt-dlp',
    ffmpegPath: 'ffmpeg',
    workDir: mkdtempSync(join(tmpdir(), 'autointel-acquire-')),
    timeouts: { connectMs: 2000, headersMs: 2000, bodyMs: 2000, totalMs: 10_000 },
    ...overrides,
  });
}

export const signal = (): AbortSignal => new AbortController().signal;
