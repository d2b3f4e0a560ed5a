// The model client against a local server speaking the chat-completions wire format, scripted per test.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OpenAiCompatibleClient, type LlmProvider } from '../../src/analysis/llm/client.js';
import type { Clock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { apiError, completion, startChatServer, type ChatServer } from '../support/chat-server.js';

/** Time that moves only when something sleeps, and remembers every wait. */
class RecordingClock implements Clock {
  t = 1_700_000_000_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
}

const Answer = z.object({
  statements: z.array(z.object({ text: z.string(), quotes: z.array(z.string()).min(1) })),
});
const request = {
  task: 'test',
  system: 'Answer in JSON.',
  user: 'Summarise: the cat sat on the mat.',
  schemaName: 'statements',
  schema: Answer,
  maxOutputTokens: 256,
};
const good = JSON.stringify({ statements: [{ text: 'A cat sat.', quotes: ['the cat sat on the mat'] }] });
const SECRET = 'sk-test-secret-value-0123456789';

let servers: ChatServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(script: Parameters<typeof startChatServer>[0]): Promise<ChatServer> {
  const s = await startChatServer(script);
  servers.push(s);
  return s;
}

const provider = (s: ChatServer, model = 'model-a'): LlmProvider => ({
  model,
  baseUrl: s.url,
  apiKey: SECRET,
  contextTokens: 8192,
  price: { inputPerMTok: 1, outputPerMTok: 2 },
});

function client(
  providers: LlmProvider[],
  clock = new RecordingClock(),
  extra: { jsonMode?: 'json_schema' | 'json_object'; maxRetries?: number } = {},
) {
  return new OpenAiCompatibleClient({
    providers,
    clock,
    logger: createLogger({ level: 'silent' }),
    jsonMode: extra.jsonMode ?? 'json_schema',
    timeoutMs: 2_000,
    maxRetries: extra.maxRetries ?? 3,
  });
}

const signal = (): AbortSignal => new AbortController().signal;

describe('OpenAiCompatibleClient', () => {
  it('sends a strict json_schema generated from the zod schema, with the key as bearer token, and returns the validated answer with usage', async () => {
    const s = await server(() => completion(good, { usage: { prompt: 120, completion: 30 } }));
    const r = await client([provider(s)]).complete(request, { signal: signal() });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.value.statements[0]!.quotes).toEqual(['the cat sat on the mat']);
    expect(r.value.usage).toEqual({ promptTokens: 120, completionTokens: 30, estimated: false });
    expect(s.requests).toHaveLength(1);
    const rf = s.requests[0]!.body.response_format!;
    expect(rf.type).toBe('json_schema');
    expect(rf.json_schema?.strict).toBe(true);
    expect(rf.json_schema?.schema).toMatchObject({
      type: 'object',
      required: ['statements'],
      additionalProperties: false,
    });
    expect(JSON.stringify(rf.json_schema?.schema)).not.toContain('minItems');
    expect(s.requests[0]!.authorization).toBe(`Bearer ${SECRET}`);
    expect(s.requests[0]!.body.model).toBe('model-a');
  });

  it('repairs malformed JSON once: the second request quotes the problem, and both calls are counted', async () => {
    const s = await server((req) =>
      req.n === 1 ? completion('{"statements": [ {"text": "x"') : completion(good),
    );
    const r = await client([provider(s)]).complete(request, { signal: signal() });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.calls).toBe(2);
    expect(r.value.usage.promptTokens).toBe(200);
    const repair = s.requests[1]!.body.messages;
    expect(repair.at(-2)).toMatchObject({ role: 'assistant' });
    expect(repair.at(-1)!.content).toMatch(/not valid JSON/);
  });

  it('repairs an answer that parses but breaks the schema (no quotes)', async () => {
    const noQuotes = JSON.stringify({ statements: [{ text: 'A cat sat.', quotes: [] }] });
    const s = await server((req) => completion(req.n === 1 ? noQuotes : good));
    const r = await client([provider(s)]).complete(request, { signal: signal() });
    expect(r.ok).toBe(true);
    expect(s.requests[1]!.body.messages.at(-1)!.content).toMatch(/statements\.0\.quotes/);
  });

  it('gives up on a provider whose JSON is truncated twice and moves to the next one', async () => {
    const a = await server(() => completion('{"statements": [{"text": "cut', { finishReason: 'length' }));
    const b = await server(() => completion(good));
    const r = await client([provider(a), provider(b, 'model-b')]).complete(request, { signal: signal() });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.provider.model).toBe('model-b');
    expect(a.requests).toHaveLength(2);
    expect(a.requests[1]!.body.messages.at(-1)!.content).toMatch(/cut off/);
    // The two unusable answers were paid for and are counted with the successful one.
    expect(b.requests).toHaveLength(1);
  });

  it('honours retry-after on 429, then succeeds; the SDK itself never retries', async () => {
    const clock = new RecordingClock();
    const s = await server((req) =>
      req.n === 1 ? apiError(429, 'Rate limit reached', { 'retry-after': '7' }) : completion(good),
    );
    const r = await client([provider(s)], clock).complete(request, { signal: signal() });
    expect(r.ok).toBe(true);
    expect(s.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([7_000]);
  });

  it('moves to the next provider at once when retry-after is longer than the cap', async () => {
    const clock = new RecordingClock();
    const a = await server(() => apiError(429, 'Slow down', { 'retry-after': '3600' }));
    const b = await server(() => completion(good));
    const r = await client([provider(a), provider(b, 'model-b')], clock).complete(request, {
      signal: signal(),
    });
    expect(r.ok && r.value.provider.model).toBe('model-b');
    expect(a.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('500 forever: retries with growing backoff, falls back, and names every failure in plain words without the key', async () => {
    const clock = new RecordingClock();
    const a = await server(() => apiError(500, 'The server had an error while processing your request'));
    const b = await server(() => apiError(503, 'Service unavailable'));
    const r = await client([provider(a), provider(b, 'model-b')], clock, { maxRetries: 2 }).complete(
      request,
      {
        signal: signal(),
      },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(a.requests).toHaveLength(3);
    expect(b.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([1_000, 2_000, 1_000, 2_000]);
    const msg = r.error.error.userMessage;
    expect(msg).toContain('model-a at 127.0.0.1');
    expect(msg).toContain('server error (HTTP 500');
    expect(msg).toContain('HTTP 503');
    expect(msg).not.toContain(SECRET);
    expect(r.error.error.message).not.toContain(SECRET);
    expect(r.error.error.retryable).toBe(true);
  });

  it('does not retry a refused key; a dropped connection is retried', async () => {
    const a = await server(() =>
      apiError(401, `Incorrect API key provided: ${SECRET}. Also sk-proj-abc***xyz1234 is wrong.`),
    );
    const r1 = await client([provider(a)]).complete(request, { signal: signal() });
    expect(a.requests).toHaveLength(1);
    expect(!r1.ok && r1.error.error.userMessage).toMatch(/refused the API key \(HTTP 401/);
    expect(!r1.ok && r1.error.error.userMessage).not.toContain(SECRET);
    expect(!r1.ok && r1.error.error.userMessage).not.toContain('sk-proj-abc');
    const b = await server((req) => (req.n === 1 ? { destroy: true } : completion(good)));
    const r2 = await client([provider(b)]).complete(request, { signal: signal() });
    expect(r2.ok).toBe(true);
    expect(b.requests).toHaveLength(2);
  });

  it('switches to json_object with the schema in the prompt when a server rejects json_schema', async () => {
    const s = await server((req) =>
      req.body.response_format?.type === 'json_schema'
        ? apiError(
            400,
            "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
          )
        : completion(good),
    );
    const c = client([provider(s)]);
    const r = await c.complete(request, { signal: signal() });
    expect(r.ok).toBe(true);
    expect(s.requests.map((q) => q.body.response_format?.type)).toEqual(['json_schema', 'json_object']);
    expect(s.requests[1]!.body.messages[0]!.content).toContain('"additionalProperties":false');
    // Remembered: the next request goes straight to json_object.
    await c.complete(request, { signal: signal() });
    expect(s.requests[2]!.body.response_format?.type).toBe('json_object');
  });

  it('counts tokens locally when a server sends no usage, and says so', async () => {
    const s = await server(() => completion(good, { usage: null }));
    const r = await client([provider(s)], new RecordingClock(), { jsonMode: 'json_object' }).complete(
      request,
      {
        signal: signal(),
      },
    );
    expect(r.ok && r.value.usage.estimated).toBe(true);
    expect(r.ok && r.value.usage.promptTokens).toBeGreaterThan(5);
  });

  it('a timeout is retried and then reported as no answer within the limit', async () => {
    const s = await server(() => ({ hang: true }));
    const r = await client([provider(s)], new RecordingClock(), { maxRetries: 1 }).complete(
      { ...request },
      { signal: signal() },
    );
    expect(r.ok).toBe(false);
    expect(s.requests).toHaveLength(2);
    expect(!r.ok && r.error.error.userMessage).toMatch(/did not answer within 2 s/);
  }, 20_000);

  it('rejects a bad provider list at construction, naming the option', () => {
    expect(() => client([])).toThrow(/providers/);
    expect(() =>
      client([{ model: 'm', baseUrl: 'ftp://x', apiKey: undefined, contextTokens: 1000, price: null }]),
    ).toThrow(/baseUrl/);
  });
});
