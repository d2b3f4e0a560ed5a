// AppServices backed by the workflow use cases and the delivery renderer: what the slash commands really do.
import type { Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { LlmSpendTotal } from '../store/llm-ledger.js';
import type { SecretBox } from '../core/secrets.js';
import {
  scopeOfRequest,
  type CheckpointReportStore,
  type GuildSettingsStore,
  type WorkflowRecord,
} from '../store/store.js';
import { renderSearchResults } from '../delivery/search-results.js';
import type { WorkflowEngine } from './engine.js';
import { configureGuildWebhook } from '../delivery/guild-config.js';
import { renderOutcome, renderProgressCard, renderStatus } from '../delivery/render.js';
import { inlineReportRenderer, type ReportRenderer } from '../delivery/render-job.js';
import type { AnalysisIntake, AnalysisIntakes, InteractionInfo } from './intake.js';
import type { FallbackNotices } from './notices.js';
import { EPHEMERAL, type DiscordMessage } from '../discord-api/message.js';
import type {
  AppServices,
  CancelOutcome,
  ConfigOutcome,
  SearchRequest,
  StartOutcome,
  ViewOutcome,
  ViewRequest,
} from './services.js';

export interface EngineAppServicesOptions {
  readonly engine: WorkflowEngine;
  /** Reports for /view, the guild webhook for /config; intakes go through `intakes`. */
  readonly store: GuildSettingsStore & Pick<CheckpointReportStore, 'getReport' | 'searchReports'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly secretBox: SecretBox;
  /** The intake use case: claim, start, recovery. */
  readonly intakes: AnalysisIntakes;
  /** Fallback notices when the interaction token cannot carry a message. */
  readonly notices: FallbackNotices;
  /** Accept webhook URLs under this API base (an emulator); only when DISCORD_API_BASE is not Discord's. */
  readonly allowApiBaseWebhooks?: string | undefined;
  /** A workflow's model spend so far, for /autointel_status (the model ledger's read). */
  readonly llmSpend?: (workflowId: string) => Promise<LlmSpendTotal>;
  /** Where /retrieve_results validates and renders a report: the content pool in the bot; this thread by default. */
  readonly renderer?: ReportRenderer;
  /** A workflow's signed report page, when the deployment has a public URL (AUTOINTEL_PUBLIC_URL). */
  readonly reportPage?: ((workflowId: string) => string) | undefined;
}

/** A report too slow to render for /retrieve_results is shown as the workflow's card instead. */
const RETRIEVE_RENDER_MS = 60_000;

/** Hits shown for one /autointel_search. */
const SEARCH_HITS = 5;

/** A rendered message shown privately to the member who asked. */
const privately = (m: DiscordMessage): DiscordMessage => ({ ...m, flags: EPHEMERAL });

/** Why a view or cancel was not allowed: the same answer for every command that names a workflow. */
type Refusal = Extract<ViewOutcome, { kind: 'not_found' | 'forbidden' }>;

export class EngineAppServices implements AppServices {
  readonly #o: EngineAppServicesOptions;

  constructor(options: EngineAppServicesOptions) {
    this.#o = options;
  }

  async startAnalysis(req: AnalysisIntake): Promise<StartOutcome> {
    const out = await this.#o.intakes.start(req);
    const page = this.#o.reportPage;
    return out.kind === 'earlier' && page !== undefined ? { ...out, reportUrl: page(out.workflowId) } : out;
  }

  async search(req: SearchRequest): Promise<DiscordMessage> {
    const hits = await this.#o.store.searchReports(req.query, {
      limit: SEARCH_HITS,
      scope: scopeOfRequest({ guildId: req.guildId, requesterId: req.userId }),
    });
    const page = this.#o.reportPage;
    return renderSearchResults(req.query, hits, page === undefined ? {} : { pageFor: page });
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
    const spend = await this.#spend(a.workflow.id);
    return {
      kind: 'messages',
      messages: [{ content: renderStatus(a.workflow, now, spend), flags: EPHEMERAL }],
    };
  }

  /** The spend line is extra: a ledger that cannot be read leaves the status without it rather than failing it. */
  async #spend(workflowId: string): Promise<LlmSpendTotal | null> {
    if (this.#o.llmSpend === undefined) return null;
    try {
      return await this.#o.llmSpend(workflowId);
    } catch (e: unknown) {
      this.#o.logger.warn({ err: toAppError(e), workflowId }, 'model spend could not be read for status');
      return null;
    }
  }

  async retrieve(req: ViewRequest): Promise<ViewOutcome> {
    const a = await this.#authorised(req, false);
    if (!a.ok) return a.outcome;
    const wf = a.workflow;
    const now = this.#o.clock.now();
    if (wf.status === 'completed' && wf.reportId !== null) {
      const stored = await this.#o.store.getReport(wf.reportId);
      if (stored !== null) {
        const rendered = await (this.#o.renderer ?? inlineReportRenderer)(
          { workflowId: wf.id, report: stored.report, reportUrl: null, chart: false },
          AbortSignal.timeout(RETRIEVE_RENDER_MS),
        );
        if (rendered.kind === 'rendered')
          return { kind: 'messages', messages: rendered.messages.map(privately) };
        this.#o.logger.warn({ workflowId: wf.id, err: rendered.error }, 'stored report could not be read');
      }
    }
    if (wf.status === 'failed' || wf.status === 'cancelled') {
      return { kind: 'messages', messages: [privately(renderOutcome(wf))] };
    }
    const progress = wf.progress ?? {
      stage: 'queued',
      percent: 0,
      message: 'Waiting for a worker',
      updatedAt: now,
    };
    const card = renderProgressCard(progress, wf.id, now - wf.createdAt);
    return { kind: 'messages', messages: [privately(card)] };
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
    // The interaction itself is gone: the guild webhook, the default webhook, then the channel.
    await this.#o.notices.tell(
      { interactionId: info.id, userId: info.userId, guildId: info.guildId, channelId: info.channelId },
      message,
    );
  }
}
