// The gateway WebSocket: HELLO, IDENTIFY/READY, heartbeats, RESUME with replay, and dispatches to every session.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

export const GatewayClose = {
  UnknownError: 4000,
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  SessionTimedOut: 4009,
} as const;

/** Events kept per session so a RESUME can replay what a dropped connection missed. */
const REPLAY_BUFFER = 500;

interface Session {
  id: string;
  seq: number;
  intents: number;
  buffer: { s: number; t: string; d: unknown }[];
  connection: Connection | null;
}

interface Connection {
  ws: WebSocket;
  session: Session | null;
  zombieTimer: NodeJS.Timeout | null;
}

export interface GatewayOptions {
  heartbeatIntervalMs: number;
  isValidToken(token: string): boolean;
  readyData(session: { id: string; resumeUrl: string; intents: number }): Record<string, unknown>;
  /** Dispatches that follow READY (GUILD_CREATE for every guild when the GUILDS intent is set). */
  afterReady(intents: number): { t: string; d: unknown }[];
  gatewayUrl(): string;
}

export class GatewayServer {
  readonly #options: GatewayOptions;
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  readonly #sessions = new Map<string, Session>();
  readonly #connections = new Set<Connection>();
  #identifies = 0;

  constructor(options: GatewayOptions) {
    this.#options = options;
  }

  get identifies(): number {
    return this.#identifies;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws));
  }

  /** Identified sessions with a live socket. */
  sessionCount(): number {
    let n = 0;
    for (const c of this.#connections) if (c.session && c.ws.readyState === WebSocket.OPEN) n += 1;
    return n;
  }

  /**
   * Sends a dispatch to every session on the token (only those with `requiredIntent`, when given);
   * returns how many live sockets received it.
   */
  dispatch(t: string, d: unknown, requiredIntent?: number): number {
    let delivered = 0;
    for (const session of this.#sessions.values()) {
      if (requiredIntent !== undefined && (session.intents & requiredIntent) === 0) continue;
      session.seq += 1;
      const event = { s: session.seq, t, d };
      session.buffer.push(event);
      if (session.buffer.length > REPLAY_BUFFER) session.buffer.shift();
      const ws = session.connection?.ws;
      if (ws && ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ op: Op.Dispatch, ...event }));
        delivered += 1;
      }
    }
    return delivered;
  }

  /** Asks every client to reconnect and resume (op 7), as Discord does before maintenance. */
  requestReconnect(): void {
    for (const c of this.#connections) this.#send(c, { op: Op.Reconnect, d: null, s: null, t: null });
  }

  async close(): Promise<void> {
    for (const c of this.#connections) {
      if (c.zombieTimer) clearTimeout(c.zombieTimer);
      c.ws.terminate();
    }
    this.#connections.clear();
    this.#sessions.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #send(c: Connection, payload: Record<string, unknown>): void {
    if (c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify(payload));
  }

  #armZombieTimer(c: Connection): void {
    if (c.zombieTimer) clearTimeout(c.zombieTimer);
    // Discord drops connections that stop heartbeating; allow one missed beat plus slack.
    c.zombieTimer = setTimeout(
      () => c.ws.close(GatewayClose.SessionTimedOut, 'Session timed out.'),
      this.#options.heartbeatIntervalMs * 2 + 1000,
    );
    c.zombieTimer.unref();
  }

  #onConnection(ws: WebSocket): void {
    const c: Connection = { ws, session: null, zombieTimer: null };
    this.#connections.add(c);
    this.#send(c, {
      op: Op.Hello,
      d: { heartbeat_interval: this.#options.heartbeatIntervalMs },
      s: null,
      t: null,
    });
    this.#armZombieTimer(c);
    ws.on('message', (data: RawData) => this.#onMessage(c, data));
    ws.on('close', (code: number) => {
      if (c.zombieTimer) clearTimeout(c.zombieTimer);
      this.#connections.delete(c);
      const session = c.session;
      if (session && session.connection === c) {
        session.connection = null;
        // A normal close ends the session for good; any other close leaves it resumable.
        if (code === 1000 || code === 1001) this.#sessions.delete(session.id);
      }
    });
    ws.on('error', () => ws.terminate());
  }

  #onMessage(c: Connection, data: RawData): void {
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
    } catch {
      c.ws.close(GatewayClose.DecodeError, 'Error while decoding payload.');
      return;
    }
    if (typeof payload !== 'object' || payload === null) {
      c.ws.close(GatewayClose.DecodeError, 'Error while decoding payload.');
      return;
    }
    const { op, d } = payload as { op?: unknown; d?: unknown };
    const body = typeof d === 'object' && d !== null ? (d as Record<string, unknown>) : {};
    switch (op) {
      case Op.Heartbeat:
        this.#armZombieTimer(c);
        this.#send(c, { op: Op.HeartbeatAck });
        return;
      case Op.Identify:
        this.#identify(c, body);
        return;
      case Op.Resume:
        this.#resume(c, body);
        return;
      case Op.PresenceUpdate:
      case Op.VoiceStateUpdate:
      case Op.RequestGuildMembers:
        if (!c.session) c.ws.close(GatewayClose.NotAuthenticated, 'Not authenticated.');
        return;
      default:
        c.ws.close(GatewayClose.UnknownOpcode, 'Unknown opcode.');
    }
  }

  #identify(c: Connection, d: Record<string, unknown>): void {
    if (c.session) {
      c.ws.close(GatewayClose.AlreadyAuthenticated, 'Already authenticated.');
      return;
    }
    const token = typeof d['token'] === 'string' ? d['token'] : '';
    if (!this.#options.isValidToken(token)) {
      c.ws.close(GatewayClose.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    this.#identifies += 1;
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      seq: 0,
      intents: typeof d['intents'] === 'number' ? d['intents'] : 0,
      buffer: [],
      connection: c,
    };
    this.#sessions.set(session.id, session);
    c.session = session;
    session.seq += 1;
    const ready = this.#options.readyData({
      id: session.id,
      resumeUrl: this.#options.gatewayUrl(),
      intents: session.intents,
    });
    this.#send(c, { op: Op.Dispatch, t: 'READY', s: session.seq, d: ready });
    for (const event of this.#options.afterReady(session.intents)) {
      session.seq += 1;
      const numbered = { s: session.seq, t: event.t, d: event.d };
      session.buffer.push(numbered);
      this.#send(c, { op: Op.Dispatch, ...numbered });
    }
  }

  #resume(c: Connection, d: Record<string, unknown>): void {
    if (c.session) {
      c.ws.close(GatewayClose.AlreadyAuthenticated, 'Already authenticated.');
      return;
    }
    const token = typeof d['token'] === 'string' ? d['token'] : '';
    if (!this.#options.isValidToken(token)) {
      c.ws.close(GatewayClose.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    const session = this.#sessions.get(typeof d['session_id'] === 'string' ? d['session_id'] : '');
    const seq = typeof d['seq'] === 'number' ? d['seq'] : 0;
    if (!session) {
      this.#send(c, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    const previous = session.connection;
    if (previous && previous !== c) {
      // The newest connection wins the session; the zombie it replaces is dropped.
      previous.session = null;
      previous.ws.close(GatewayClose.UnknownError, 'Session resumed elsewhere.');
    }
    session.connection = c;
    c.session = session;
    for (const event of session.buffer) {
      if (event.s > seq) this.#send(c, { op: Op.Dispatch, ...event });
    }
    session.seq += 1;
    this.#send(c, { op: Op.Dispatch, t: 'RESUMED', s: session.seq, d: {} });
  }
}
