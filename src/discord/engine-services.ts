// AppServices backed by the workflow engine, the store and the delivery layer: what the slash commands really do.
import { spendLine } from '../analysis/render/llm.js';
import type { LlmSpendTotal } from '../store/llm-ledger.js';
import type { Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { SecretBox } from '../core/secrets.js';
import type { Report } from '../analysis/report.js';
import type { DeliveryRef, WorkflowRecord, WorkflowStore } from '../store/store.js';
import type { WorkflowEngine } from '../workflow/engine.js';
import type { DiscordRestClient, RestResult } from '../delivery/discord-rest.js';
import { configureGuildWebhook } from '../delivery/guild-config.js';
import type { Embed, RenderedMessage } from '../delivery/limits.js';
import { renderOutcome, renderProgressCard, renderReport, renderStatus } from '../delivery/render.js';
import { canReachUser, resolveTargets, type Target, type TargetDeps } from '../delivery/targets.js';
import { EPHEMERAL, type DiscordMessage } from './message.js';
import type {
  AnalysisIntake,
  AppServices,
  CancelOutcome,
  ConfigOutcome,
  InteractionInfo,
  StartOutcome,
  ViewOutcome,
  ViewRequest,
} from './ports.js';

export interface EngineAppServicesOptions {
  readonly engine: WorkflowEngine;
  readonly store: WorkflowStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly secretBox: SecretBox;
  readonly rest: DiscordRestClient;
  readonly defaultWebhook?: string | undefined;
  readonly botToken?: string | undefined;
  /** Accept webhook URLs under this API base (an emulator); only when DISCORD_API_BASE is not Discord's. */
  readonly allowApiBaseWebhooks?: string | undefined;
  /** A workflow's model spend so far, for /autointel_status (the model ledger's read). */
  readonly llmSpend?: (workflowId: string) => Promise<LlmSpendTotal>;
}

const NO_TARGET_REASON =
  'I cannot start this analysis: once the 15-minute interaction window closes I would have no way to deliver the ' +
  'report here. Ask a server admin to set a delivery webhook with `/autointel_config webhook:<url>` (or the bot ' +
  'operator to set DISCORD_WEBHOOK), or give the bot permission to post in this channel.';

function toDiscordMessage(m: RenderedMessage, ephemeral: boolean): DiscordMessage {
  return {
    ...(m.content === undefined ? {} : { content: m.content }),
    ...(m.embeds === undefined ? {} : { embeds: m.embeds }),
    ...(m.files === undefined
      ? {}
      : { files: m.files.map((f) => ({ name: f.name, data: Buffer.from(f.contentBase64, 'base64') })) }),
    ...(ephemeral ? { flags: EPHEMERAL } : {}),
  };
}

function toRendered(m: DiscordMessage): RenderedMessage {
  const embeds = m.embeds?.map((e) => {
    const out: Embed = {};
    if (e.title !== undefined) out.title = e.title;
    if (e.description !== undefined) out.description = e.description;
    if (e.url !== undefined) out.url = e.url;
    if (e.color !== undefined) out.color = e.color;
    if (e.footer !== undefined) out.footer = { text: e.footer.text };
    if (e.fields !== undefined) out.fields = e.fields.map((f) => ({ ...f }));
    return out;
  });
  return {
    ...(m.content === undefined ? {} : { content: m.content }),
    ...(embeds === undefined ? {} : { embeds }),
    allowed_mentions: { parse: [] },
  };
}

/** Why a view or cancel was not allowed: the same answer for every command that names a workflow. */
type Refusal = Extract<ViewOutcome, { kind: 'not_found' | 'forbidden' }>;

export class EngineAppServices implements AppServices {
  readonly #o: EngineAppServicesOptions;
  readonly #targets: TargetDeps;

  constructor(options: EngineAppServicesOptions) {
    this.#o = options;
    this.#targets = {
      store: options.store,
      secretBox: options.secretBox,
      clock: options.clock,
      defaultWebhook: options.defaultWebhook,
      botToken: options.botToken,
      allowApiBaseWebhooks: options.allowApiBaseWebhooks,
    };
  }

  #ref(info: InteractionInfo): DeliveryRef {
    return {
      interaction: {
        id: info.id,
        applicationId: info.applicationId,
        tokenSealed: this.#o.secretBox.seal(info.token),
        createdAt: info.createdAt,
      },
      ...(info.guildId === null ? {} : { guildId: info.guildId }),
      ...(info.channelId === null ? {} : { channelId: info.channelId }),
    };
  }

  async startAnalysis(req: AnalysisIntake): Promise<StartOutcome> {
    const outcome = await this.#start(req);
    // The request is now either a durable workflow or a refusal the router tells the user: the intake is done.
    await this.#o.store.completeIntake(req.interaction.id);
    return outcome;
  }

  /**
   * Starts every /autointel request that was acknowledged but never reached the engine (the process died in
   * between). Requests younger than `graceMs` are left to the process still handling them. Returns how many.
   */
  async recoverIntakes(graceMs = 10_000): Promise<number> {
    const open = await this.#o.store.listOpenIntakes({ before: this.#o.clock.now() - graceMs, limit: 100 });
    let recovered = 0;
    for (const row of open) {
      try {
        const intake = JSON.parse(this.#o.secretBox.open(row.intake)) as AnalysisIntake;
        const outcome = await this.startAnalysis(intake);
        recovered += 1;
        this.#o.logger.warn(
          { interactionId: row.interactionId, outcome: outcome.kind },
          'recovered an acknowledged request that had not started',
        );
        if (outcome.kind === 'refused') {
          await this.interactionUnreachable(intake.interaction, {
            content: `I could not start the analysis you asked for: ${outcome.reason}`,
          });
        }
      } catch (e: unknown) {
        this.#o.logger.error(
          { err: toAppError(e), interactionId: row.interactionId },
          'intake recovery failed',
        );
      }
    }
    return recovered;
  }

  async #start(req: AnalysisIntake): Promise<StartOutcome> {
    const info = req.interaction;
    const delivery = this.#ref(info);
    if (!(await canReachUser(delivery, this.#targets))) return { kind: 'refused', reason: NO_TARGET_REASON };
    const outcome = await this.#o.engine.start({
      url: req.url,
      depth: req.depth,
      requesterId: info.userId,
      guildId: info.guildId,
      channelId: info.channelId,
      interactionId: info.id,
      origin: 'discord',
      delivery,
    });
    if (outcome.kind === 'refused') return { kind: 'refused', reason: outcome.reason };
    return { kind: outcome.kind, workflowId: outcome.workflow.id };
  }

  /** Same guild only (a DM workflow only for its requester); `strict` also demands requester or admin. */
  async #authorised(
    req: ViewRequest,
    strict: boolean,
  ): Promise<{ ok: true; workflow: WorkflowRecord } | { ok: false; outcome: Refusal }> {
    const workflow = await this.#o.engine.get(req.workflowId);
    const notFound = {
      kind: 'not_found',
      reason: `No workflow \`${req.workflowId}\` was found here. It may have expired, or it was started elsewhere.`,
    } as const;
    if (workflow === null) return { ok: false, outcome: notFound };
    const r = workflow.request;
    // A workflow from another guild is reported as not found, so ids cannot be probed across guilds.
    if (r.guildId !== req.guildId) return { ok: false, outcome: notFound };
    if (r.guildId === null && r.requesterId !== req.userId) return { ok: false, outcome: notFound };
    if (strict && r.requesterId !== req.userId && !req.isAdmin) {
      return {
        ok: false,
        outcome: {
          kind: 'forbidden',
          reason: 'Only the member who started this analysis or a server admin can do that.',
        },
      };
    }
    return { ok: true, workflow };
  }

  async status(req: ViewRequest): Promise<ViewOutcome> {
    const a = await this.#authorised(req, true);
    if (!a.ok) return a.outcome;
    const now = this.#o.clock.now();
    const spend = await this.#o.llmSpend?.(a.workflow.id).catch(() => null);
    const content = renderStatus(a.workflow, now) + (spend ? spendLine(spend) : '');
    return { kind: 'messages', messages: [{ content, flags: EPHEMERAL }] };
  }

  async retrieve(req: ViewRequest): Promise<ViewOutcome> {
    const a = await this.#authorised(req, false);
    if (!a.ok) return a.outcome;
    const wf = a.workflow;
    const now = this.#o.clock.now();
    if (wf.status === 'completed' && wf.reportId !== null) {
      const stored = await this.#o.store.getReport(wf.reportId);
      if (stored !== null) {
        const messages = renderReport(stored.report as Report, { workflowId: wf.id });
        return { kind: 'messages', messages: messages.map((m) => toDiscordMessage(m, true)) };
      }
    }
    if (wf.status === 'failed' || wf.status === 'cancelled') {
      return { kind: 'messages', messages: [toDiscordMessage(renderOutcome(wf), true)] };
    }
    const progress = wf.progress ?? {
      stage: 'queued',
      percent: 0,
      message: 'Waiting for a worker',
      updatedAt: now,
    };
    const card = renderProgressCard(progress, wf.id, now - wf.createdAt);
    return { kind: 'messages', messages: [toDiscordMessage(card, true)] };
  }

  async cancel(req: ViewRequest): Promise<CancelOutcome> {
    const a = await this.#authorised(req, true);
    if (!a.ok) return a.outcome;
    const wf = a.workflow;
    if (wf.status === 'completed' || wf.status === 'failed' || wf.status === 'cancelled') {
      return { kind: 'already_finished', workflowId: wf.id, status: wf.status };
    }
    const updated = await this.#o.engine.cancel(wf.id, req.userId);
    return updated?.status === 'cancelled'
      ? { kind: 'cancelled', workflowId: wf.id }
      : { kind: 'cancel_requested', workflowId: wf.id };
  }

  async configureWebhook(req: Parameters<AppServices['configureWebhook']>[0]): Promise<ConfigOutcome> {
    if (!req.isAdmin)
      return { kind: 'forbidden', reason: 'Only members with Manage Server can set the webhook.' };
    const r = await configureGuildWebhook(
      {
        store: this.#o.store,
        secretBox: this.#o.secretBox,
        clock: this.#o.clock,
        ...(this.#o.allowApiBaseWebhooks === undefined ? {} : { allowApiBase: this.#o.allowApiBaseWebhooks }),
      },
      req.guildId,
      req.webhookUrl,
    );
    if (!r.ok) return { kind: 'invalid', reason: r.error.message };
    return {
      kind: 'saved',
      summary: `Reports for this server will be delivered through webhook ${r.value.webhookId} (stored encrypted).`,
    };
  }

  async interactionUnreachable(info: InteractionInfo, message: DiscordMessage): Promise<void> {
    // The interaction itself is gone: try the guild webhook, the default webhook, then the channel.
    const ref: DeliveryRef = {
      ...(info.guildId === null ? {} : { guildId: info.guildId }),
      ...(info.channelId === null ? {} : { channelId: info.channelId }),
    };
    const body = toRendered({
      ...message,
      content: `<@${info.userId}> ${message.content ?? ''}`.trim(),
    });
    for (const target of await resolveTargets(ref, this.#targets)) {
      try {
        const r = await this.#send(target, body, `n${info.id}`.slice(0, 25));
        if (r.kind === 'ok') return;
        this.#o.logger.warn({ target: target.name, result: r.kind }, 'fallback notice not delivered');
      } catch (e: unknown) {
        this.#o.logger.warn({ err: toAppError(e), target: target.name }, 'fallback notice failed');
      }
    }
    this.#o.logger.error({ interactionId: info.id }, 'no target could carry the fallback notice');
  }

  #send(target: Target, body: RenderedMessage, nonce: string): Promise<RestResult> {
    switch (target.name) {
      case 'webhook:guild':
      case 'webhook:default':
        return this.#o.rest.executeWebhook(target.hook, body);
      case 'channel':
        return this.#o.rest.createChannelMessage(target.channelId, target.botToken, body, nonce);
      case 'interaction':
        return this.#o.rest.createFollowup(target.applicationId, target.token, body);
    }
  }
}
