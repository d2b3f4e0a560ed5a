// Hostile inputs: each must be refused with its typed error code, promptly, without crashing the process.
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcquireOptions } from '../../src/analysis/acquire/index.js';
import { signal, startServer, testAcquirer, type TestServer } from './helpers.js';

type Resolver = NonNullable<AcquireOptions['resolver']>;

const fakeDns: Record<string, { address: string; family: 4 | 6 }[]> = {
  'internal.example': [{ address: '10.0.0.5', family: 4 }],
  'mixed.example': [
    { address: '93.184.216.34', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
  'mapped.example': [{ address: '::ffff:192.168.1.1', family: 6 }],
  'metadata.example': [{ address: '169.254.169.254', family: 4 }],
  'ula.example': [{ address: 'fd00::1', family: 6 }],
  'cgnat.example': [{ address: '100.100.100.100', family: 4 }],
};
const resolver: Resolver = (hostname) => {
  const found = fakeDns[hostname];
  if (found !== undefined) return Promise.resolve(found);
  return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
};

interface Case {
  readonly name: string;
  readonly source: string | ((s: TestServer) => string);
  readonly code: string;
}

// Refused before any connection: literal forms, names, schemes, credentials, length.
const literalCases: Case[] = [
  { name: 'IPv4 loopback literal', source: 'http://127.0.0.1/', code: 'acquire.private_address' },
  { name: 'decimal IPv4', source: 'http://2130706433/', code: 'acquire.private_address' },
  { name: 'hex short IPv4', source: 'http://0x7f.1/', code: 'acquire.private_address' },
  { name: 'hex whole IPv4', source: 'http://0x7f000001/', code: 'acquire.private_address' },
  { name: 'octal IPv4', source: 'http://0177.0.0.1/', code: 'acquire.private_address' },
  { name: 'short IPv4', source: 'http://127.1/', code: 'acquire.private_address' },
  { name: 'octal private 10/8', source: 'http://012.1.2.3/', code: 'acquire.private_address' },
  { name: 'IPv6 loopback', source: 'http://[::1]:8080/', code: 'acquire.private_address' },
  {
    name: 'IPv4-mapped IPv6 loopback',
    source: 'http://[::ffff:127.0.0.1]/',
    code: 'acquire.private_address',
  },
  { name: 'IPv4-mapped IPv6 in hex', source: 'http://[::ffff:7f00:1]/', code: 'acquire.private_address' },
  { name: 'IPv4-compatible IPv6', source: 'http://[::127.0.0.1]/', code: 'acquire.private_address' },
  {
    name: 'mapped metadata address',
    source: 'http://[0:0:0:0:0:ffff:a9fe:a9fe]/',
    code: 'acquire.private_address',
  },
  {
    name: 'cloud metadata',
    source: 'http://169.254.169.254/latest/meta-data/',
    code: 'acquire.private_address',
  },
  { name: '10/8', source: 'http://10.0.0.1/', code: 'acquire.private_address' },
  { name: '172.16/12', source: 'http://172.16.5.4/', code: 'acquire.private_address' },
  { name: '192.168/16', source: 'http://192.168.0.1/', code: 'acquire.private_address' },
  { name: 'CGNAT 100.64/10', source: 'http://100.64.0.1/', code: 'acquire.private_address' },
  { name: '0.0.0.0', source: 'http://0.0.0.0:80/', code: 'acquire.private_address' },
  { name: 'broadcast', source: 'http://255.255.255.255/', code: 'acquire.private_address' },
  { name: 'multicast', source: 'http://224.0.0.1/', code: 'acquire.private_address' },
  { name: 'IPv6 link-local', source: 'http://[fe80::1]/', code: 'acquire.private_address' },
  { name: 'IPv6 unique-local', source: 'http://[fc00::1]/', code: 'acquire.private_address' },
  { name: '6to4 embedding 127.0.0.1', source: 'http://[2002:7f00:1::]/', code: 'acquire.private_address' },
  { name: 'NAT64 embedding 10.0.0.1', source: 'http://[64:ff9b::a00:1]/', code: 'acquire.private_address' },
  {
    name: 'Teredo embedding 127.0.0.1',
    source: 'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/',
    code: 'acquire.private_address',
  },
  { name: 'percent-encoded host', source: 'http://%31%32%37.0.0.1/', code: 'acquire.private_address' },
  {
    name: 'full-width digits host',
    source: 'http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/',
    code: 'acquire.private_address',
  },
  { name: 'localhost', source: 'http://localhost/', code: 'acquire.private_address' },
  { name: '*.localhost', source: 'http://app.localhost:3000/', code: 'acquire.private_address' },
  { name: 'LOCALHOST. with trailing dot', source: 'http://LOCALHOST./', code: 'acquire.private_address' },
  { name: 'credentials in URL', source: 'http://user:pass@example.com/', code: 'acquire.credentials_in_url' },
  { name: 'user name in URL', source: 'https://admin@example.com/', code: 'acquire.credentials_in_url' },
  { name: 'ftp scheme', source: 'ftp://example.com/file.txt', code: 'acquire.bad_scheme' },
  { name: 'file scheme', source: 'file:///etc/passwd', code: 'acquire.bad_scheme' },
  { name: 'javascript scheme', source: 'javascript:alert(1)', code: 'acquire.bad_scheme' },
  { name: 'data scheme', source: 'data:text/html,<p>hi</p>', code: 'acquire.bad_scheme' },
  { name: 'gopher scheme', source: 'gopher://example.com:70/_GET', code: 'acquire.bad_scheme' },
  { name: 'overlong URL', source: `https://example.com/${'a'.repeat(5000)}`, code: 'acquire.url_too_long' },
  { name: 'local path from a Discord user', source: '/etc/passwd', code: 'acquire.local_files_disabled' },
  { name: 'control characters', source: 'http://example.com/\u0000x', code: 'acquire.invalid_url' },
];

// Names whose DNS answers are private (injected resolver): refused after resolution, before connecting.
const dnsCases: Case[] = [
  { name: 'name resolving to 10/8', source: 'http://internal.example/', code: 'acquire.private_address' },
  {
    name: 'name resolving to public + private',
    source: 'http://mixed.example/',
    code: 'acquire.private_address',
  },
  {
    name: 'name resolving to mapped IPv6',
    source: 'https://mapped.example/',
    code: 'acquire.private_address',
  },
  { name: 'name resolving to metadata', source: 'http://metadata.example/', code: 'acquire.private_address' },
  { name: 'name resolving to IPv6 ULA', source: 'http://ula.example/', code: 'acquire.private_address' },
  { name: 'name resolving to CGNAT', source: 'http://cgnat.example/', code: 'acquire.private_address' },
  { name: 'name that does not exist', source: 'http://nowhere.example/', code: 'acquire.dns_not_found' },
];

const ONE_GB = 1024 * 1024 * 1024;
const CAP = 1024 * 1024;

describe('hostile inputs are refused with typed errors', () => {
  let server: TestServer;
  let sentBytes = 0;
  const zeros = Buffer.alloc(64 * 1024 * 1024);
  const gzipBomb = gzipSync(zeros, { level: 9 });
  const brotliBomb = brotliCompressSync(zeros, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } });

  beforeAll(async () => {
    server = await startServer();
    const r = server.route;
    r('/redirect-other-port', (_q, s) =>
      s.writeHead(302, { location: `http://127.0.0.1:${server.port + 1}/` }).end(),
    );
    r('/redirect-metadata', (_q, s) =>
      s.writeHead(301, { location: 'http://169.254.169.254/latest/' }).end(),
    );
    r('/redirect-decimal', (_q, s) => s.writeHead(307, { location: 'http://2130706433/' }).end());
    r('/redirect-private-name', (_q, s) => s.writeHead(302, { location: 'http://internal.example/' }).end());
    r('/redirect-ftp', (_q, s) => s.writeHead(302, { location: 'ftp://example.com/' }).end());
    r('/redirect-creds', (_q, s) =>
      s.writeHead(302, { location: `http://u:p@127.0.0.1:${server.port}/ok` }).end(),
    );
    r('/loop', (_q, s) => s.writeHead(302, { location: '/loop' }).end());
    r('/one-gb', (_q, s) => {
      s.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = (): void => {
        while (sent < ONE_GB && !s.destroyed) {
          sent += chunk.length;
          sentBytes = sent;
          if (!s.write(chunk)) {
            s.once('drain', pump);
            return;
          }
        }
        s.end();
      };
      pump();
    });
    r('/declared-gb', (_q, s) => {
      s.writeHead(200, { 'content-type': 'text/html', 'content-length': String(ONE_GB) });
      s.write('<html>');
    });
    r('/gzip-bomb', (_q, s) =>
      s.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(gzipBomb),
    );
    r('/br-bomb', (_q, s) =>
      s.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'br' }).end(brotliBomb),
    );
    r('/bad-gzip', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' })
        .end(Buffer.from('not gzip at all')),
    );
    r('/odd-encoding', (_q, s) =>
      s.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'x-unknown' }).end('<p>x</p>'),
    );
    r('/slow-headers', () => undefined);
    r('/stalled-body', (_q, s) => {
      s.writeHead(200, { 'content-type': 'text/html' });
      s.write('<html><body><p>start');
    });
    r('/drip', (_q, s) => {
      s.writeHead(200, { 'content-type': 'text/plain' });
      const t = setInterval(() => s.write('a'), 50);
      s.on('close', () => clearInterval(t));
    });
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    r('/octet', (_q, s) => s.writeHead(200, { 'content-type': 'application/octet-stream' }).end(png));
    r('/png', (_q, s) => s.writeHead(200, { 'content-type': 'image/png' }).end(png));
    r('/pdf', (_q, s) => s.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.7\n'));
    r('/binary-as-html', (_q, s) => s.writeHead(200, { 'content-type': 'text/html' }).end(png));
    r('/invalid-utf8', (_q, s) => {
      const junk = Buffer.alloc(4000);
      for (let i = 0; i < junk.length; i++) junk[i] = 0x80 + (i % 0x3f);
      s.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(junk);
    });
    r('/empty', (_q, s) => s.writeHead(200, { 'content-type': 'text/html' }).end());
    r('/blank-page', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          '<!doctype html><html><head><title>t</title><script>var x = 1;</script></head><body>  </body></html>',
        ),
    );
    r('/whitespace-text', (_q, s) => s.writeHead(200, { 'content-type': 'text/plain' }).end('   \n\n\t  '));
    r('/not-found', (_q, s) => s.writeHead(404).end('nope'));
    r('/json', (_q, s) => s.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}'));
  });
  afterAll(async () => {
    await server.close();
  });

  const acquirer = (): ReturnType<typeof testAcquirer> =>
    testAcquirer({
      resolver,
      allowedEndpoints: [server.endpoint],
      maxBytes: CAP,
      timeouts: { connectMs: 1000, headersMs: 400, bodyMs: 400, totalMs: 1500 },
    });

  const run = async (source: string): Promise<{ code: string; userMessage: string }> => {
    const r = await acquirer().acquire(source, { signal: signal() });
    expect(r.ok, `expected a refusal for ${source.slice(0, 80)}`).toBe(false);
    if (r.ok) throw new Error('unreachable');
    return { code: r.error.code, userMessage: r.error.userMessage };
  };

  it.each(literalCases)('$name → $code', async ({ source, code }) => {
    expect((await run(source as string)).code).toBe(code);
  });

  it.each(dnsCases)('$name → $code, without echoing the resolved address', async ({ source, code }) => {
    const refusal = await run(source as string);
    expect(refusal.code).toBe(code);
    for (const ip of [
      '10.0.0.5',
      '127.0.0.1',
      '192.168.1.1',
      '169.254.169.254',
      'fd00::1',
      '100.100.100.100',
    ])
      expect(refusal.userMessage).not.toContain(ip);
  });

  const serverCases: Case[] = [
    {
      name: 'redirect to another local port',
      source: (s) => `${s.origin}/redirect-other-port`,
      code: 'acquire.private_address',
    },
    {
      name: 'redirect to cloud metadata',
      source: (s) => `${s.origin}/redirect-metadata`,
      code: 'acquire.private_address',
    },
    {
      name: 'redirect to a decimal loopback',
      source: (s) => `${s.origin}/redirect-decimal`,
      code: 'acquire.private_address',
    },
    {
      name: 'redirect to a name resolving private',
      source: (s) => `${s.origin}/redirect-private-name`,
      code: 'acquire.private_address',
    },
    { name: 'redirect to ftp', source: (s) => `${s.origin}/redirect-ftp`, code: 'acquire.bad_scheme' },
    {
      name: 'redirect adding credentials',
      source: (s) => `${s.origin}/redirect-creds`,
      code: 'acquire.credentials_in_url',
    },
    { name: 'redirect loop', source: (s) => `${s.origin}/loop`, code: 'acquire.too_many_redirects' },
    {
      name: '1 GB declared Content-Length',
      source: (s) => `${s.origin}/declared-gb`,
      code: 'acquire.too_large',
    },
    {
      name: 'gzip bomb (64 MiB of zeros)',
      source: (s) => `${s.origin}/gzip-bomb`,
      code: 'acquire.too_large',
    },
    {
      name: 'brotli bomb (64 MiB of zeros)',
      source: (s) => `${s.origin}/br-bomb`,
      code: 'acquire.too_large',
    },
    { name: 'corrupt gzip', source: (s) => `${s.origin}/bad-gzip`, code: 'acquire.undecodable' },
    {
      name: 'unknown content-encoding',
      source: (s) => `${s.origin}/odd-encoding`,
      code: 'acquire.unsupported_content',
    },
    { name: 'headers never sent', source: (s) => `${s.origin}/slow-headers`, code: 'acquire.timeout' },
    { name: 'body stalls', source: (s) => `${s.origin}/stalled-body`, code: 'acquire.timeout' },
    { name: 'body drips forever', source: (s) => `${s.origin}/drip`, code: 'acquire.timeout' },
    {
      name: 'binary as octet-stream',
      source: (s) => `${s.origin}/octet`,
      code: 'acquire.unsupported_content',
    },
    { name: 'image', source: (s) => `${s.origin}/png`, code: 'acquire.unsupported_content' },
    // PDFs are read now; a header with no document behind it is a damaged PDF, said as such.
    { name: 'truncated pdf', source: (s) => `${s.origin}/pdf`, code: 'acquire.pdf_failed' },
    { name: 'json', source: (s) => `${s.origin}/json`, code: 'acquire.unsupported_content' },
    {
      name: 'binary labelled text/html',
      source: (s) => `${s.origin}/binary-as-html`,
      code: 'acquire.unsupported_content',
    },
    {
      name: 'invalid UTF-8 throughout',
      source: (s) => `${s.origin}/invalid-utf8`,
      code: 'acquire.undecodable',
    },
    { name: 'empty body', source: (s) => `${s.origin}/empty`, code: 'acquire.empty' },
    { name: 'page without text', source: (s) => `${s.origin}/blank-page`, code: 'acquire.empty' },
    { name: 'whitespace-only text', source: (s) => `${s.origin}/whitespace-text`, code: 'acquire.empty' },
    { name: 'HTTP 404', source: (s) => `${s.origin}/not-found`, code: 'acquire.http_status' },
  ];

  it.each(serverCases)('$name → $code', async ({ source, code }) => {
    const url = typeof source === 'function' ? source(server) : source;
    expect((await run(url)).code).toBe(code);
  });

  it('a 1 GB streamed body stops at the cap, long before the server has sent it all', async () => {
    expect((await run(`${server.origin}/one-gb`)).code).toBe('acquire.too_large');
    // Socket buffers hold a few MiB at most; 1 GiB would mean the cap was not enforced while streaming.
    expect(sentBytes).toBeLessThan(64 * 1024 * 1024);
  });

  it('the same server is reachable only because its exact endpoint is allowed', async () => {
    const strict = testAcquirer({ resolver });
    const r = await strict.acquire(`${server.origin}/empty`, { signal: signal() });
    expect(r.ok ? 'ok' : r.error.code).toBe('acquire.private_address');
  });

  it('counts at least forty hostile cases', () => {
    expect(literalCases.length + dnsCases.length + serverCases.length + 1).toBeGreaterThanOrEqual(40);
  });
});
