import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../core/clock.js';
import { GoogleFactCheckClient, parseRetryAfter } from './google.js';

const KEY = 'test-key-AIzaSyD-not-a-real-key-0123456789';

// A response in the documented claims:search shape (https://developers.google.com/fact-check/tools/api/reference/rest/v1alpha1/claims/search).
const DOCUMENTED = {
  claims: [
    {
      text: 'The state tripled its water tax in 2025.',
      claimant: 'Jordan Avery',
      claimDate: '2025-03-02T00:00:00Z',
      claimReview: [
        {
          publisher: { name: 'Example Truth Meter', site: 'truth-meter.example' },
          url: 'https://truth-meter.example/factchecks/2025/mar/14/water-tax-tripled/',
          title: 'No, the state did not triple its water tax',
          reviewDate: '2025-03-14T00:00:00Z',
          textualRating: 'Pants on Fire',
          languageCode: 'en',
        },
        { publisher: { site: 'other.example' }, url: 'javascript:alert(1)', textualRating: 'False' },
      ],
    },
    { claimant: 'no text: dropped', claimReview: [] },
  ],
  nextPageToken: 'CAo',
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handlers: Handler[] = [];
const seen: { url: string; key: string | undefined }[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', key: req.headers['x-goog-api-key'] as string | undefined });
    const h = handlers.length > 1 ? handlers.shift()! : handlers[0];
    if (h === undefined) res.writeHead(500).end();
    else h(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  handlers = [];
  seen.length = 0;
});

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

/** Records each backoff instead of waiting it out. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => 1_700_000_000_000, sleep: (ms) => (sleeps.push(ms), Promise.resolve()) };
}

const client = (clock: Clock, extra: Partial<ConstructorParameters<typeof GoogleFactCheckClient>[0]> = {}) =>
  new GoogleFactCheckClient({ apiKey: KEY, baseUrl: base, clock, ...extra });
const signal = () => new AbortController().signal;

describe('GoogleFactCheckClient', () => {
  it('sends the query, language and page size with the key in a header (never the URL), and reads the documented shape', async () => {
    handlers = [json(200, DOCUMENTED)];
    const r = await client(recordingClock()).search('  The state tripled\n its water tax ', {
      languageCode: 'en',
      signal: signal(),
    });
    expect(r).toEqual({
      ok: true,
      value: [
        {
          text: 'The state tripled its water tax in 2025.',
          claimant: 'Jordan Avery',
          claimDate: '2025-03-02T00:00:00Z',
          reviews: [
            {
              publisher: 'Example Truth Meter',
              site: 'truth-meter.example',
              url: 'https://truth-meter.example/factchecks/2025/mar/14/water-tax-tripled/',
              title: 'No, the state did not triple its water tax',
              reviewDate: '2025-03-14T00:00:00Z',
              textualRating: 'Pants on Fire',
              languageCode: 'en',
            },
            {
              publisher: null,
              site: 'other.example',
              url: null,
              title: null,
              reviewDate: null,
              textualRating: 'False',
              languageCode: null,
            },
          ],
        },
      ],
    });
    expect(seen).toHaveLength(1);
    const url = new URL(seen[0]!.url, base);
    expect(url.pathname).toBe('/v1alpha1/claims:search');
    expect(url.searchParams.get('query')).toBe('The state tripled its water tax');
    expect(url.searchParams.get('languageCode')).toBe('en');
    expect(url.searchParams.get('pageSize')).toBe('10');
    expect(seen[0]!.url).not.toContain(KEY);
    expect(seen[0]!.key).toBe(KEY);
  });

  it('treats an empty answer ({}) as no claims', async () => {
    handlers = [json(200, {})];
    expect(await client(recordingClock()).search('anything at all', { signal: signal() })).toEqual({
      ok: true,
      value: [],
    });
  });

  it('retries a 429 after the Retry-After it was given, then succeeds', async () => {
    handlers = [json(429, { error: { code: 429 } }, { 'retry-after': '2' }), json(200, DOCUMENTED)];
    const clock = recordingClock();
    const r = await client(clock).search('water tax', { signal: signal() });
    expect(r.ok).toBe(true);
    expect(seen).toHaveLength(2);
    expect(clock.sleeps).toEqual([2000]);
  });

  it('gives up on a 5xx after capped exponential backoff and says how often it tried', async () => {
    handlers = [json(503, { error: { code: 503, message: 'backend error' } })];
    const clock = recordingClock();
    const r = await client(clock, { maxAttempts: 4, backoffMs: 500, maxBackoffMs: 1500 }).search(
      'water tax',
      {
        signal: signal(),
      },
    );
    expect(seen).toHaveLength(4);
    expect(clock.sleeps).toEqual([500, 1000, 1500]);
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'factcheck.unavailable', message: 'HTTP 503 after 4 attempts', retryable: true },
    });
  });

  it('does not wait out a Retry-After longer than its cap: the quota error comes back at once', async () => {
    handlers = [json(429, {}, { 'retry-after': '3600' })];
    const clock = recordingClock();
    const r = await client(clock).search('water tax', { signal: signal() });
    expect(seen).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(r).toMatchObject({ ok: false, error: { code: 'factcheck.rate_limited' } });
  });

  it('does not retry a refused key, and never puts the key in the error', async () => {
    handlers = [json(403, { error: { message: `API key not valid: ${KEY}` } })];
    const r = await client(recordingClock()).search('water tax', { signal: signal() });
    expect(seen).toHaveLength(1);
    expect(r).toMatchObject({ ok: false, error: { code: 'factcheck.refused', retryable: false } });
    if (r.ok) throw new Error('expected a failure');
    expect(JSON.stringify(r.error.toJSON())).not.toContain(KEY);
    expect(r.error.message).not.toContain(KEY);
  });

  it('reports a body that is not JSON, or not the documented shape, without retrying', async () => {
    handlers = [json(200, '<html>captive portal</html>')];
    expect(await client(recordingClock()).search('q', { signal: signal() })).toMatchObject({
      ok: false,
      error: { code: 'factcheck.bad_response' },
    });
    handlers = [json(200, { claims: 'not a list' })];
    expect(await client(recordingClock()).search('q', { signal: signal() })).toMatchObject({
      ok: false,
      error: { code: 'factcheck.bad_response' },
    });
    expect(seen).toHaveLength(2);
  });

  it('times out a server that never answers, and retries it', async () => {
    handlers = [() => undefined];
    const clock = recordingClock();
    const r = await client(clock, { timeoutMs: 150, maxAttempts: 2 }).search('q', { signal: signal() });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'factcheck.unavailable', message: 'no answer within the timeout after 2 attempts' },
    });
    expect(seen).toHaveLength(2);
  });

  it('sends nothing for an empty query and rejects bad options at construction', async () => {
    expect(await client(recordingClock()).search('   ', { signal: signal() })).toEqual({
      ok: true,
      value: [],
    });
    expect(seen).toHaveLength(0);
    expect(() => client(recordingClock(), { apiKey: ' ' })).toThrow(/apiKey/);
    expect(() => client(recordingClock(), { baseUrl: 'ftp://x' })).toThrow(/baseUrl/);
    expect(() => client(recordingClock(), { timeoutMs: 0 })).toThrow(/timeoutMs.*0/);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});
