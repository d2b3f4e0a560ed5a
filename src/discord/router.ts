// Routes every interaction (gateway or HTTP endpoint alike): synchronous validation decides the single initial
// response with no I/O, then the command's handler runs after it through a Responder.
import type { Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Depth } from '../core/stage.js';
import { COMMAND_NAMES, isCommandName } from './commands.js';
import {
  InteractionType,
  booleanOption,
  parseInteraction,
  stringOption,
  type ParsedInteraction,
} from './interaction.js';
import { EPHEMERAL, textMessage, type DiscordMessage } from '../discord-api/message.js';
import { noopMetrics, type FrontEndMetrics } from './metrics.js';
import type {
  AnalysisIntake,
  AppServices,
  InteractionClaim,
  InteractionInfo,
  StartOutcome,
  ViewOutcome,
} from './ports.js';
import { earlierOfferText } from './ports.js';
import { InteractionResponder, type InteractionResponderOptions, type Responder } from './responder.js';
import {
  InteractionSession,
  initialResponseBody,
  interactionCreatedAt,
  type AckOutcome,
  type InitialResponse,
} from './session.js';
import type { DiscordTransport } from '../discord-api/transport.js';
import {
  validateAnalysisUrl,
  validateDepth,
  validateSearchQuery,
  validateWebhookUrl,
  validateWorkflowId,
} from './validate.js';

/** What a handler gets once the initial response has settled. */
export interface HandlerContext {
  readonly interaction: ParsedInteraction;
  readonly info: InteractionInfo;
  readonly responder: Responder;
}

/** The decision made synchronously, before anything is sent. */
export type Plan =
  | { readonly kind: 'pong' }
  /** Not something this bot answers (malformed payload, autocomplete, components). */
  | { readonly kind: 'unsupported'; readonly reason: string }
  /** Answer at once with an ephemeral type-4 message (invalid input). */
  | { readonly kind: 'reply'; readonly command: string; readonly message: DiscordMessage }
  /** Defer (type 5) and run the handler afterwards. */
  | {
      readonly kind: 'defer';
      readonly command: string;
      readonly ephemeral: boolean;
      readonly run: (ctx: HandlerContext) => Promise<void>;
      /** For /autointel: the request, stored with the claim before the acknowledgement goes out. */
      readonly intake?: { readonly url: string; readonly depth: Depth; readonly rerun: boolean };
    };

/** HTTP endpoint mode: the answer to write, and what to call once it was written (or failed to be). */
export interface InlineAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  afterSent(delivered: boolean): void;
}

export interface InteractionRouterOptions {
  readonly services: AppServices;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Used for the gateway-mode callback and for every edit/followup. */
  readonly transport: DiscordTransport;
  /** First caller wins; the loser stays silent (see ports.ts). Records /autointel requests durably. */
  readonly claim?: InteractionClaim;
  /** Gateway mode claims every interaction; HTTP mode only those carrying an /autointel request. */
  readonly mode?: 'gateway' | 'http';
  readonly metrics?: FrontEndMetrics;
  /** Webhook URLs under this API base are accepted by /autointel_config besides discord.com ones. */
  readonly apiBase?: string;
  readonly callbackTimeoutMs?: number;
  readonly responder?: Omit<InteractionResponderOptions, 'session' | 'clock' | 'logger'>;
}

const invalid = (command: string, text: string): Extract<Plan, { kind: 'reply' }> => ({
  kind: 'reply',
  command,
  message: textMessage(`⚠️ ${text}`, { ephemeral: true }),
});

/** The refusal of a request whose record could not be written: never "acknowledged and forgotten". */
const notRecorded = (command: string): Extract<Plan, { kind: 'reply' }> =>
  invalid(
    command,
    'I could not record this request (my database is not accepting writes right now), so I have not started it. ' +
      'Please try again in a minute.',
  );

export class InteractionRouter {
  readonly #services: AppServices;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #transport: DiscordTransport;
  readonly #claim: InteractionClaim | undefined;
  readonly #mode: 'gateway' | 'http';
  readonly #metrics: FrontEndMetrics;
  readonly #apiBase: string | undefined;
  readonly #callbackTimeoutMs: number | undefined;
  readonly #responderOptions: InteractionRouterOptions['responder'];
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: InteractionRouterOptions) {
    this.#services = options.services;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#transport = options.transport;
    this.#claim = options.claim;
    this.#mode = options.mode ?? 'gateway';
    this.#metrics = options.metrics ?? noopMetrics;
    this.#apiBase = options.apiBase;
    this.#callbackTimeoutMs = options.callbackTimeoutMs;
    this.#responderOptions = options.responder;
  }

  /** Resolves once every interaction handled so far has finished (graceful stop, tests). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** The synchronous decision: no I/O, no awaits. */
  plan(raw: unknown): { readonly interaction: ParsedInteraction | null; readonly plan: Plan } {
    if (
      typeof raw === 'object' &&
      raw !== null &&
      (raw as { type?: unknown }).type === InteractionType.Ping
    ) {
      return { interaction: null, plan: { kind: 'pong' } };
    }
    const i = parseInteraction(raw);
    if (i === null) return { interaction: null, plan: { kind: 'unsupported', reason: 'malformed' } };
    if (i.type !== InteractionType.ApplicationCommand) {
      return { interaction: i, plan: { kind: 'unsupported', reason: `type_${i.type}` } };
    }
    return { interaction: i, plan: this.#planCommand(i) };
  }

  /** Gateway mode: claim, send the initial response through the callback route, then run the handler. */
  handleGatewayInteraction(raw: unknown): Promise<void> {
    const receivedAt = this.#clock.now();
    return this.#track(this.#gateway(raw, receivedAt));
  }

  /**
   * HTTP endpoint mode: the initial response is the HTTP answer itself (no callback request). The interaction is
   * planned once; an /autointel request is recorded with its claim before the answer is written, so a crash after
   * the answer cannot lose it, and a request that cannot be recorded is refused rather than acknowledged.
   */
  async handleHttpInteraction(raw: unknown, receivedAt: number): Promise<InlineAnswer> {
    const { interaction: i, plan: planned } = this.plan(raw);
    const none = (): void => undefined;
    if (planned.kind === 'pong') {
      this.#metrics.interaction('ping', 'pong');
      return { status: 200, body: { type: 1 }, afterSent: none };
    }
    if (i === null || planned.kind === 'unsupported') {
      this.#metrics.interaction('unknown', 'unsupported');
      return { status: 400, body: { error: 'unsupported interaction' }, afterSent: none };
    }
    let plan: Extract<Plan, { kind: 'reply' | 'defer' }> = planned;
    const claimed = await this.#claimIntake(i, plan, receivedAt);
    if (claimed === 'duplicate') {
      // Discord sends an interaction to one endpoint once: a second one is a replay, or another front end has it.
      this.#metrics.interaction(plan.command, 'duplicate');
      return { status: 409, body: { error: 'interaction already handled' }, afterSent: none };
    }
    if (claimed === 'failed') plan = notRecorded(plan.command);
    const session = this.#newSession(i, receivedAt);
    const initial = initialOf(plan);
    session.begin(initial);
    const settled = plan;
    return {
      status: 200,
      body: initialResponseBody(initial),
      afterSent: (delivered) => {
        const outcome = session.settleInline(delivered);
        void this.#track(this.#afterAck(i, session, settled, outcome));
      },
    };
  }

  async #gateway(raw: unknown, receivedAt: number): Promise<void> {
    const { interaction: i, plan: planned } = this.plan(raw);
    if (i === null || planned.kind === 'pong' || planned.kind === 'unsupported') {
      this.#metrics.interaction('unknown', 'unsupported');
      return;
    }
    let plan: Extract<Plan, { kind: 'reply' | 'defer' }> = planned;
    const claimed = await this.#claimIntake(i, plan, receivedAt);
    if (claimed === 'duplicate') {
      this.#metrics.interaction(plan.command, 'duplicate');
      return;
    }
    if (claimed === 'failed') plan = notRecorded(plan.command);
    const session = this.#newSession(i, receivedAt);
    const outcome = await session.acknowledge(initialOf(plan));
    await this.#afterAck(i, session, plan, outcome);
  }

  /**
   * The one write before the acknowledgement. Gateway mode claims every interaction (two processes on one token
   * both receive it: first wins); HTTP mode only records /autointel requests (Discord sends each to one endpoint).
   * `failed` only for a request that had to be recorded: answering it would acknowledge a request we could forget.
   */
  async #claimIntake(
    i: ParsedInteraction,
    plan: Extract<Plan, { kind: 'reply' | 'defer' }>,
    receivedAt: number,
  ): Promise<'won' | 'duplicate' | 'failed' | 'skipped'> {
    if (this.#claim === undefined) return 'skipped';
    const intake = this.#intakeOf(i, plan, receivedAt);
    if (this.#mode === 'http' && intake === undefined) return 'skipped';
    try {
      return (await this.#claim(i.id, intake)) ? 'won' : 'duplicate';
    } catch (e: unknown) {
      if (intake !== undefined) {
        this.#logger.error({ err: toAppError(e), interactionId: i.id }, 'request not recorded; refusing it');
        this.#metrics.interaction(plan.command, 'not_recorded');
        return 'failed';
      }
      // Answering risks a 40060 if another process also answers, which the session treats as acknowledged;
      // staying silent would risk nobody answering at all. Nothing durable depends on this claim.
      this.#logger.error(
        { err: toAppError(e), interactionId: i.id },
        'interaction claim failed; answering anyway',
      );
      return 'won';
    }
  }

  #intakeOf(i: ParsedInteraction, plan: Plan, receivedAt: number): AnalysisIntake | undefined {
    if (plan.kind !== 'defer' || plan.intake === undefined) return undefined;
    return { ...plan.intake, interaction: this.#infoOf(i, interactionCreatedAt(i.id, receivedAt)) };
  }

  #infoOf(i: ParsedInteraction, createdAt: number): InteractionInfo {
    return {
      id: i.id,
      applicationId: i.applicationId,
      token: i.token,
      createdAt,
      guildId: i.guildId,
      channelId: i.channelId,
      userId: i.userId,
      isAdmin: i.isAdmin,
    };
  }

  #newSession(i: ParsedInteraction, receivedAt: number): InteractionSession {
    return new InteractionSession({
      identity: {
        id: i.id,
        applicationId: i.applicationId,
        token: i.token,
        createdAt: interactionCreatedAt(i.id, receivedAt),
        receivedAt,
      },
      transport: this.#transport,
      clock: this.#clock,
      logger: this.#logger,
      observer: this.#metrics,
      ...(this.#callbackTimeoutMs === undefined ? {} : { callbackTimeoutMs: this.#callbackTimeoutMs }),
    });
  }

  async #afterAck(
    i: ParsedInteraction,
    session: InteractionSession,
    plan: Extract<Plan, { kind: 'reply' | 'defer' }>,
    outcome: AckOutcome,
  ): Promise<void> {
    const info = this.#infoOf(i, session.identity.createdAt);
    const responder = new InteractionResponder({
      ...this.#responderOptions,
      session,
      clock: this.#clock,
      logger: this.#logger,
    });
    const ctx: HandlerContext = { interaction: i, info, responder };
    const label =
      outcome.kind !== 'acknowledged' ? outcome.kind : plan.kind === 'reply' ? 'invalid' : 'deferred';
    this.#metrics.interaction(plan.command, label);
    try {
      if (plan.kind === 'reply') {
        // A type-4 answer that may not have landed is confirmed through PATCH @original (or handed over).
        if (outcome.kind !== 'acknowledged') await this.#show(ctx, plan.message);
        return;
      }
      // Yield to pending I/O first: interactions that arrived meanwhile get their initial responses (3 s window)
      // before this one's follow-up work (no deadline of its own) is started.
      await new Promise<void>((resolve) => setImmediate(resolve));
      // Even when the token is gone (10062) the request runs: the user asked for it, and is told elsewhere.
      await plan.run(ctx);
    } catch (e: unknown) {
      const error = toAppError(e);
      this.#metrics.interaction(plan.command, 'handler_error');
      this.#logger.error(
        { err: error, interactionId: i.id, command: plan.command },
        'interaction handler failed',
      );
      await this.#privateError(ctx, `${error.userMessage} (reference: \`${i.id}\`)`).catch((e2: unknown) => {
        this.#logger.error(
          { err: toAppError(e2), interactionId: i.id },
          'could not report a handler failure',
        );
      });
    }
  }

  /** Replaces the original response (public after /autointel's defer, private after the others). */
  async #show(ctx: HandlerContext, msg: DiscordMessage): Promise<void> {
    const out = await ctx.responder.editOriginal(msg);
    if (out.kind === 'ok') return;
    await this.#fallback(ctx, msg, out.kind === 'expired' ? out.reason : 'failed');
  }

  /** A private message to the requester: never public, whatever the defer was. */
  async #privateError(ctx: HandlerContext, text: string): Promise<void> {
    const msg = textMessage(`⚠️ ${text}`, { ephemeral: true });
    const out = await ctx.responder.ephemeralFollowup(msg);
    if (out.kind === 'ok') return;
    await this.#fallback(ctx, msg, out.kind === 'expired' ? out.reason : 'failed');
  }

  async #fallback(ctx: HandlerContext, msg: DiscordMessage, reason: string): Promise<void> {
    this.#metrics.fallback(reason);
    this.#logger.warn(
      { interactionId: ctx.info.id, reason },
      'interaction token unusable; handing over to fallback',
    );
    await this.#services.interactionUnreachable(ctx.info, msg);
  }

  #track(p: Promise<void>): Promise<void> {
    const tracked = p.catch((e: unknown) => {
      this.#logger.error({ err: toAppError(e) }, 'interaction processing failed');
    });
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
    return tracked;
  }

  #planCommand(i: ParsedInteraction): Plan {
    const name = i.commandName ?? '';
    if (!isCommandName(name)) return invalid('unknown', `Unknown command \`/${name.slice(0, 32)}\`.`);
    switch (name) {
      case COMMAND_NAMES.analyze: {
        const checked = validateAnalysisUrl(stringOption(i, 'url'));
        if (!checked.ok) return invalid(name, checked.error);
        const depth = validateDepth(stringOption(i, 'depth'));
        if (!depth.ok) return invalid(name, depth.error);
        // A podcast episode rides in the URL fragment, which no server sees: the intake, dedupe and workflow request
        // need no new field, and the acquirer reads it back (`#episode=`).
        const episode = stringOption(i, 'episode')?.trim() ?? '';
        const url =
          episode === ''
            ? checked.value
            : `${checked.value.split('#')[0]}#episode=${encodeURIComponent(episode.slice(0, 200))}`;
        const rerun = booleanOption(i, 'rerun');
        return {
          kind: 'defer',
          command: name,
          ephemeral: false,
          run: (ctx) => this.#analyze(ctx, { url, depth: depth.value, rerun }),
          intake: { url, depth: depth.value, rerun },
        };
      }
      case COMMAND_NAMES.retrieve:
      case COMMAND_NAMES.status:
      case COMMAND_NAMES.cancel: {
        const id = validateWorkflowId(stringOption(i, 'workflow_id'));
        if (!id.ok) return invalid(name, id.error);
        const run =
          name === COMMAND_NAMES.cancel
            ? (ctx: HandlerContext) => this.#cancel(ctx, id.value)
            : (ctx: HandlerContext) => this.#view(ctx, name, id.value);
        return { kind: 'defer', command: name, ephemeral: true, run };
      }
      case COMMAND_NAMES.search: {
        const query = validateSearchQuery(stringOption(i, 'query'));
        if (!query.ok) return invalid(name, query.error);
        return {
          kind: 'defer',
          command: name,
          ephemeral: true,
          run: (ctx) => this.#search(ctx, query.value),
        };
      }
      case COMMAND_NAMES.config: {
        if (i.guildId === null) return invalid(name, 'This command only works inside a server.');
        if (!i.isAdmin)
          return invalid(name, 'Only members with the Manage Server permission can change this.');
        const hook = validateWebhookUrl(stringOption(i, 'webhook'), this.#apiBase);
        if (!hook.ok) return invalid(name, hook.error);
        const guildId = i.guildId;
        return {
          kind: 'defer',
          command: name,
          ephemeral: true,
          run: (ctx) => this.#configure(ctx, guildId, hook.value),
        };
      }
    }
  }

  async #analyze(
    ctx: HandlerContext,
    req: { readonly url: string; readonly depth: Depth; readonly rerun: boolean },
  ): Promise<void> {
    const out = await this.#services.startAnalysis({ ...req, interaction: ctx.info });
    if (out.kind === 'refused') {
      await this.#privateError(ctx, `I could not start this analysis: ${out.reason}`);
      return;
    }
    const text = out.kind === 'earlier' ? earlierOfferText(out, req) : startedText(out, req.depth);
    await this.#show(ctx, textMessage(text));
  }

  async #search(ctx: HandlerContext, query: string): Promise<void> {
    const out = await this.#services.search({
      query,
      guildId: ctx.info.guildId,
      userId: ctx.info.userId,
    });
    await this.#showPrivate(ctx, out);
  }

  async #view(ctx: HandlerContext, command: string, workflowId: string): Promise<void> {
    const req = {
      workflowId,
      guildId: ctx.info.guildId,
      userId: ctx.info.userId,
      isAdmin: ctx.info.isAdmin,
    };
    const out: ViewOutcome =
      command === COMMAND_NAMES.status
        ? await this.#services.status(req)
        : await this.#services.retrieve(req);
    if (out.kind !== 'messages') {
      await this.#privateError(ctx, out.reason);
      return;
    }
    const [first, ...rest] = out.messages;
    await this.#showPrivate(ctx, first ?? textMessage('Nothing to show yet.'));
    for (const m of rest) {
      const r = await ctx.responder.ephemeralFollowup(m);
      if (r.kind !== 'ok') {
        await this.#fallback(ctx, { ...m, flags: EPHEMERAL }, r.kind === 'expired' ? r.reason : 'failed');
        return;
      }
    }
  }

  async #cancel(ctx: HandlerContext, workflowId: string): Promise<void> {
    const out = await this.#services.cancel({
      workflowId,
      guildId: ctx.info.guildId,
      userId: ctx.info.userId,
      isAdmin: ctx.info.isAdmin,
    });
    switch (out.kind) {
      case 'cancelled':
        return this.#showPrivate(ctx, textMessage(`Workflow \`${out.workflowId}\` is cancelled.`));
      case 'cancel_requested':
        return this.#showPrivate(
          ctx,
          textMessage(`Cancelling workflow \`${out.workflowId}\`: it stops at its next checkpoint.`),
        );
      case 'already_finished':
        return this.#showPrivate(
          ctx,
          textMessage(`Workflow \`${out.workflowId}\` already finished (${out.status}); nothing to cancel.`),
        );
      default:
        return this.#privateError(ctx, out.reason);
    }
  }

  async #configure(ctx: HandlerContext, guildId: string, webhookUrl: string): Promise<void> {
    const out = await this.#services.configureWebhook({
      guildId,
      userId: ctx.info.userId,
      isAdmin: ctx.info.isAdmin,
      webhookUrl,
    });
    if (out.kind === 'saved') await this.#showPrivate(ctx, textMessage(out.summary));
    else await this.#privateError(ctx, out.reason);
  }

  /** Edits the (ephemeral) loading message; on fallback the message stays marked private. */
  async #showPrivate(ctx: HandlerContext, msg: DiscordMessage): Promise<void> {
    const out = await ctx.responder.editOriginal(msg);
    if (out.kind === 'ok') return;
    await this.#fallback(ctx, { ...msg, flags: EPHEMERAL }, out.kind === 'expired' ? out.reason : 'failed');
  }
}

function initialOf(plan: Extract<Plan, { kind: 'reply' | 'defer' }>): InitialResponse {
  return plan.kind === 'reply' ? { type: 4, message: plan.message } : { type: 5, ephemeral: plan.ephemeral };
}

/** The acknowledgement text: it names the workflow id so the user can always come back to it. */
export function startedText(
  out: Extract<StartOutcome, { kind: 'started' | 'existing' | 'cached' }>,
  depth: Depth,
): string {
  const id = out.workflowId;
  const retrieve = `use \`/retrieve_results workflow_id:${id}\` any time.`;
  switch (out.kind) {
    case 'started':
      return `Analysis started — workflow \`${id}\` (depth ${depth}). I'll post the report here when it's ready; ${retrieve}`;
    case 'existing':
      return `This request is already running as workflow \`${id}\` (depth ${depth}). I'll post the report here when it's ready; ${retrieve}`;
    case 'cached':
      return `A recent report for this link at depth ${depth} exists — workflow \`${id}\`. I'll post it here; ${retrieve}`;
  }
}
