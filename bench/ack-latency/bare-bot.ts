// Child process of the ack-latency real-work bench: the baseline bots, in a process of their own so that nothing of
// the bot under test (its heap, its garbage collector, its timers) runs beside them — a bare discord.js deferReply()
// bot in gateway mode, a bare verify-and-defer endpoint in HTTP mode. Reports its own event-loop delay and main-thread
// CPU per measured phase.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Client, Events } from 'discord.js';
import { mainThreadCpuMs } from './cpu.js';

export type BareRequest =
  | {
      readonly type: 'start';
      readonly mode: 'gateway' | 'http';
      readonly apiBase: string;
      readonly botToken: string;
      readonly publicKeyHex: string;
    }
  | { readonly type: 'phase-start' }
  | { readonly type: 'phase-end' }
  | { readonly type: 'close' };

export type BareMessage =
  /** `url`: the HTTP endpoint's address in HTTP mode. */
  | { readonly type: 'ready'; readonly url: string | null }
  | {
      readonly type: 'phase';
      readonly loopP99Ms: number;
      readonly loopMaxMs: number;
      readonly mainCpuMs: number | null;
    };

const send = (m: BareMessage): void => {
  process.send?.(m);
};

/** A bare HTTP interactions endpoint: verifies the Ed25519 signature and defers. Nothing else. */
function bareHttpEndpoint(publicKeyHex: string): Promise<{ server: Server; url: string }> {
  const key: KeyObject = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKeyHex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const sig = String(req.headers['x-signature-ed25519'] ?? '');
      const ts = String(req.headers['x-signature-timestamp'] ?? '');
      const valid =
        /^[0-9a-f]{128}$/i.test(sig) &&
        verify(null, Buffer.concat([Buffer.from(ts), body]), key, Buffer.from(sig, 'hex'));
      if (!valid) {
        res.writeHead(401).end();
        return;
      }
      const type = (JSON.parse(body.toString('utf8')) as { type?: number }).type;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ type: type === 1 ? 1 : 5 }));
    });
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      ok({
        server,
        url: `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}/interactions`,
      });
    }),
  );
}

let stop: (() => Promise<void>) | null = null;
let loop: IntervalHistogram | null = null;
let cpu0: number | null = null;

process.on('message', (m: BareRequest) => {
  void (async () => {
    if (m.type === 'start') {
      if (m.mode === 'gateway') {
        const client = new Client({ intents: [], rest: { api: m.apiBase } });
        client.on(Events.InteractionCreate, (i) => {
          if (i.isChatInputCommand()) i.deferReply().catch(() => undefined);
        });
        const up = new Promise<void>((ok) => client.once(Events.ClientReady, () => ok()));
        await client.login(m.botToken);
        await up;
        stop = () => client.destroy();
        send({ type: 'ready', url: null });
      } else {
        const bare = await bareHttpEndpoint(m.publicKeyHex);
        stop = () =>
          new Promise((ok) => {
            bare.server.closeAllConnections();
            bare.server.close(() => ok());
          });
        send({ type: 'ready', url: bare.url });
      }
    } else if (m.type === 'phase-start') {
      loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      cpu0 = mainThreadCpuMs();
    } else if (m.type === 'phase-end') {
      loop?.disable();
      const cpu1 = mainThreadCpuMs();
      send({
        type: 'phase',
        loopP99Ms: (loop?.percentile(99) ?? 0) / 1e6,
        loopMaxMs: (loop?.max ?? 0) / 1e6,
        mainCpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
      });
    } else {
      await stop?.();
      process.exit(0);
    }
  })();
});
