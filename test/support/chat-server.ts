// A local server speaking the OpenAI chat-completions wire format, scripted per test: answers with `usage`,
// documented error bodies and headers (429 retry-after), hangs and dropped connections.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  readonly n: number;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: {
    model: string;
    messages: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
    max_tokens?: number;
  };
}

export type ChatReply =
  | { readonly status?: number; readonly body: unknown; readonly headers?: Record<string, string> }
  | { readonly hang: true }
  | { readonly destroy: true };

export type ChatScript = (req: ChatRequest) => ChatReply | Promise<ChatReply>;

export interface ChatServer {
  readonly url: string;
  readonly requests: ChatRequest[];
  /** Replaces the script (requests keep their numbering). */
  script(fn: ChatScript): void;
  close(): Promise<void>;
}

export async function startChatServer(script: ChatScript): Promise<ChatServer> {
  let current = script;
  const requests: ChatRequest[] = [];
  const hanging = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      let body: ChatRequest['body'];
      try {
        body = JSON.parse(raw) as ChatRequest['body'];
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'body is not JSON', type: 'invalid_request_error' } }));
        return;
      }
      const r: ChatRequest = {
        n: requests.length + 1,
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      };
      requests.push(r);
      const reply = await current(r);
      if ('hang' in reply) {
        hanging.add(() => res.destroy());
        return;
      }
      if ('destroy' in reply) {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (fn) => {
      current = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const h of hanging) h();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** A chat.completion body as the API documents it. */
export function completion(
  content: string,
  opts: {
    readonly model?: string;
    readonly usage?: { prompt: number; completion: number } | null;
    readonly finishReason?: string;
  } = {},
): ChatReply {
  const usage = opts.usage === undefined ? { prompt: 100, completion: 50 } : opts.usage;
  return {
    body: {
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: opts.model ?? 'test-model',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null },
          finish_reason: opts.finishReason ?? 'stop',
          logprobs: null,
        },
      ],
      ...(usage === null
        ? {}
        : {
            usage: {
              prompt_tokens: usage.prompt,
              completion_tokens: usage.completion,
              total_tokens: usage.prompt + usage.completion,
            },
          }),
    },
  };
}

/** The documented error body: `{ error: { message, type, param, code } }`. */
export function apiError(status: number, message: string, headers: Record<string, string> = {}): ChatReply {
  return {
    status,
    headers,
    body: {
      error: { message, type: status === 429 ? 'rate_limit_error' : 'server_error', param: null, code: null },
    },
  };
}

/** The passage a map request carries (between the triple quotes), or '' for other requests. */
export function passageOf(req: ChatRequest): string {
  const user = req.body.messages.find((m) => m.role === 'user')?.content ?? '';
  const m = /"""\n([\s\S]*)\n"""/.exec(user);
  return m?.[1] ?? '';
}

/** The statement kinds a request asks for (`Statement kinds to write: a, b.`). */
export function kindsOf(req: ChatRequest): string[] {
  const user = req.body.messages.find((m) => m.role === 'user')?.content ?? '';
  const m = /Statement kinds to write: ([^.]+)\./.exec(user);
  return m === null ? ['tldr', 'key_point'] : m[1]!.split(',').map((k) => k.trim());
}

/** First sentences of a passage, as a scripted model would quote them. */
export function sentencesOf(passage: string): string[] {
  return passage
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.split(/\s+/).length >= 4);
}

/** A grounded answer: one statement per asked kind, each quoting a real sentence of the passage. */
export function groundedAnswer(req: ChatRequest): string {
  const passage = passageOf(req);
  const sentences = passage === '' ? quotesInNotes(req) : sentencesOf(passage);
  const pick = (i: number): string => sentences[i % Math.max(1, sentences.length)] ?? passage.slice(0, 80);
  const statements = kindsOf(req).map((kind, i) => ({
    kind,
    text: `${kind} statement about: ${pick(i).slice(0, 60)}`,
    detail: kind === 'argument' ? 'premise' : kind === 'rhetoric' ? 'loaded language' : null,
    quotes: [pick(i)],
  }));
  return JSON.stringify({ statements });
}

/** For a reduce request: the quotes carried by the parts' notes. */
function quotesInNotes(req: ChatRequest): string[] {
  const user = req.body.messages.find((m) => m.role === 'user')?.content ?? '';
  const json = user.slice(user.indexOf('['));
  try {
    const notes = JSON.parse(json) as { statements: { quotes: string[] }[] }[];
    return notes.flatMap((n) => n.statements.flatMap((s) => s.quotes));
  } catch {
    return [];
  }
}
