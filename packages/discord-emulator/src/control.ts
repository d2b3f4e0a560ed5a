// The emulator's control API under /_emulator/: the programmatic API as JSON, for tests in another process.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DiscordEmulator } from './emulator.js';
import type { EmulatedMessage, FaultKind, FaultSpec, SlashCommandOption } from './types.js';

const FAULT_KINDS: readonly FaultKind[] = ['latency', 'error_5xx', 'reset', 'applied_5xx', 'rate_limit'];

class BadInput extends Error {}
class NotFound extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw new BadInput(`${key} must be a non-empty string`);
  return v;
}

function optStr(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadInput(`${key} must be a string`);
  return v;
}

function optNum(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadInput(`${key} must be a number`);
  return v;
}

/** Messages as JSON: attachment bytes travel as base64. */
export function messageToJson(m: EmulatedMessage): Record<string, unknown> {
  return {
    ...m,
    attachments: m.attachments.map((a) => ({ ...a, content: a.content.toString('base64') })),
  };
}

export class ControlApi {
  readonly #emu: DiscordEmulator;
  readonly #faultRemovers = new Map<number, () => void>();
  #faultSeq = 0;

  constructor(options: { emulator: DiscordEmulator }) {
    this.#emu = options.emulator;
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString('utf8');
    try {
      const parsed: unknown = raw === '' ? {} : JSON.parse(raw);
      if (parsed !== null && !isRecord(parsed)) throw new BadInput('body must be a JSON object');
      const body = parsed ?? {};
      const result = await this.#route((req.method ?? 'GET').toUpperCase(), url, body);
      if (result === undefined) {
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(result));
      }
    } catch (e: unknown) {
      const status =
        e instanceof BadInput || e instanceof SyntaxError ? 400 : e instanceof NotFound ? 404 : 422;
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
    }
  }

  async #route(method: string, url: URL, body: Record<string, unknown>): Promise<unknown> {
    const emu = this.#emu;
    const parts = url.pathname
      .replace(/^\/_emulator\//, '')
      .split('/')
      .filter(Boolean);
    const key = `${method} ${parts.map((p, i) => (i % 2 === 1 && parts[0] !== 'clock' ? ':id' : p)).join('/')}`;
    const id = parts[1] ?? '';
    switch (key) {
      case 'GET application':
        return emu.application;
      case 'POST guilds':
        return emu.createGuild(optionalName(body));
      case 'POST channels':
        return emu.createChannel({ guildId: str(body, 'guildId'), ...optionalName(body) });
      case 'POST users': {
        const username = optStr(body, 'username');
        return emu.createUser(username === undefined ? {} : { username });
      }
      case 'POST members':
        emu.addMember({
          guildId: str(body, 'guildId'),
          userId: str(body, 'userId'),
          admin: body['admin'] === true,
        });
        return { ok: true };
      case 'POST webhooks':
        return emu.createWebhook({ channelId: str(body, 'channelId'), ...optionalName(body) });
      case 'POST interactions': {
        const options = body['options'];
        if (options !== undefined && !Array.isArray(options)) throw new BadInput('options must be an array');
        return emu.fireSlashCommand({
          guildId: str(body, 'guildId'),
          channelId: str(body, 'channelId'),
          userId: str(body, 'userId'),
          name: str(body, 'name'),
          ...(options ? { options: options as SlashCommandOption[] } : {}),
        });
      }
      case 'GET interactions/:id': {
        const view = emu.interaction(id);
        if (!view) throw new NotFound(`unknown interaction ${id}`);
        return { ...view, ephemeralMessages: emu.ephemeralMessages(id).map(messageToJson) };
      }
      case 'POST interactions-endpoint': {
        const target = body['url'];
        if (target !== null && typeof target !== 'string') throw new BadInput('url must be a string or null');
        await emu.setInteractionsEndpoint(target);
        return { ok: true };
      }
      case 'POST faults': {
        const spec = this.#fault(body);
        const faultId = ++this.#faultSeq;
        this.#faultRemovers.set(faultId, emu.injectFault(spec));
        return { id: faultId };
      }
      case 'DELETE faults':
        emu.clearFaults();
        this.#faultRemovers.clear();
        return undefined;
      case 'DELETE faults/:id': {
        const remove = this.#faultRemovers.get(Number(id));
        if (!remove) throw new NotFound(`unknown fault ${id}`);
        remove();
        this.#faultRemovers.delete(Number(id));
        return undefined;
      }
      case 'POST clock/advance': {
        const ms = optNum(body, 'ms');
        if (ms === undefined) throw new BadInput('ms must be a number');
        emu.advanceClock(ms);
        return { now: emu.now() };
      }
      case 'GET clock':
        return { now: emu.now() };
      case 'GET timeline':
        return emu.timeline();
      case 'DELETE timeline':
        emu.clearTimeline();
        return undefined;
      case 'GET channels/:id/messages':
        return emu.messages(id).map(messageToJson);
      case 'GET stats':
        return { ...emu.stats(), gatewaySessions: emu.gatewaySessionCount() };
      default:
        throw new NotFound(`no control route ${method} ${url.pathname}`);
    }
  }

  #fault(body: Record<string, unknown>): FaultSpec {
    const kind = body['kind'];
    if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
      throw new BadInput(`kind must be one of ${FAULT_KINDS.join(', ')}`);
    }
    const routeRegex = optStr(body, 'routeRegex');
    const route = routeRegex !== undefined ? new RegExp(routeRegex) : str(body, 'route');
    const spec: FaultSpec = { route, kind: kind as FaultKind };
    const method = optStr(body, 'method');
    if (method !== undefined) spec.method = method;
    const message = optStr(body, 'message');
    if (message !== undefined) spec.message = message;
    for (const k of ['ms', 'status', 'times', 'probability', 'retryAfterS', 'code'] as const) {
      const v = optNum(body, k);
      if (v !== undefined) spec[k] = v;
    }
    return spec;
  }
}

function optionalName(body: Record<string, unknown>): { name?: string } {
  const name = optStr(body, 'name');
  return name === undefined ? {} : { name };
}
