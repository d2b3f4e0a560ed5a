import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import {
  DefaultHttpServerLimits,
  createHttpServer,
  metricsPlacement,
  type HttpServer,
  type HttpServerLimits,
} from './server.js';

const logger = createLogger({ level: 'silent' });
let server: HttpServer | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.stop();
  server = undefined;
});

async function start(limits: HttpServerLimits): Promise<number> {
  server = createHttpServer({
    host: '127.0.0.1',
    port: 0,
    clock: new SystemClock(),
    logger,
    mode: 'test',
    limits,
  });
  server.route('POST', '/echo', async (req, res) => {
    let n = 0;
    for await (const chunk of req) n += (chunk as Buffer).length;
    res.end(String(n));
  });
  return (await server.start()).port;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
    sockets.push(s);
  });
}

const closed = (s: Socket): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    s.on('close', () => resolve(text));
  });

describe('http server limits', () => {
  it('cuts off a trickled body at the request timeout (408), long before the body would have arrived', async () => {
    const port = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1_000, checkIntervalMs: 100 });
    const s = await open(port);
    const ended = closed(s);
    s.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
    let sent = 0;
    const trickle = setInterval(() => {
      if (s.destroyed || s.writableEnded) return;
      s.write('x');
      sent++;
    }, 100);
    const text = await ended;
    clearInterval(trickle);
    expect(sent).toBeLessThan(1000);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses sockets beyond maxConnections while the first ones stay open', async () => {
    const port = await start({ maxConnections: 2 });
    const a = await open(port);
    const b = await open(port);
    const c = await open(port);
    await closed(c);
    expect(a.destroyed || b.destroyed).toBe(false);
    // The open ones are still served.
    const reply = closed(a);
    a.end('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc');
    expect(await reply).toMatch(/^HTTP\/1\.1 200[\s\S]*\r\n\r\n3$/);
  });

  it('defaults bound a request to at most 15 s and refuses nonsensical limits', () => {
    expect(DefaultHttpServerLimits.requestTimeoutMs).toBeLessThanOrEqual(15_000);
    expect(DefaultHttpServerLimits.headersTimeoutMs).toBeLessThanOrEqual(
      DefaultHttpServerLimits.requestTimeoutMs,
    );
    const make = (limits: HttpServerLimits) => () =>
      createHttpServer({
        host: '127.0.0.1',
        port: 0,
        clock: new SystemClock(),
        logger,
        mode: 'test',
        limits,
      });
    expect(make({ maxConnections: 0 })).toThrow(/maxConnections/);
    expect(make({ headersTimeoutMs: 20_000, requestTimeoutMs: 15_000 })).toThrow(/headersTimeoutMs/);
  });
});

describe('metricsPlacement', () => {
  it('never puts /metrics on a public listener', () => {
    expect(metricsPlacement('127.0.0.1', undefined)).toBe('main');
    expect(metricsPlacement('::1', undefined)).toBe('main');
    expect(metricsPlacement('0.0.0.0', undefined)).toBe('none');
    expect(metricsPlacement('10.0.0.5', undefined)).toBe('none');
    expect(metricsPlacement('0.0.0.0', 9464)).toBe('separate');
  });
});
