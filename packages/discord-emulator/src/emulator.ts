// The local Discord: one HTTP server for REST, the gateway and a control API, with a timeline and fault injection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { OffsetClock } from './clock.js';
import { ControlApi } from './control.js';
import { DiscordErrors, type ApiResponse } from './errors.js';
import { GatewayServer } from './gateway.js';
import { parseMultipart } from './multipart.js';
import { RateLimiter, tooManyRequests, type BucketSpec } from './ratelimit.js';
import { buildRoutes, matchTemplate, type RestRequest, type RestResult, type RouteDef } from './rest.js';
import { InteractionSigner } from './signing.js';
import { EmulatorState, type FileInput } from './state.js';
import type {
  EmulatedMessage,
  EmulatorClock,
  EmulatorOptions,
  EmulatorStats,
  FaultKind,
  FaultSpec,
  FireSlashCommandInput,
  FireSlashCommandResult,
  InteractionView,
  TimelineEntry,
} from './types.js';
import { MessageLimits } from './validation.js';

const DEFAULT_HEARTBEAT_MS = 41_250;
const GUILDS_INTENT = 1;
/** Bodies beyond this are refused with 413 (25 MiB of files plus room for multipart framing and JSON). */
const MAX_BODY_BYTES = MessageLimits.requestBytes + 256 * 1024;
const ENDPOINT_TIMEOUT_MS = 10_000;

interface ArmedFault {
  id: number;
  spec: FaultSpec;
  remaining: number;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Removes secrets (tokens, webhook URLs) from anything recorded in the timeline. */
function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'token') out[k] = '[redacted]';
      else if (k === 'url' && typeof v === 'string' && v.includes('/webhooks/')) out[k] = '[redacted]';
      else out[k] = redact(v);
    }
    return out;
  }
  return value;
}

export class DiscordEmulator {
  readonly baseUrl: string;
  readonly apiBase: string;
  readonly application: { id: string; botToken: string; publicKeyHex: string };

  readonly #clock: EmulatorClock;
  readonly #ownClock: OffsetClock | null;
  readonly #server: Server;
  readonly #state: EmulatorState;
  readonly #gateway: GatewayServer;
  readonly #limiter: RateLimiter;
  readonly #routes: RouteDef[];
  readonly #signer: InteractionSigner;
  readonly #control: ControlApi;
  readonly #timeline: TimelineEntry[] = [];
  #seq = 0;
  #faults: ArmedFault[] = [];
  #faultSeq = 0;
  #endpoint: string | null = null;
  readonly #stats: EmulatorStats = { invalidRequests: 0, errorsByCode: {}, requests: 0 };

  private constructor(init: {
    server: Server;
    port: number;
    clock: EmulatorClock;
    ownClock: OffsetClock | null;
    state: EmulatorState;
    options: EmulatorOptions;
    signer: InteractionSigner;
  }) {
    this.#server = init.server;
    this.#clock = init.clock;
    this.#ownClock = init.ownClock;
    this.#state = init.state;
    this.#signer = init.signer;
    this.baseUrl = `http://127.0.0.1:${init.port}`;
    this.apiBase = `${this.baseUrl}/api`;
    this.application = {
      id: init.state.application.id,
      botToken: init.state.application.botToken,
      publicKeyHex: init.signer.publicKeyHex,
    };
    this.#limiter = new RateLimiter({ clock: init.clock, limits: init.options.rateLimits });
    const gatewayUrl = (): string => `ws://127.0.0.1:${init.port}/gateway`;
    this.#gateway = new GatewayServer({
      heartbeatIntervalMs: init.options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_MS,
      isValidToken: (t) => t.replace(/^Bot\s+/i, '') === this.application.botToken,
      gatewayUrl,
      readyData: (session) => ({
        v: 10,
        user: { ...this.#state.userJson(this.#state.botUser), verified: true, mfa_enabled: false },
        guilds:
          (session.intents & GUILDS_INTENT) !== 0
            ? [...this.#state.guilds.keys()].map((id) => ({ id, unavailable: true }))
            : [],
        session_id: session.id,
        resume_gateway_url: session.resumeUrl,
        shard: [0, 1],
        application: { id: this.application.id, flags: 0 },
        private_channels: [],
        relationships: [],
        user_settings: {},
        presences: [],
        geo_ordered_rtc_regions: [],
        guild_join_requests: [],
        _trace: ['["emulator",{"micros":0}]'],
      }),
      afterReady: (intents) =>
        (intents & GUILDS_INTENT) !== 0
          ? [...this.#state.guilds.values()].map((g) => ({
              t: 'GUILD_CREATE',
              d: this.#state.guildCreateJson(g),
            }))
          : [],
    });
    this.#routes = buildRoutes({
      state: this.#state,
      limits: this.#limiter.settings,
      baseUrl: () => this.baseUrl,
      apiBase: () => this.apiBase,
      gatewayUrl,
      identifiesUsed: () => this.#gateway.identifies,
      interactionsEndpoint: () => this.#endpoint,
      publicKeyHex: () => this.#signer.publicKeyHex,
    });
    this.#control = new ControlApi({ emulator: this });
    this.#server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.#onRequest(req, res).catch((e: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify({
              message: `emulator failure: ${e instanceof Error ? e.message : String(e)}`,
              code: 0,
            }),
          );
        } else {
          res.destroy();
        }
      });
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (path === '/gateway' || path.startsWith('/gateway/')) this.#gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
  }

  static async start(options: EmulatorOptions = {}): Promise<DiscordEmulator> {
    const ownClock = options.clock ? null : new OffsetClock();
    const clock = options.clock ?? (ownClock as OffsetClock);
    if (options.heartbeatIntervalMs !== undefined && !(options.heartbeatIntervalMs > 0)) {
      throw new RangeError(`heartbeatIntervalMs must be positive, received ${options.heartbeatIntervalMs}`);
    }
    const server = createServer({ keepAliveTimeout: 5_000 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    return new DiscordEmulator({
      server,
      port,
      clock,
      ownClock,
      state: new EmulatorState({ clock }),
      options,
      signer: new InteractionSigner(),
    });
  }

  // ---- clock ----

  advanceClock(ms: number): void {
    if (!this.#ownClock) {
      throw new Error('advanceClock: this emulator runs on an injected clock; advance that clock instead');
    }
    this.#ownClock.advance(ms);
  }

  now(): number {
    return this.#clock.now();
  }

  // ---- world ----

  createGuild(input: { name?: string } = {}): { id: string } {
    const guild = this.#state.createGuild(input.name);
    // Like a bot being added to a server while connected.
    this.#gateway.dispatch('GUILD_CREATE', this.#state.guildCreateJson(guild), GUILDS_INTENT);
    return { id: guild.id };
  }

  createChannel(input: { guildId: string; name?: string }): { id: string } {
    const channel = this.#state.createChannel(input.guildId, input.name);
    this.#gateway.dispatch('CHANNEL_CREATE', this.#state.channelJson(channel), GUILDS_INTENT);
    return { id: channel.id };
  }

  createUser(input: { username?: string } = {}): { id: string } {
    return { id: this.#state.createUser(input.username).id };
  }

  addMember(input: { guildId: string; userId: string; admin?: boolean }): void {
    this.#state.addMember(input.guildId, input.userId, input.admin ?? false);
  }

  createWebhook(input: { channelId: string; name?: string }): { id: string; token: string; url: string } {
    const w = this.#state.createWebhook(input.channelId, input.name ?? 'Emulated Webhook', null);
    return { id: w.id, token: w.token, url: `${this.apiBase}/webhooks/${w.id}/${w.token}` };
  }

  // ---- interactions ----

  /**
   * Switches to HTTP-endpoint mode after validating the URL like Discord: a PING with a bad signature must be
   * refused with 401 and a correctly signed PING answered with `{type:1}`. `null` returns to gateway mode.
   */
  async setInteractionsEndpoint(url: string | null): Promise<void> {
    if (url === null) {
      this.#endpoint = null;
      return;
    }
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`setInteractionsEndpoint: expected an http(s) URL, received ${parsed.protocol}`);
    }
    const ping = JSON.stringify({
      id: this.#state.ids.next(),
      application_id: this.application.id,
      type: 1,
      token: 'ping',
      version: 1,
      user: this.#state.userJson(this.#state.botUser),
    });
    const bad = await this.#postToEndpoint(url, ping, { corrupt: true });
    if (bad.status !== 401) {
      throw new Error(
        `interactions endpoint accepted a bad signature (status ${bad.status}); Discord refuses such URLs`,
      );
    }
    const good = await this.#postToEndpoint(url, ping, {});
    const body = good.json as { type?: unknown } | null;
    if (good.status !== 200 || !good.contentType.includes('application/json') || body?.type !== 1) {
      throw new Error(`interactions endpoint did not answer PING with {type:1} (status ${good.status})`);
    }
    this.#endpoint = url;
  }

  async fireSlashCommand(input: FireSlashCommandInput): Promise<FireSlashCommandResult> {
    const endpoint = this.#endpoint;
    const rec = this.#state.createInteraction({
      guildId: input.guildId,
      channelId: input.channelId,
      userId: input.userId,
      name: input.name,
      options: input.options ?? [],
      delivery: endpoint === null ? 'gateway' : 'http',
    });
    this.#state.markSent(rec);
    if (endpoint === null) {
      const sentAt = this.#clock.now();
      const recipients = this.#gateway.dispatch('INTERACTION_CREATE', rec.payload);
      this.#record({
        direction: 'outbound',
        method: 'GATEWAY',
        path: '/gateway',
        route: 'INTERACTION_CREATE',
        receivedAt: sentAt,
        answeredAt: sentAt,
        status: recipients > 0 ? 200 : 0,
        interactionId: rec.id,
        requestBody: redact(rec.payload),
        responseBody: { recipients },
      });
      return { interactionId: rec.id, token: rec.token };
    }
    const sent = await this.#postToEndpoint(endpoint, JSON.stringify(rec.payload), { interactionId: rec.id });
    if (sent.status === 200 && sent.json !== null) {
      // An inline answer is the initial response, judged at the moment it arrived.
      const callbackRoute = this.#routes.find(
        (r) => r.template === '/interactions/:interaction_id/:token/callback',
      );
      const result = callbackRoute?.handle({
        method: 'POST',
        params: { interaction_id: rec.id, token: rec.token },
        query: new URLSearchParams(),
        body: sent.json,
        files: [],
        botAuth: false,
      });
      const last = sent.entry;
      if (result) {
        if (result.ackLatencyMs !== undefined) last.ackLatencyMs = result.ackLatencyMs;
        if (result.ackLatencyPreciseMs !== undefined) last.ackLatencyPreciseMs = result.ackLatencyPreciseMs;
        const code = (result.body as { code?: unknown } | undefined)?.code;
        if (result.status >= 400 && typeof code === 'number') {
          last.code = code;
          this.#countError(result.status, code);
        }
      }
    }
    return {
      interactionId: rec.id,
      token: rec.token,
      httpResponse: { status: sent.status, body: sent.json ?? (sent.text === '' ? null : sent.text) },
    };
  }

  async sendSignedRaw(input: {
    body: string;
    badSignature?: boolean;
  }): Promise<{ status: number; body: string }> {
    if (this.#endpoint === null) throw new Error('sendSignedRaw: no interactions endpoint is set');
    const sent = await this.#postToEndpoint(this.#endpoint, input.body, {
      corrupt: input.badSignature === true,
    });
    return { status: sent.status, body: sent.text };
  }

  async #postToEndpoint(
    url: string,
    body: string,
    opts: { corrupt?: boolean; interactionId?: string },
  ): Promise<{ status: number; text: string; json: unknown; contentType: string; entry: TimelineEntry }> {
    const timestamp = String(Math.floor(this.#clock.now() / 1000));
    const signature = this.#signer.sign(timestamp, body, opts.corrupt === true);
    const sentAt = this.#clock.now();
    let status = 0;
    let text = '';
    let contentType = '';
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Discord-Interactions/1.0 (+https://discord.com)',
          'X-Signature-Ed25519': signature,
          'X-Signature-Timestamp': timestamp,
        },
        body,
        signal: AbortSignal.timeout(ENDPOINT_TIMEOUT_MS),
      });
      status = res.status;
      contentType = res.headers.get('content-type') ?? '';
      text = await res.text();
    } catch {
      // A refused, reset or timed-out endpoint is recorded as status 0 with no body.
    }
    let json: unknown = null;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    let requestBody: unknown;
    try {
      requestBody = redact(JSON.parse(body));
    } catch {
      requestBody = '[unparsable]';
    }
    const entry = this.#record({
      direction: 'outbound',
      method: 'POST',
      path: new URL(url).pathname,
      route: 'INTERACTIONS_ENDPOINT',
      receivedAt: sentAt,
      answeredAt: this.#clock.now(),
      status,
      ...(opts.interactionId !== undefined ? { interactionId: opts.interactionId } : {}),
      requestBody,
      responseBody: json ?? text,
    });
    return { status, text, json, contentType, entry };
  }

  interaction(id: string): InteractionView | undefined {
    const rec = this.#state.interactions.get(id);
    return rec ? this.#state.view(rec) : undefined;
  }

  messages(channelId: string): EmulatedMessage[] {
    return [...this.#state.channelMessages(channelId)];
  }

  ephemeralMessages(interactionId: string): EmulatedMessage[] {
    return [...(this.#state.interactions.get(interactionId)?.ephemeralMessages ?? [])];
  }

  /** Finds a stored attachment (for the control API and attachment URLs). */
  attachment(
    channelId: string,
    attachmentId: string,
  ): { filename: string; contentType: string | null; content: Buffer } | undefined {
    const pools: EmulatedMessage[][] = [this.#state.channelMessages(channelId)];
    for (const rec of this.#state.interactions.values())
      if (rec.channelId === channelId) pools.push(rec.ephemeralMessages);
    for (const pool of pools) {
      for (const m of pool) {
        const a = m.attachments.find((x) => x.id === attachmentId);
        if (a) return { filename: a.filename, contentType: a.contentType, content: a.content };
      }
    }
    return undefined;
  }

  // ---- observation ----

  timeline(): TimelineEntry[] {
    return this.#timeline.map((e) => ({ ...e }));
  }

  clearTimeline(): void {
    this.#timeline.length = 0;
  }

  stats(): EmulatorStats {
    return {
      invalidRequests: this.#stats.invalidRequests,
      errorsByCode: { ...this.#stats.errorsByCode },
      requests: this.#stats.requests,
    };
  }

  gatewaySessionCount(): number {
    return this.#gateway.sessionCount();
  }

  /** Sends op 7 RECONNECT to every connected client. */
  requestGatewayReconnect(): void {
    this.#gateway.requestReconnect();
  }

  // ---- faults ----

  injectFault(f: FaultSpec): () => void {
    if (f.times !== undefined && (!Number.isInteger(f.times) || f.times < 1)) {
      throw new RangeError(`injectFault: times must be a positive integer, received ${f.times}`);
    }
    if (f.probability !== undefined && !(f.probability >= 0 && f.probability <= 1)) {
      throw new RangeError(`injectFault: probability must be within [0, 1], received ${f.probability}`);
    }
    const armed: ArmedFault = {
      id: ++this.#faultSeq,
      spec: f,
      remaining: f.times ?? Number.POSITIVE_INFINITY,
    };
    this.#faults.push(armed);
    return () => {
      this.#faults = this.#faults.filter((x) => x !== armed);
    };
  }

  clearFaults(): void {
    this.#faults = [];
  }

  async close(): Promise<void> {
    await this.#gateway.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- request pipeline ----

  #record(entry: Omit<TimelineEntry, 'seq'>): TimelineEntry {
    const full: TimelineEntry = { seq: ++this.#seq, ...entry };
    this.#timeline.push(full);
    return full;
  }

  #faultResponse(f: FaultSpec): ApiResponse {
    const status = f.status ?? 500;
    if (f.code === undefined) return DiscordErrors.internal(status);
    return { status, body: { message: f.message ?? `${status}: injected fault`, code: f.code } };
  }

  #countError(status: number, code: number | undefined, scope?: string): void {
    const key = code !== undefined ? String(code) : String(status);
    this.#stats.errorsByCode[key] = (this.#stats.errorsByCode[key] ?? 0) + 1;
    if (status === 401 || status === 403 || (status === 429 && scope !== 'shared'))
      this.#stats.invalidRequests += 1;
  }

  #takeFaults(method: string, route: string, path: string): { latencyMs: number; fault: FaultSpec | null } {
    let latencyMs = 0;
    let fault: FaultSpec | null = null;
    for (const armed of [...this.#faults]) {
      const f = armed.spec;
      if (f.method !== undefined && f.method.toUpperCase() !== method) continue;
      let matches: boolean;
      if (typeof f.route === 'string') matches = f.route === route || f.route === path;
      else {
        f.route.lastIndex = 0;
        matches = f.route.test(route);
        f.route.lastIndex = 0;
        matches ||= f.route.test(path);
      }
      if (!matches) continue;
      if (f.kind !== 'latency' && fault !== null) continue;
      if (f.probability !== undefined && Math.random() >= f.probability) continue;
      armed.remaining -= 1;
      if (armed.remaining <= 0) this.#faults = this.#faults.filter((x) => x !== armed);
      if (f.kind === 'latency') latencyMs += f.ms ?? 1000;
      else fault = f;
    }
    return { latencyMs, fault };
  }

  async #readBody(req: IncomingMessage): Promise<{ body: Buffer; tooLarge: boolean }> {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    }
    return { body: Buffer.concat(chunks), tooLarge };
  }

  #parseBody(req: IncomingMessage, raw: Buffer): { body: unknown; files: FileInput[] } | ApiResponse {
    const contentType = req.headers['content-type'] ?? '';
    if (raw.length === 0) return { body: undefined, files: [] };
    if (contentType.startsWith('multipart/form-data')) {
      const parsed = parseMultipart(raw, contentType);
      if (!parsed.ok) return DiscordErrors.invalidJson();
      let body: unknown = {};
      const files: FileInput[] = [];
      let filesBytes = 0;
      for (const part of parsed.parts) {
        if (part.name === 'payload_json') {
          try {
            body = JSON.parse(part.data.toString('utf8'));
          } catch {
            return DiscordErrors.invalidJson();
          }
          continue;
        }
        const m = /^files\[(\d+)\]$/.exec(part.name) ?? /^file(\d*)$/.exec(part.name);
        if (m && part.filename !== null) {
          filesBytes += part.data.length;
          files.push({
            index: m[1] ? Number(m[1]) : files.length,
            filename: part.filename,
            contentType: part.contentType,
            data: part.data,
          });
        }
      }
      if (filesBytes > MessageLimits.requestBytes) return DiscordErrors.entityTooLarge();
      return { body, files };
    }
    try {
      return { body: JSON.parse(raw.toString('utf8')), files: [] };
    } catch {
      return DiscordErrors.invalidJson();
    }
  }

  #send(res: ServerResponse, response: ApiResponse, extraHeaders: Record<string, string>): void {
    const headers: Record<string, string> = { ...extraHeaders, ...response.headers };
    if (response.status === 204 || response.body === undefined) {
      res.writeHead(response.status, headers);
      res.end();
      return;
    }
    headers['Content-Type'] = 'application/json';
    res.writeHead(response.status, headers);
    res.end(JSON.stringify(response.body));
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/_emulator/')) {
      await this.#control.handle(req, res, url);
      return;
    }
    if (url.pathname.startsWith('/attachments/') && req.method === 'GET') {
      const [, , channelId = '', attachmentId = ''] = url.pathname.split('/');
      const a = this.attachment(channelId, attachmentId);
      if (!a) {
        this.#send(res, DiscordErrors.notFound(), {});
        return;
      }
      res.writeHead(200, {
        'Content-Type': a.contentType ?? 'application/octet-stream',
        'Content-Length': a.content.length,
      });
      res.end(a.content);
      return;
    }
    const api = /^\/api(?:\/v\d+)?(\/.*)?$/.exec(url.pathname);
    const method = (req.method ?? 'GET').toUpperCase();
    const receivedAt = this.#clock.now();
    const segments = (api?.[1] ?? '').split('/').filter(Boolean).map(safeDecode);
    let route: RouteDef | undefined;
    let params: Record<string, string> | null = null;
    let pathKnown = false;
    if (api) {
      for (const r of this.#routes) {
        const p = matchTemplate(r.template, segments);
        if (!p) continue;
        pathKnown = true;
        if (r.method === method) {
          route = r;
          params = p;
          break;
        }
      }
    }
    const templateParts = route ? route.template.split('/').filter(Boolean) : [];
    const path =
      '/' +
      segments
        .map((s, i) =>
          templateParts[i] === ':token' || (!route && s.length > 40 && !/^\d+$/.test(s)) ? ':token' : s,
        )
        .join('/');
    const query = url.search.length > 1 ? url.search.slice(1) : undefined;
    this.#stats.requests += 1;
    const { body: raw, tooLarge } = await this.#readBody(req);

    const entryBase = {
      direction: 'inbound' as const,
      method,
      path,
      route: route?.template ?? path,
      ...(query !== undefined ? { query } : {}),
      receivedAt,
    };
    const finish = (
      response: RestResult | ApiResponse,
      extraHeaders: Record<string, string>,
      more: { requestBody?: unknown; fault?: FaultKind; scope?: string; statusOverride?: ApiResponse } = {},
    ): void => {
      const sent = more.statusOverride ?? response;
      const code = (sent.body as { code?: unknown } | undefined)?.code;
      const r = response as RestResult;
      const entry: Omit<TimelineEntry, 'seq'> = {
        ...entryBase,
        answeredAt: this.#clock.now(),
        status: sent.status,
        ...(typeof code === 'number' ? { code } : {}),
        ...(r.interactionId !== undefined ? { interactionId: r.interactionId } : {}),
        ...(r.ackLatencyMs !== undefined ? { ackLatencyMs: r.ackLatencyMs } : {}),
        ...(r.ackLatencyPreciseMs !== undefined ? { ackLatencyPreciseMs: r.ackLatencyPreciseMs } : {}),
        ...(more.fault !== undefined ? { fault: more.fault } : {}),
        ...(more.requestBody !== undefined ? { requestBody: more.requestBody } : {}),
        ...(sent.body !== undefined ? { responseBody: redact(sent.body) } : {}),
      };
      this.#record(entry);
      if (sent.status >= 400)
        this.#countError(sent.status, typeof code === 'number' ? code : undefined, more.scope);
      this.#send(res, sent, extraHeaders);
    };

    if (!route || !params) {
      finish(pathKnown ? DiscordErrors.methodNotAllowed() : DiscordErrors.notFound(), {});
      return;
    }
    const matched = route;
    const routeParams = params;
    // Early refusals still carry the route bucket's headers, as Discord's do.
    const peekHeaders = (): Record<string, string> =>
      this.#limiter.peek(
        matched.buckets({
          method,
          params: routeParams,
          query: url.searchParams,
          body: undefined,
          files: [],
          botAuth: false,
        }),
      );
    if (tooLarge) {
      finish(DiscordErrors.entityTooLarge(), peekHeaders());
      return;
    }
    const parsed = this.#parseBody(req, raw);
    if ('status' in parsed) {
      finish(parsed, peekHeaders());
      return;
    }
    const requestBody = redact(
      parsed.files.length > 0
        ? {
            payload_json: parsed.body,
            files: parsed.files.map((f) => ({ index: f.index, filename: f.filename, size: f.data.length })),
          }
        : parsed.body,
    );

    const { latencyMs, fault } = this.#takeFaults(method, route.template, path);
    if (latencyMs > 0) await delay(latencyMs);
    if (fault?.kind === 'reset') {
      this.#record({ ...entryBase, answeredAt: this.#clock.now(), status: 0, fault: 'reset', requestBody });
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'error_5xx') {
      finish(this.#faultResponse(fault), peekHeaders(), { requestBody, fault: 'error_5xx' });
      return;
    }
    if (fault?.kind === 'rate_limit') {
      const response = tooManyRequests({ retryAfterS: fault.retryAfterS ?? 1, scope: 'user' });
      finish(response, peekHeaders(), { requestBody, fault: 'rate_limit', scope: 'user' });
      return;
    }

    const authHeader = req.headers['authorization'];
    const botAuth = authHeader === `Bot ${this.application.botToken}`;
    if (route.auth === 'bot' && !botAuth) {
      finish(DiscordErrors.unauthorized(), peekHeaders(), { requestBody });
      return;
    }
    const restReq: RestRequest = {
      method,
      params,
      query: url.searchParams,
      body: parsed.body,
      files: parsed.files,
      botAuth,
    };

    const buckets: BucketSpec[] = [];
    if (botAuth && !route.isInteraction(restReq)) {
      buckets.push({
        key: `global:${this.application.botToken}`,
        hashSource: 'global',
        limit: this.#limiter.settings.globalPerSecond,
        windowMs: 1000,
        scope: 'global',
      });
    }
    buckets.push(...route.buckets(restReq));
    const decision = this.#limiter.take(buckets);
    if (!decision.ok) {
      finish(decision.response, {}, { requestBody, scope: decision.scope });
      return;
    }

    const result = route.handle(restReq);
    const latency = latencyMs > 0 ? { fault: 'latency' as const } : {};
    if (fault?.kind === 'applied_5xx') {
      finish(result, decision.headers, {
        requestBody,
        fault: 'applied_5xx',
        statusOverride: this.#faultResponse(fault),
      });
      return;
    }
    finish(result, decision.headers, { requestBody, ...latency });
  }
}
