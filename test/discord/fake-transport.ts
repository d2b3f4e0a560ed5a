// A scripted DiscordTransport for unit tests: records every request and answers from per-route queues.
import { AppError } from '../../src/core/errors.js';
import type { DiscordTransport, RestRequest, RestResponse } from '../../src/discord-api/transport.js';

export type Scripted =
  | { readonly status: number; readonly body?: unknown }
  | { readonly network: 'timeout' | 'reset' }
  /** Runs while the request is "in flight" (to observe state), then answers with `then`. */
  | { readonly during: (req: RestRequest) => void | Promise<void>; readonly then: Scripted };

interface Rule {
  readonly method: string;
  readonly pattern: RegExp;
  readonly answers: Scripted[];
}

export class FakeTransport implements DiscordTransport {
  readonly requests: RestRequest[] = [];
  readonly #rules: Rule[] = [];
  closed = false;

  /** Queues answers for requests matching method + path pattern; the last answer repeats. */
  on(method: string, pattern: RegExp, ...answers: Scripted[]): this {
    this.#rules.push({ method, pattern, answers });
    return this;
  }

  count(method: string, pattern: RegExp): number {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path)).length;
  }

  async send(req: RestRequest): Promise<RestResponse> {
    this.requests.push(req);
    const rule = this.#rules.find((r) => r.method === req.method && r.pattern.test(req.path));
    const answer: Scripted =
      rule === undefined
        ? defaultAnswer(req)
        : rule.answers.length > 1
          ? (rule.answers.shift() as Scripted)
          : (rule.answers[0] ?? defaultAnswer(req));
    return this.#answer(req, answer);
  }

  async #answer(req: RestRequest, a: Scripted): Promise<RestResponse> {
    if ('during' in a) {
      await a.during(req);
      return this.#answer(req, a.then);
    }
    if ('network' in a) {
      return {
        kind: 'network_error',
        timedOut: a.network === 'timeout',
        error: new AppError('discord.network', a.network, { retryable: true }),
      };
    }
    return {
      kind: 'response',
      status: a.status,
      body: a.body ?? null,
      headers: { 'content-type': 'application/json' },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function defaultAnswer(req: RestRequest): Scripted {
  if (req.path.endsWith('/callback')) return { status: 204 };
  if (req.method === 'DELETE') return { status: 204 };
  return { status: 200, body: { id: '111111111111111111' } };
}

/** The JSON body of a recorded request (fails loudly when it was not JSON). */
export function jsonOf(req: RestRequest | undefined): Record<string, unknown> {
  if (req?.body?.kind !== 'json') throw new Error(`request has no JSON body: ${req?.method} ${req?.path}`);
  return req.body.json;
}
