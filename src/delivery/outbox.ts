// The delivery outbox: renders once, stores every part, sends unconfirmed parts in order through the best live target,
// records each part when Discord confirms it, and keeps a progress card edited in place. Implements WorkflowNotifier.
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { SerializedJson } from '../core/json.js';
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { SecretBox } from '../core/secrets.js';
import type {
  DeliveryPart,
  ProgressCard,
  StoredError,
  StoredReport,
  GuildSettingsStore,
  OutboxStore,
  RunLease,
  WorkflowRecord,
} from '../store/store.js';
import type { DeliveryResult, WorkflowNotifier } from '../workflow/notifier.js';
import type { DiscordRestClient, RestResult } from '../discord-api/rest.js';
import { asDiscordMessage, type DiscordMessage } from '../discord-api/message.js';
import { renderOutcome, renderProgressCard, renderProgressDone } from './render.js';
import { inlineReportRenderer, type ReportRenderer } from './render-job.js';
import type { Target, TargetDeps, TargetName } from './targets.js';
import { editOnTarget, interactionUsable, resolveTargets, sendToTarget } from './targets.js';

export interface DeliveryOutboxOptions {
  readonly store: OutboxStore & GuildSettingsStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly secretBox: SecretBox;
  readonly rest: DiscordRestClient;
  /** `DISCORD_API_BASE`; webhook URLs under it are accepted only with `allowApiBaseWebhooks`. */
  readonly apiBase: string;
  readonly defaultWebhook?: string | undefined;
  readonly botToken?: string | undefined;
  /** Tests and demos against the emulator: accept webhook URLs under `apiBase`. */
  readonly allowApiBaseWebhooks?: boolean;
  /** At most one progress-card edit per card in this interval (default 5 s). */
  readonly progressMinIntervalMs?: number;
  /** Capped exponential backoff after 5xx / timeouts / resets. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** Ambiguous failures in a row on one part before handing back to the engine with `retry`. */
  readonly maxTransientPerPart?: number;
  /** Total 429 waiting per part before handing back to the engine with `retry`. */
  readonly maxRateLimitWaitMs?: number;
  /** How many recent channel messages to read when reconciling an ambiguous send. */
  readonly reconcileDepth?: number;
  /** Where reports are validated and rendered: the content pool in the bot; this thread by default. */
  readonly renderer?: ReportRenderer;
  /** Whether a delivered report carries its sentiment chart (default false). */
  readonly charts?: boolean;
  /** The signed link to a report's page, when the deployment has a public URL. */
  readonly reportLink?: (workflowId: string) => string | null;
}

export const DefaultDeliveryOutboxOptions = {
  progressMinIntervalMs: 5_000,
  backoff: { baseMs: 500, maxMs: 30_000 },
  maxTransientPerPart: 8,
  maxRateLimitWaitMs: 180_000,
  reconcileDepth: 50,
} as const;

const IN_FLIGHT = 'delivery.in_flight';
const AMBIGUOUS = 'delivery.ambiguous';
const TARGET_IN_MESSAGE = /via (interaction|webhook:guild|webhook:default|channel)\b/;

type PartOutcome =
  | { readonly kind: 'sent' }
  | { readonly kind: 'lease_lost' }
  | { readonly kind: 'failed'; readonly error: StoredError }
  | { readonly kind: 'retry'; readonly delayMs: number };

/** The footer (or content) that identifies a delivered part in a channel. */
export function markerOf(payload: DiscordMessage): string | null {
  const footer = payload.embeds?.at(-1)?.footer?.text;
  if (footer !== undefined) return footer;
  return payload.content !== undefined && payload.content !== '' ? payload.content.slice(0, 200) : null;
}

export class DeliveryOutbox implements WorkflowNotifier {
  readonly #o: DeliveryOutboxOptions;
  readonly #targets: TargetDeps;
  readonly #progressInFlight = new Set<string>();
  readonly #lastStage = new Map<string, string>();

  constructor(options: DeliveryOutboxOptions) {
    const interval = options.progressMinIntervalMs ?? DefaultDeliveryOutboxOptions.progressMinIntervalMs;
    if (!(interval >= 0)) throw new RangeError(`progressMinIntervalMs must be ≥ 0, received ${interval}`);
    this.#o = options;
    this.#targets = {
      store: options.store,
      secretBox: options.secretBox,
      clock: options.clock,
      defaultWebhook: options.defaultWebhook,
      botToken: options.botToken,
      allowApiBaseWebhooks: options.allowApiBaseWebhooks === true ? options.apiBase : undefined,
    };
  }

  // ---- progress card ----

  async progress(workflow: WorkflowRecord): Promise<void> {
    const id = workflow.id;
    if (workflow.progress === null || this.#progressInFlight.has(id)) return;
    this.#progressInFlight.add(id);
    try {
      const now = this.#o.clock.now();
      const card = await this.#o.store.getProgressCard(id);
      const percent = Math.round(workflow.progress.percent);
      const stage = workflow.progress.stage;
      const interval = this.#o.progressMinIntervalMs ?? DefaultDeliveryOutboxOptions.progressMinIntervalMs;
      if (card !== null) {
        if (now - card.lastEditAt < interval) return;
        const last = this.#lastStage.get(id);
        if (card.lastPercent === percent && (last === undefined || last === stage)) return;
      }
      const msg = renderProgressCard(workflow.progress, id, now - (workflow.startedAt ?? workflow.createdAt));
      if (await this.#placeCard(workflow, card, msg, percent)) this.#lastStage.set(id, stage);
    } catch (e: unknown) {
      this.#o.logger.warn({ workflowId: id, err: toAppError(e) }, 'progress card update failed');
    } finally {
      this.#progressInFlight.delete(id);
    }
  }

  /**
   * Edits the card where it lives: `@original` while the interaction token safely lives, then a webhook (or bot)
   * message, created once and edited from then on — webhook tokens do not expire.
   */
  async #placeCard(
    workflow: WorkflowRecord,
    card: ProgressCard | null,
    msg: DiscordMessage,
    percent: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const ref = workflow.request.delivery;
    const now = this.#o.clock.now();
    const save = async (target: string, messageId: string): Promise<boolean> => {
      await this.#o.store.saveProgressCard({
        workflowId: workflow.id,
        target,
        messageId,
        lastEditAt: now,
        lastPercent: percent,
      });
      return true;
    };
    const targets = await resolveTargets(ref, this.#targets);
    const interaction = targets.find((t) => t.name === 'interaction');
    if (
      interaction !== undefined &&
      interactionUsable(ref, now) &&
      (card === null || card.target === 'interaction')
    ) {
      const r = await editOnTarget(this.#o.rest, interaction, '@original', msg, signal);
      if (r.kind === 'ok') return save('interaction', '@original');
      if (r.kind !== 'rejected') return false;
    }
    if (card !== null && card.messageId !== null && card.target !== 'interaction') {
      const t = targets.find((x) => x.name === card.target);
      if (t !== undefined && t.name !== 'interaction') {
        const r = await editOnTarget(this.#o.rest, t, card.messageId, msg, signal);
        if (r.kind === 'ok') return save(card.target, card.messageId);
        if (r.kind !== 'rejected') return false;
      }
    }
    // Move (or first place) the card on a target that does not expire.
    for (const t of targets) {
      if (t.name === 'interaction') continue;
      const r = await sendToTarget(this.#o.rest, t, msg, { ...(signal === undefined ? {} : { signal }) });
      if (r.kind === 'ok') return save(t.name, r.messageId);
      if (r.kind !== 'rejected') return false;
    }
    return false;
  }

  // ---- report and outcome ----

  async deliverReport(
    workflow: WorkflowRecord,
    report: StoredReport,
    signal: AbortSignal,
    run: RunLease | null = null,
  ): Promise<DeliveryResult> {
    await this.#finishCard(workflow, signal);
    return this.#deliver(
      workflow,
      'report',
      0,
      async () => {
        // Validated and rendered once, off this thread in the bot; a resumed delivery finds the stored parts.
        const rendered = await (this.#o.renderer ?? inlineReportRenderer)(
          {
            workflowId: workflow.id,
            // Text stays text: the job parses it on its own thread.
            ...(report.report instanceof SerializedJson
              ? { report: null, reportJson: report.report.text }
              : { report: report.report }),
            reportUrl: this.#o.reportLink?.(workflow.id) ?? null,
            chart: this.#o.charts === true,
          },
          signal,
        );
        if (rendered.kind === 'invalid') return rendered.error;
        if (rendered.chartError !== null)
          this.#o.logger.warn(
            { workflowId: workflow.id, reason: rendered.chartError },
            'chart could not be rendered',
          );
        return rendered.messages;
      },
      signal,
      run,
    );
  }

  async deliverOutcome(
    workflow: WorkflowRecord,
    signal: AbortSignal,
    run: RunLease | null = null,
  ): Promise<DeliveryResult> {
    return this.#deliver(workflow, 'outcome', 10_000, () => [renderOutcome(workflow)], signal, run);
  }

  /** One last edit of an existing card, so it does not sit at "in progress" once the report is out. */
  async #finishCard(workflow: WorkflowRecord, signal: AbortSignal): Promise<void> {
    try {
      const card = await this.#o.store.getProgressCard(workflow.id);
      // lastPercent 101 marks a card already turned into "complete".
      if (card === null || card.lastPercent >= 101) return;
      const now = this.#o.clock.now();
      const msg = renderProgressDone(workflow.id, now - (workflow.startedAt ?? workflow.createdAt));
      await this.#placeCard(workflow, card, msg, 101, signal);
    } catch (e: unknown) {
      this.#o.logger.warn({ workflowId: workflow.id, err: toAppError(e) }, 'final progress card edit failed');
    }
  }

  async #deliver(
    workflow: WorkflowRecord,
    prefix: string,
    seqBase: number,
    /** The messages, or why there are none (recorded as a failed delivery). */
    render: () => DiscordMessage[] | StoredError | Promise<DiscordMessage[] | StoredError>,
    signal: AbortSignal,
    run: RunLease | null,
  ): Promise<DeliveryResult> {
    const store = this.#o.store;
    const id = workflow.id;
    const mine = (parts: DeliveryPart[]): DeliveryPart[] =>
      parts.filter((p) => p.partKey.startsWith(`${prefix}:`)).sort((a, b) => a.seq - b.seq);
    try {
      let parts = mine(await store.listDeliveryParts(id));
      if (parts.length === 0) {
        // Rendered once; a concurrent or resumed delivery finds these rows and never renders again.
        const rendered = await render();
        if (!Array.isArray(rendered)) {
          await store.setDeliveryState(id, 'failed', { error: rendered, now: this.#o.clock.now() });
          return { kind: 'failed', error: rendered };
        }
        await store.addDeliveryParts(
          id,
          rendered.map((payload, i) => ({ partKey: `${prefix}:${i}`, seq: seqBase + i, payload })),
        );
        parts = mine(await store.listDeliveryParts(id));
      }
      await store.setDeliveryState(id, 'delivering', { error: null, now: this.#o.clock.now() });
      const failedTargets = new Set<TargetName>();
      for (const part of parts) {
        if (part.status === 'sent') continue;
        const r = await this.#sendPart(workflow, part, failedTargets, signal, run);
        // Another run holds the workflow now: it owns the delivery state and the parts still to send.
        if (r.kind === 'lease_lost') return r;
        if (r.kind === 'failed') {
          await store.setDeliveryState(id, 'failed', { error: r.error, now: this.#o.clock.now() });
          return r;
        }
        if (r.kind === 'retry') {
          await store.setDeliveryState(id, 'pending', { error: null, now: this.#o.clock.now() });
          return r;
        }
      }
      await store.setDeliveryState(id, 'delivered', { error: null, now: this.#o.clock.now() });
      return { kind: 'delivered' };
    } catch (e: unknown) {
      const err = toAppError(e, 'delivery.unexpected');
      this.#o.logger.warn({ workflowId: id, err }, 'delivery interrupted');
      return { kind: 'retry', delayMs: signal.aborted ? 0 : this.#backoff(1) };
    }
  }

  #backoff(n: number): number {
    const b = this.#o.backoff ?? DefaultDeliveryOutboxOptions.backoff;
    const raw = Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, n - 1));
    return Math.round(raw * (0.8 + Math.random() * 0.4));
  }

  async #sendPart(
    workflow: WorkflowRecord,
    part: DeliveryPart,
    failedTargets: Set<TargetName>,
    signal: AbortSignal,
    run: RunLease | null,
  ): Promise<PartOutcome> {
    const store = this.#o.store;
    const clock = this.#o.clock;
    const payload = asDiscordMessage(part.payload);
    if (payload === null) {
      const error = { code: 'delivery.invalid_part', message: 'A stored message could not be read.' };
      await store.markPartAttempt(workflow.id, part.partKey, { error, failed: true, now: clock.now() });
      return { kind: 'failed', error };
    }
    const maxTransient = this.#o.maxTransientPerPart ?? DefaultDeliveryOutboxOptions.maxTransientPerPart;
    const maxWait = this.#o.maxRateLimitWaitMs ?? DefaultDeliveryOutboxOptions.maxRateLimitWaitMs;
    // A part whose last attempt may have reached Discord (crash mid-send, 5xx, timeout) is looked for first.
    let ambiguous: TargetName | null = null;
    if (part.lastError !== null && (part.lastError.code === IN_FLIGHT || part.lastError.code === AMBIGUOUS)) {
      ambiguous =
        (TARGET_IN_MESSAGE.exec(part.lastError.message)?.[1] as TargetName | undefined) ?? 'channel';
    }
    let transient = 0;
    let waited = 0;
    let lastRejection: StoredError | null = null;
    for (;;) {
      signal.throwIfAborted();
      if (ambiguous !== null) {
        const found = await this.#reconcile(workflow, payload, signal);
        if (found !== null) {
          await store.markPartSent(workflow.id, part.partKey, {
            target: ambiguous,
            messageId: found,
            now: clock.now(),
          });
          this.#o.logger.info(
            { workflowId: workflow.id, part: part.partKey },
            'ambiguous send found delivered',
          );
          return { kind: 'sent' };
        }
        ambiguous = null;
      }
      const targets = (await resolveTargets(workflow.request.delivery, this.#targets)).filter(
        (t) => !failedTargets.has(t.name),
      );
      const target = targets[0];
      if (target === undefined) {
        const error = lastRejection ?? {
          code: 'delivery.no_target',
          message: 'No Discord channel or webhook is available to deliver the report.',
        };
        await store.markPartAttempt(workflow.id, part.partKey, { error, failed: true, now: clock.now() });
        return { kind: 'failed', error };
      }
      // Fenced by the run's lease: a run that lost it stops here, before this part reaches Discord.
      const held = await store.markPartAttempt(workflow.id, part.partKey, {
        error: { code: IN_FLIGHT, message: `sending via ${target.name}` },
        failed: false,
        now: clock.now(),
        run,
      });
      if (!held) return { kind: 'lease_lost' };
      const res = await this.#sendVia(target, payload, workflow.id, part.partKey, signal);
      const now = clock.now();
      switch (res.kind) {
        case 'ok':
          await store.markPartSent(workflow.id, part.partKey, {
            target: target.name,
            messageId: res.messageId,
            now,
          });
          return { kind: 'sent' };
        case 'rate_limited': {
          // Not applied. The limiter now holds this bucket until retry_after; the next acquire waits for it.
          waited += res.retryAfterMs;
          const error = { code: 'discord.rate_limited', message: `rate limited via ${target.name}` };
          await store.markPartAttempt(workflow.id, part.partKey, { error, failed: false, now });
          if (waited > maxWait) return { kind: 'retry', delayMs: res.retryAfterMs };
          break;
        }
        case 'transient': {
          transient++;
          const error = {
            code: AMBIGUOUS,
            message: `no answer via ${target.name}: ${res.error}`.slice(0, 300),
          };
          await store.markPartAttempt(workflow.id, part.partKey, { error, failed: false, now });
          ambiguous = target.name;
          const delay = this.#backoff(transient);
          if (transient >= maxTransient) return { kind: 'retry', delayMs: delay };
          await clock.sleep(delay, signal);
          break;
        }
        case 'rejected': {
          lastRejection = {
            code: `discord.${res.code !== 0 ? res.code : `http_${res.status}`}`,
            message: `Discord refused the message via ${target.name} (HTTP ${res.status}).`,
          };
          await store.markPartAttempt(workflow.id, part.partKey, {
            error: lastRejection,
            failed: false,
            now,
          });
          failedTargets.add(target.name);
          this.#o.logger.warn(
            {
              workflowId: workflow.id,
              part: part.partKey,
              target: target.name,
              status: res.status,
              code: res.code,
            },
            'target refused a part; falling back to the next target',
          );
          break;
        }
      }
    }
  }

  #sendVia(
    target: Target,
    payload: DiscordMessage,
    workflowId: string,
    partKey: string,
    signal: AbortSignal,
  ): Promise<RestResult> {
    // A part's stable identity: on the channel route Discord drops a second message with the same nonce.
    const nonce = createHash('sha256').update(`${workflowId}/${partKey}`).digest('base64url').slice(0, 25);
    return sendToTarget(this.#o.rest, target, payload, { nonce, signal });
  }

  /**
   * Looks for a part whose send was ambiguous among the channel's recent messages (needs the bot token and the
   * channel id): its footer marker names workflow and part. Returns the message id when found. Residual risk:
   * a webhook posting to another channel, or no bot token, cannot be checked — the part is then sent again and a
   * duplicate is possible when Discord had applied the first request despite the 5xx/timeout.
   */
  async #reconcile(
    workflow: WorkflowRecord,
    payload: DiscordMessage,
    signal: AbortSignal,
  ): Promise<string | null> {
    const channelId = workflow.request.delivery.channelId;
    const botToken = this.#o.botToken;
    const marker = markerOf(payload);
    if (channelId === undefined || botToken === undefined || marker === null) return null;
    const depth = this.#o.reconcileDepth ?? DefaultDeliveryOutboxOptions.reconcileDepth;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const res = await this.#o.rest.listChannelMessages(channelId, depth, signal);
      if (res.kind === 'ok') {
        const hit = res.messages.find((m) => m.footers.includes(marker) || m.content === marker);
        return hit !== undefined && hit.id !== '' ? hit.id : null;
      }
      if (res.kind === 'rejected') return null;
      await this.#o.clock.sleep(
        res.kind === 'rate_limited' ? res.retryAfterMs : this.#backoff(attempt),
        signal,
      );
    }
    return null;
  }
}
