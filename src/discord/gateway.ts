// Gateway mode: a discord.js Client receives INTERACTION_CREATE; our router (not discord.js's deferReply/reply, which
// retry and strand interactions) decides and sends the single initial response.
import { once } from 'node:events';
import { Client, Events, GatewayDispatchEvents } from 'discord.js';
import type { Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { noopMetrics, type FrontEndMetrics } from './metrics.js';
import type { AppServices, InteractionClaim } from './ports.js';
import { InteractionRouter, type InteractionRouterOptions } from './router.js';
import { UndiciTransport, type DiscordTransport } from '../discord-api/transport.js';

export interface GatewayFrontEndOptions {
  readonly token: string;
  readonly applicationId: string;
  /** Config `DISCORD_API_BASE`, e.g. `https://discord.com/api`. */
  readonly apiBase: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly services: AppServices;
  /** Duplicate-process guard (WorkflowStore.claimInteraction bound to this process's owner id). */
  readonly claim?: InteractionClaim;
  readonly metrics?: FrontEndMetrics;
  /** Defaults to an UndiciTransport on `apiBase` with the bot token (closed on stop). */
  readonly transport?: DiscordTransport;
  readonly callbackTimeoutMs?: number;
  readonly responder?: InteractionRouterOptions['responder'];
}

export interface FrontEnd {
  readonly router: InteractionRouter;
  start(): Promise<void>;
  /** Stops receiving, lets in-flight interactions finish, then closes connections. */
  stop(): Promise<void>;
}

export interface GatewayFrontEnd extends FrontEnd {
  readonly client: Client;
  /** Whether the gateway session is up. */
  isReady(): boolean;
}

export function createGatewayFrontEnd(options: GatewayFrontEndOptions): GatewayFrontEnd {
  if (options.token === '') throw new RangeError('createGatewayFrontEnd: token must not be empty');
  if (!/^\d{5,25}$/.test(options.applicationId)) {
    throw new RangeError(
      `createGatewayFrontEnd: applicationId must be a snowflake, received '${options.applicationId}'`,
    );
  }
  const ownTransport = options.transport === undefined;
  const transport =
    options.transport ?? new UndiciTransport({ apiBase: options.apiBase, botToken: options.token });
  const logger = options.logger.child({ component: 'gateway' });
  const router = new InteractionRouter({
    services: options.services,
    clock: options.clock,
    logger,
    transport,
    apiBase: options.apiBase,
    metrics: options.metrics ?? noopMetrics,
    ...(options.claim === undefined ? {} : { claim: options.claim }),
    ...(options.callbackTimeoutMs === undefined ? {} : { callbackTimeoutMs: options.callbackTimeoutMs }),
    ...(options.responder === undefined ? {} : { responder: options.responder }),
  });
  // Interactions need no intent. discord.js's REST is only used for login (GET /gateway/bot); every interaction
  // request goes through our retry-free transport.
  const client = new Client({ intents: [], rest: { api: options.apiBase } });
  let accepting = false;
  // The raw dispatch carries the same JSON as an HTTP-endpoint interaction, so both modes share one parser.
  client.ws.on(GatewayDispatchEvents.InteractionCreate, (data: unknown) => {
    if (!accepting) return;
    void router.handleGatewayInteraction(data);
  });
  client.on('error', (e: unknown) => logger.error({ err: toAppError(e) }, 'discord client error'));

  return {
    router,
    client,
    isReady: () => client.isReady(),
    async start() {
      accepting = true;
      const ready = once(client, Events.ClientReady);
      // If login fails, `ready` is never awaited: keep its rejection from going unhandled.
      ready.catch(() => undefined);
      await client.login(options.token);
      await ready;
    },
    async stop() {
      accepting = false;
      await client.destroy();
      await router.idle();
      if (ownTransport) await transport.close();
    },
  };
}
