// The OpenAI-compatible engine against a local server speaking the documented wire format.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock, type Clock } from '../../core/clock.js';
import { wavHeader } from '../audio/pcm.js';
import { languageCode, OpenAiTranscriptionEngine, retryAfterMs } from './openai.js';

interface Seen {
  readonly auth: string | undefined;
  readonly fields: Record<string, string>;
  readonly fileName: string | null;
  readonly fileBytes: number;
}
type Reply = { status: number; headers?: Record<string, string>; body: string; delayMs?: number };

let server: Server;
let baseUrl: string;
let script: Reply[] = [];
let seen: Seen[] = [];
let dir: string;
let wav: string;

const verbose = {
  task: 'transcribe',
  language: 'english',
  duration: 4.5,
  text: 'Hello there. General Kenobi.',
  segments: [
    { id: 0, start: 0, end: 2.1, text: ' Hello there.' },
    { id: 1, start: 2.1, end: 4.5, text: ' General Kenobi.' },
  ],
  usage: { type: 'duration', seconds: 5 },
};

async function readForm(req: IncomingMessage): Promise<FormData> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers = new Headers();
  headers.set('content-type', String(req.headers['content-type']));
  return new Request('http://local/', { method: 'POST', headers, body: Buffer.concat(chunks) }).formData();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stt-openai-'));
  wav = path.join(dir, 'chunk-3.wav');
  await writeFile(wav, Buffer.concat([wavHeader(32_000), Buffer.alloc(32_000)]));
  server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') {
        res.writeHead(404).end();
        return;
      }
      const form = await readForm(req);
      const fields: Record<string, string> = {};
      let fileName: string | null = null;
      let fileBytes = 0;
      for (const [k, v] of form.entries()) {
        if (typeof v === 'string') fields[k] = v;
        else {
          fileName = v.name;
          fileBytes = v.size;
        }
      }
      seen.push({ auth: req.headers.authorization, fields, fileName, fileBytes });
      const r = script.shift() ?? { status: 500, body: '{"error":{"message":"script exhausted"}}' };
      if (r.delayMs !== undefined) await new Promise((x) => setTimeout(x, r.delayMs));
      if (res.destroyed) return;
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers }).end(r.body);
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  script = [];
  seen = [];
});

/** Real time for short waits (the request timeout); backoff and retry-after waits are recorded and skipped. */
class RecordingClock implements Clock {
  readonly waits: number[] = [];
  readonly #real = new SystemClock();
  now(): number {
    return this.#real.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms >= 100_000 || ms === 150) return this.#real.sleep(ms, signal);
    this.waits.push(ms);
    return Promise.resolve();
  }
}

const ctx = () => ({ signal: new AbortController().signal, progress: () => {} });
const engine = (
  clock: Clock,
  extra: Partial<ConstructorParameters<typeof OpenAiTranscriptionEngine>[0]> = {},
) =>
  new OpenAiTranscriptionEngine({ baseUrl, apiKey: 'sk-test-secret', model: 'whisper-1', clock, ...extra });

describe('OpenAiTranscriptionEngine', () => {
  it('uploads multipart with model and verbose_json, and returns timed segments and the language code', async () => {
    script = [{ status: 200, body: JSON.stringify(verbose) }];
    const e = engine(new RecordingClock());
    const r = await e.transcribe(wav, ctx());
    expect(r).toEqual({
      ok: true,
      value: {
        language: 'en',
        segments: [
          { start: 0, end: 2.1, speaker: null, text: ' Hello there.' },
          { start: 2.1, end: 4.5, speaker: null, text: ' General Kenobi.' },
        ],
      },
    });
    expect(seen).toEqual([
      {
        auth: 'Bearer sk-test-secret',
        fields: {
          model: 'whisper-1',
          response_format: 'verbose_json',
          'timestamp_granularities[]': 'segment',
        },
        fileName: 'chunk-3.wav',
        fileBytes: 32_044,
      },
    ]);
    expect(e.usageSeconds).toBe(5);
    expect(e.name).not.toContain('sk-test');
  });

  it('honours retry-after on 429, then succeeds', async () => {
    script = [
      { status: 429, headers: { 'retry-after': '7' }, body: '{"error":{"message":"slow down"}}' },
      { status: 200, body: JSON.stringify(verbose) },
    ];
    const clock = new RecordingClock();
    const r = await engine(clock).transcribe(wav, ctx());
    expect(r.ok).toBe(true);
    expect(clock.waits).toEqual([7000]);
    expect(seen).toHaveLength(2);
  });

  it('does not wait out a retry-after beyond the cap: the chunk goes to the next engine at once', async () => {
    script = [{ status: 429, headers: { 'retry-after': '3600' }, body: '{}' }];
    const clock = new RecordingClock();
    const r = await engine(clock, { maxRetryAfterMs: 60_000 }).transcribe(wav, ctx());
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error).toMatchObject({ code: 'stt.rate_limited', retryable: true, retryAfterMs: 3_600_000 });
    expect(clock.waits).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  it('retries 5xx with doubling backoff and gives up after maxAttempts as retryable', async () => {
    script = Array.from({ length: 3 }, () => ({ status: 503, body: '{"error":{"message":"overloaded"}}' }));
    const clock = new RecordingClock();
    const r = await engine(clock, { maxAttempts: 3, backoffMs: 1000 }).transcribe(wav, ctx());
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({ code: 'stt.openai_unavailable', retryable: true });
      expect(r.error.message).toContain('overloaded');
    }
    expect(clock.waits).toEqual([1000, 2000]);
    expect(seen).toHaveLength(3);
  });

  it('times out a slow answer and retries it', async () => {
    script = [
      { status: 200, body: JSON.stringify(verbose), delayMs: 1500 },
      { status: 200, body: JSON.stringify(verbose) },
    ];
    const clock = new RecordingClock();
    const r = await engine(clock, { timeoutMs: 150 }).transcribe(wav, ctx());
    expect(r.ok).toBe(true);
    expect(seen).toHaveLength(2);
    expect(clock.waits).toEqual([1000]);
  });

  it('fails permanently on 401 without echoing the key', async () => {
    script = [{ status: 401, body: '{"error":{"message":"Incorrect API key provided: sk-test-secret"}}' }];
    const r = await engine(new RecordingClock()).transcribe(wav, ctx());
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({ code: 'stt.rejected', retryable: false });
      expect(r.error.userMessage).toMatch(/credentials/);
      expect(r.error.message).toContain('Incorrect API key');
      expect(r.error.message).not.toContain('sk-test-secret');
    }
    expect(seen).toHaveLength(1);
  });

  it('refuses a file above the upload limit before sending it', async () => {
    const r = await engine(new RecordingClock(), { maxUploadBytes: 1000 }).transcribe(wav, ctx());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('stt.upload_too_large');
    expect(seen).toHaveLength(0);
  });

  it('accepts a plain json answer without segments as one segment', async () => {
    script = [{ status: 200, body: JSON.stringify({ text: 'Only text.', duration: 3 }) }];
    const r = await engine(new RecordingClock(), { apiKey: undefined }).transcribe(wav, ctx());
    expect(r).toEqual({
      ok: true,
      value: { language: null, segments: [{ start: 0, end: 3, speaker: null, text: 'Only text.' }] },
    });
    expect(seen[0]?.auth).toBeUndefined();
  });

  it('reads retry-after as seconds or a date, and language names as codes', () => {
    expect(retryAfterMs('2.5', 0)).toBe(2500);
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(retryAfterMs('soon', 0)).toBeNull();
    expect(languageCode('English')).toBe('en');
    expect(languageCode('de')).toBe('de');
    expect(languageCode('klingon')).toBeNull();
  });
});
