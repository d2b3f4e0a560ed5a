// The durable workflow engine: accepts requests, runs a claimed workflow's stages with checkpoints, and settles it.
import { PermanentError, toAppError, type AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { jsonText, SerializedJson } from '../core/json.js';
import { partialKey, type Stage, type StageContext, type StageOutcome } from '../core/stage.js';
import { attemptsExhausted } from '../store/run-rules.js';
import {
  scopeOfRequest,
  type RunLease,
  type StoredError,
  type StoredReport,
  type WorkflowProgress,
  type WorkflowRecord,
  type WorkflowRequest,
} from '../store/store.js';
import type { DeliveryResult } from './notifier.js';
import type { JobOutcome, QueueJob } from './queue.js';
import {
  abortCodeOf,
  abortReason,
  DefaultWorkflowEngineOptions,
  DEPTH_PRIORITY,
  type StartOptions,
  type StartOutcome,
  type WorkflowEngineOptions,
} from './types.js';
import { inlineReportFields } from '../analysis/report-search.js';

/** Checkpoint key under which a final failure is recorded before the requester is told (never a stage name). */
export const FAILURE_CHECKPOINT = '@failure';
export const WORKER_READY_MESSAGE = 'Background worker initialized (unlimited analysis time enabled)';
const HOUR_MS = 3_600_000;

const FINISHED: JobOutcome = { kind: 'finished' };

function requirePositive(name: string, value: number, allowZero = false): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(
      `WorkflowEngine: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, received ${value}`,
    );
  }
}

const safe = (e: AppError): StoredError => ({ code: e.code, message: e.userMessage });

/** What one run of a claimed workflow carries around. */
interface RunState {
  readonly id: string;
  /** This run's claim: every write names it, and the store refuses it once another run holds the workflow. */
  readonly lease: RunLease;
  readonly request: WorkflowRequest;
  /** Aborted by the queue (via the job signal) or by `cancel()` in this process. */
  readonly controller: AbortController;
  attempts: number;
  /** The row as last read; progress views are built from it instead of re-reading the store. */
  record: WorkflowRecord;
}

export class WorkflowEngine {
  readonly #o: WorkflowEngineOptions;
  readonly #concurrency: number;
  readonly #purgeIntervalMs: number;
  readonly #progressIntervalMs: number;
  readonly #random: () => number;
  readonly #running = new Map<string, RunState>();
  /** Fires when the engine stops: bounds deliveries that run after the job's own signal was spent. */
  readonly #life = new AbortController();
  readonly #background = new Set<Promise<unknown>>();
  #maintenance: Promise<void> | null = null;
  #consuming = false;

  /** The run function every queue adapter calls once it holds `job.workflowId`'s lease (see types.ts). */
  readonly runClaimed = (job: QueueJob): Promise<JobOutcome> => this.#runClaimed(job);

  constructor(options: WorkflowEngineOptions) {
    if (typeof options.owner !== 'string' || options.owner.length === 0) {
      throw new RangeError(
        `WorkflowEngine: owner must be a non-empty string, received ${String(options.owner)}`,
      );
    }
    requirePositive('leaseMs', options.leaseMs);
    requirePositive('retry.baseMs', options.retry.baseMs);
    requirePositive('retry.maxMs', options.retry.maxMs);
    requirePositive('retry.maxAttempts', options.retry.maxAttempts);
    requirePositive('limits.perUserPerHour', options.limits.perUserPerHour, true);
    requirePositive('limits.perGuildConcurrent', options.limits.perGuildConcurrent);
    requirePositive('freshnessMs', options.freshnessMs, true);
    requirePositive('retentionMs', options.retentionMs);
    this.#o = options;
    this.#concurrency = options.concurrency ?? DefaultWorkflowEngineOptions.concurrency;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new RangeError(
        `WorkflowEngine: concurrency must be a positive integer, received ${this.#concurrency}`,
      );
    }
    this.#purgeIntervalMs = options.purgeIntervalMs ?? DefaultWorkflowEngineOptions.purgeIntervalMs;
    requirePositive('purgeIntervalMs', this.#purgeIntervalMs);
    this.#progressIntervalMs = options.progressIntervalMs ?? DefaultWorkflowEngineOptions.progressIntervalMs;
    requirePositive('progressIntervalMs', this.#progressIntervalMs, true);
    this.#random = options.random ?? Math.random;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Accepting requests

  /**
   * Persists the request (durable before the id is returned) and hands it to the queue. Idempotent on the
   * interaction id; refuses over-quota requesters; serves a fresh url+depth result as a delivery-only workflow.
   */
  async start(request: WorkflowRequest, options: StartOptions = {}): Promise<StartOutcome> {
    const { store, clock, limits } = this.#o;
    const now = clock.now();
    if (request.requesterId !== null && limits.perUserPerHour > 0) {
      const recent = await store.countCreatedSince({
        requesterId: request.requesterId,
        since: now - HOUR_MS,
      });
      if (recent >= limits.perUserPerHour) {
        return {
          kind: 'refused',
          code: 'workflow.quota_exceeded',
          reason:
            `You have started ${recent} analyses in the last hour; the limit is ${limits.perUserPerHour} per hour. ` +
            'Please try again later.',
        };
      }
    }

    // The newest result this requester's server (or, outside one, this requester) already has for url+depth: served
    // as it is while fresh, otherwise offered instead of a new run unless a re-run was asked for. A freshness window
    // of 0 means every request runs anew: nothing is served or offered.
    const offer = options.offerEarlier === true && this.#o.freshnessMs > 0;
    const latest =
      this.#o.freshnessMs > 0 || offer
        ? await store.findLatestResult({
            url: request.url,
            depth: request.depth,
            since: offer ? 0 : now - this.#o.freshnessMs,
            scope: scopeOfRequest(request),
          })
        : null;
    const fresh =
      latest !== null && this.#o.freshnessMs > 0 && latest.finishedAt >= now - this.#o.freshnessMs
        ? latest
        : null;
    if (latest !== null && fresh === null && request.interactionId !== null) {
      // A retried interaction whose workflow exists is answered as before, not with an offer.
      const existing = await store.getWorkflowByInteraction(request.interactionId);
      if (existing !== null) return this.#existing(existing);
    }
    if (latest !== null && fresh === null) {
      return { kind: 'earlier', workflowId: latest.workflowId, finishedAt: latest.finishedAt };
    }

    const { workflow, created } = await store.createWorkflow({ id: newId(), request, now });
    if (!created) return this.#existing(workflow);
    if (fresh !== null) {
      const checkpoints = await store.getCheckpoints(fresh.workflowId);
      delete checkpoints[FAILURE_CHECKPOINT];
      await store.seedCheckpoints(workflow.id, checkpoints, now);
      await this.#enqueue(workflow);
      this.#o.logger.info(
        { workflowId: workflow.id, source: fresh.workflowId },
        'serving a fresh stored result',
      );
      return { kind: 'cached', workflow, sourceWorkflowId: fresh.workflowId };
    }
    await this.#enqueue(workflow);
    this.#o.logger.info(
      { workflowId: workflow.id, depth: request.depth, origin: request.origin },
      'workflow accepted',
    );
    return { kind: 'started', workflow };
  }

  /** A retried interaction: the row may have been created by a start() that died before enqueueing. */
  async #existing(workflow: WorkflowRecord): Promise<StartOutcome> {
    if (workflow.status === 'queued') await this.#enqueue(workflow);
    return { kind: 'existing', workflow };
  }

  async #enqueue(workflow: WorkflowRecord): Promise<void> {
    const delayMs = Math.max(0, workflow.runAfter - this.#o.clock.now());
    try {
      await this.#o.queue.enqueue(workflow.id, {
        priority: DEPTH_PRIORITY[workflow.request.depth],
        guildId: workflow.request.guildId,
        ...(delayMs > 0 ? { delayMs } : {}),
      });
    } catch (e: unknown) {
      // The row is durable and stays queued: resumeAll() on the next start re-enqueues it.
      this.#o.logger.error(
        { err: toAppError(e, 'queue.enqueue_failed'), workflowId: workflow.id },
        'enqueue failed',
      );
    }
  }

  async get(id: string): Promise<WorkflowRecord | null> {
    return this.#o.store.getWorkflow(id);
  }

  /**
   * Requests cancellation. A queued workflow is cancelled at once and its requester told; a running one stops
   * at its stage's AbortSignal — at once in this process, at the next heartbeat in another.
   */
  async cancel(id: string, by: string): Promise<WorkflowRecord | null> {
    const { store, clock, logger } = this.#o;
    const before = await store.getWorkflow(id);
    if (before === null) return null;
    const after = await store.requestCancel(id, clock.now());
    if (after === null) return null;
    logger.info({ workflowId: id, by, status: after.status }, 'cancellation requested');
    if (before.status === 'queued' && after.status === 'cancelled') {
      this.#track(this.#tellOutcome(this.#cancelledView(after), this.#life.signal));
    } else if (after.status === 'running') {
      const local = this.#running.get(id);
      if (local !== undefined) local.controller.abort(abortReason('workflow.cancel_requested'));
      else if (this.#o.broadcastCancel !== undefined) {
        // The flag is durable already; a lost broadcast only delays the stop until the worker's next heartbeat.
        await this.#o.broadcastCancel(id).catch((e: unknown) => {
          logger.warn({ workflowId: id, err: toAppError(e) }, 'cancel broadcast failed');
        });
      }
    }
    return after;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lifecycle

  /** Starts consuming, re-enqueues every unfinished row, and starts the retention purge. */
  async resumeAll(): Promise<void> {
    if (this.#consuming) return;
    if (this.#o.pipeline === null)
      throw new Error('WorkflowEngine: an engine without a pipeline starts workflows but cannot run them');
    const { store, queue, logger } = this.#o;
    await queue.start(this.runClaimed, { concurrency: this.#concurrency });
    this.#consuming = true;
    const unfinished = await store.listWorkflows({ statuses: ['queued', 'running'] });
    for (const w of unfinished) await this.#enqueue(w);
    logger.info(WORKER_READY_MESSAGE);
    this.#maintenance = this.#maintain();
  }

  /** Deletes finished workflows older than the retention window; returns how many. */
  async purge(): Promise<number> {
    const removed = await this.#o.store.purgeFinishedBefore(this.#o.clock.now() - this.#o.retentionMs);
    if (removed > 0) this.#o.logger.info({ removed }, 'purged finished workflows past retention');
    return removed;
  }

  async #maintain(): Promise<void> {
    while (!this.#life.signal.aborted) {
      try {
        await this.purge();
      } catch (e: unknown) {
        this.#o.logger.error({ err: toAppError(e, 'workflow.purge_failed') }, 'retention purge failed');
      }
      try {
        await this.#o.clock.sleep(this.#purgeIntervalMs, this.#life.signal);
      } catch {
        return;
      }
    }
  }

  /** Stops taking work; running stages get `graceMs`, then their signal fires and they are released. */
  async stop(options: { readonly graceMs: number } = { graceMs: 10_000 }): Promise<void> {
    const forced = new AbortController();
    const deadline = this.#o.clock.sleep(options.graceMs, forced.signal).then(
      () => this.#life.abort(abortReason('queue.shutdown')),
      () => undefined,
    );
    try {
      if (this.#consuming) await this.#o.queue.stop(options);
    } finally {
      forced.abort();
      await deadline;
      this.#life.abort(abortReason('queue.shutdown'));
      await this.#maintenance;
      await Promise.allSettled([...this.#background]);
      this.#consuming = false;
    }
  }

  #track(p: Promise<unknown>): void {
    this.#background.add(p);
    void p.finally(() => this.#background.delete(p));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Running a claimed workflow

  async #runClaimed(job: QueueJob): Promise<JobOutcome> {
    const { store, logger } = this.#o;
    if (this.#running.has(job.workflowId)) {
      // The queues never hand out a workflow this process is running; if one did, the live run keeps it.
      logger.error(
        { workflowId: job.workflowId },
        'handed a workflow this process is already running; skipping',
      );
      return FINISHED;
    }
    const rec = await store.getWorkflow(job.workflowId);
    if (rec === null || rec.status !== 'running' || rec.runId !== job.runId) {
      logger.warn({ workflowId: job.workflowId }, 'handed a run that no longer holds its workflow; skipping');
      return FINISHED;
    }
    const controller = new AbortController();
    const onJobAbort = (): void => controller.abort(job.signal.reason);
    if (job.signal.aborted) onJobAbort();
    else job.signal.addEventListener('abort', onJobAbort, { once: true });
    const run: RunState = {
      id: rec.id,
      lease: { workflowId: rec.id, runId: job.runId },
      request: rec.request,
      controller,
      attempts: rec.attempts,
      record: rec,
    };
    this.#running.set(rec.id, run);
    try {
      return await this.#execute(run, rec);
    } catch (e: unknown) {
      // Store trouble mid-run: give the workflow back so it resumes from its last checkpoint.
      const error = toAppError(e, 'workflow.internal');
      logger.error({ err: error, workflowId: rec.id }, 'workflow run failed unexpectedly; releasing it');
      return this.#retryLater(run, error);
    } finally {
      job.signal.removeEventListener('abort', onJobAbort);
      this.#running.delete(rec.id);
    }
  }

  async #execute(run: RunState, rec: WorkflowRecord): Promise<JobOutcome> {
    const { store, clock, limits } = this.#o;
    const pipeline = this.#o.pipeline;
    // resumeAll() refuses an engine without a pipeline, so no run reaches here without one.
    if (pipeline === null) throw new Error('WorkflowEngine: no pipeline to run workflows with');
    const signal = run.controller.signal;
    if (rec.cancelRequested) return this.#finishCancelled(run);

    // BullMQ hands out ids without the store's guild-aware claim; hold the limit here as well. The claim did no
    // work, so it is not counted against the attempt limit.
    if (rec.request.guildId !== null) {
      const running = await store.countRunning({ guildId: rec.request.guildId });
      if (running > limits.perGuildConcurrent) {
        const delayMs = this.#o.retry.baseMs;
        const now = clock.now();
        await store.release(run.lease, { now, runAfter: now + delayMs, error: null, refund: true });
        return { kind: 'retry', delayMs };
      }
    }

    const outputs: Record<string, unknown> = await store.getCheckpoints(run.id);
    const failure = outputs[FAILURE_CHECKPOINT] as StoredError | undefined;
    if (failure !== undefined) return this.#finishFailed(run, failure);
    // Every earlier claim ran stages and none settled the workflow (each process died or stalled past its lease):
    // this claim runs no stage, it only tells the requester why the workflow stops. The store fails it outright
    // should even this claim die (see claimLimit).
    if (rec.attempts > this.#o.retry.maxAttempts) {
      const exhausted = attemptsExhausted(rec.attempts - 1, rec.lastError);
      return this.#finalFailure(
        run,
        new PermanentError(exhausted.code, exhausted.message, { userMessage: exhausted.message }),
      );
    }

    const stages = pipeline.stagesFor(rec.request.depth);
    const last = stages[stages.length - 1];
    if (last === undefined) {
      return this.#finalFailure(
        run,
        new PermanentError('workflow.empty_pipeline', `No stages for depth ${rec.request.depth}`, {
          userMessage: 'This analysis depth has no stages configured.',
        }),
      );
    }
    // A pipeline whose weights are all zero still shows progress: every stage then counts as one.
    const rawWeights = stages.map((s) => (Number.isFinite(s.weight) ? Math.max(0, s.weight) : 0));
    const allZero = rawWeights.every((w) => w === 0);
    const weights = allZero ? stages.map(() => 1) : rawWeights;
    const totalWeight = weights.reduce((sum, w) => sum + w, 0);
    let doneWeight = 0;
    for (const [index, stage] of stages.entries()) {
      const weight = weights[index] ?? 0;
      if (Object.hasOwn(outputs, stage.name)) {
        doneWeight += weight;
        continue;
      }
      if (signal.aborted) return this.#onAbort(run);
      const outcome = await this.#runStage(run, stage, outputs, { doneWeight, weight, totalWeight });
      if (outcome.kind === 'failed') {
        if (signal.aborted) return this.#onAbort(run);
        return this.#onStageFailure(run, outcome.error);
      }
      if (signal.aborted && abortCodeOf(signal) === 'queue.lease_lost') return FINISHED;
      // Serialised once (or already, off the loop, by the stage) and stored as that text; the next stages read it
      // parsed back, so a resumed run sees exactly what a continuous run saw.
      const serialized = new SerializedJson(jsonText(outcome.output));
      if (!(await store.saveCheckpoint(run.lease, stage.name, serialized, clock.now())))
        return this.#lostLease(run);
      // A report the stage had validated and serialised off the loop stays text here: the search fields and the
      // delivery's rendering read it on the content pool.
      outputs[stage.name] =
        stage === last && outcome.output instanceof SerializedJson
          ? serialized
          : (JSON.parse(serialized.text) as unknown);
      doneWeight += weight;
      if (signal.aborted) return this.#onAbort(run);
      // Cancellation and lease are checked at every checkpoint, not only at the queue's heartbeats: one renewal
      // answers both (attempts cannot change while this worker holds the lease).
      const beat = await store.heartbeat(run.lease, { now: clock.now(), leaseMs: this.#o.leaseMs });
      if (!beat.held) return this.#lostLease(run);
      if (beat.cancelRequested) {
        run.controller.abort(abortReason('workflow.cancel_requested'));
        return this.#finishCancelled(run);
      }
    }
    return this.#deliver(run, outputs[last.name]);
  }

  async #runStage(
    run: RunState,
    stage: Stage,
    outputs: Record<string, unknown>,
    share: { readonly doneWeight: number; readonly weight: number; readonly totalWeight: number },
  ): Promise<StageOutcome> {
    const { clock, logger } = this.#o;
    const percentAt = (fraction: number): number => {
      const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
      return Math.round(((share.doneWeight + f * share.weight) / share.totalWeight) * 1000) / 10;
    };
    let lastWrite = -Infinity;
    let chain: Promise<void> = Promise.resolve();
    const report = (fraction: number, message: string, force: boolean): void => {
      const now = clock.now();
      if (!force && now - lastWrite < this.#progressIntervalMs) return;
      lastWrite = now;
      const progress = { stage: stage.name, percent: percentAt(fraction), message, updatedAt: now };
      chain = chain.then(() => this.#writeProgress(run, progress));
    };
    const ctx: StageContext = {
      signal: run.controller.signal,
      clock,
      logger: logger.child({ workflowId: run.id, stage: stage.name }),
      progress: (fraction, message) => report(fraction, message ?? stage.name, false),
      partials: {
        load: (key) => outputs[partialKey(stage.name, key)],
        save: async (key, value) => {
          const name = partialKey(stage.name, key);
          const text = new SerializedJson(jsonText(value));
          if (!(await this.#o.store.saveCheckpoint(run.lease, name, text, clock.now()))) {
            // Another run holds the workflow now: this stage must stop, and its partial is not kept.
            run.controller.abort(abortReason('queue.lease_lost'));
            return;
          }
          // A later load in this same run sees it, as a resumed run would.
          outputs[name] = JSON.parse(text.text) as unknown;
        },
      },
    };
    report(0, `Running ${stage.name}`, true);
    let outcome: StageOutcome;
    try {
      outcome = await stage.run(
        {
          workflowId: run.id,
          url: run.request.url,
          depth: run.request.depth,
          guildId: run.request.guildId,
          requesterId: run.request.requesterId,
          outputs,
        },
        ctx,
      );
    } catch (e: unknown) {
      outcome = { kind: 'failed', error: toAppError(e, `stage.${stage.name}.unexpected`) };
    }
    await chain;
    return outcome;
  }

  async #writeProgress(run: RunState, progress: WorkflowProgress): Promise<void> {
    try {
      await this.#o.store.updateProgress(run.lease, progress);
      run.record = { ...run.record, progress, updatedAt: progress.updatedAt };
      await this.#o.notifier.progress(run.record);
    } catch (e: unknown) {
      this.#o.logger.warn({ err: toAppError(e), workflowId: run.id }, 'progress update failed');
    }
  }

  async #onStageFailure(run: RunState, error: AppError): Promise<JobOutcome> {
    const { retry, logger } = this.#o;
    if (error.retryable && run.attempts < retry.maxAttempts) {
      logger.warn(
        { err: error, workflowId: run.id, attempts: run.attempts },
        'transient stage failure; will retry',
      );
      return this.#retryLater(run, error);
    }
    return this.#finalFailure(run, error);
  }

  /** Releases the workflow with capped exponential backoff (equal jitter), honouring `retryAfterMs`. */
  async #retryLater(run: RunState, error: AppError | null, fixedDelayMs?: number): Promise<JobOutcome> {
    const { retry, store, clock } = this.#o;
    let delayMs = fixedDelayMs;
    if (delayMs === undefined) {
      const exp = Math.min(retry.maxMs, retry.baseMs * 2 ** Math.max(0, run.attempts - 1));
      delayMs = Math.round(exp / 2 + (this.#random() * exp) / 2);
      if (error?.retryAfterMs !== undefined) delayMs = Math.max(delayMs, error.retryAfterMs);
    }
    // A server-supplied delay (Retry-After: 31536000) must never park a workflow past the retry maximum.
    delayMs = Math.min(delayMs, retry.maxMs);
    const now = clock.now();
    await store.release(run.lease, {
      now,
      runAfter: now + delayMs,
      error: error === null ? null : safe(error),
    });
    return { kind: 'retry', delayMs };
  }

  async #finalFailure(run: RunState, error: AppError): Promise<JobOutcome> {
    const stored = safe(error);
    this.#o.logger.warn({ err: error, workflowId: run.id }, 'workflow failed');
    // Recorded first, so a crash before the requester is told resumes straight into telling them.
    if (!(await this.#o.store.saveCheckpoint(run.lease, FAILURE_CHECKPOINT, stored, this.#o.clock.now()))) {
      return this.#lostLease(run);
    }
    return this.#finishFailed(run, stored);
  }

  /** Another run holds the workflow now: this one stops without writing or telling anything more. */
  #lostLease(run: RunState): JobOutcome {
    if (!run.controller.signal.aborted) run.controller.abort(abortReason('queue.lease_lost'));
    this.#o.logger.warn(
      { workflowId: run.id, runId: run.lease.runId },
      'lease lost to another run; stopping',
    );
    return FINISHED;
  }

  /**
   * Renews the lease before anything is sent to Discord: a run that lost it stops here instead of telling the
   * requester a second time, and a run that holds it starts the send with a whole lease ahead.
   */
  async #stillHeld(run: RunState): Promise<boolean> {
    const beat = await this.#o.store.heartbeat(run.lease, {
      now: this.#o.clock.now(),
      leaseMs: this.#o.leaseMs,
    });
    if (!beat.held) this.#lostLease(run);
    return beat.held;
  }

  async #finishFailed(run: RunState, error: StoredError): Promise<JobOutcome> {
    const { store, clock } = this.#o;
    if (!(await this.#stillHeld(run))) return FINISHED;
    const rec = await store.getWorkflow(run.id);
    if (rec === null) return FINISHED;
    const view: WorkflowRecord = { ...rec, status: 'failed', lastError: error, finishedAt: clock.now() };
    const told = await this.#tellOutcome(view, this.#deliverySignal(run), run.lease);
    if (told.kind === 'lease_lost') return this.#lostLease(run);
    if (told.kind === 'retry') return this.#retryLater(run, null, told.delayMs);
    await store.fail(run.lease, { now: clock.now(), error });
    return FINISHED;
  }

  #cancelledView(rec: WorkflowRecord): WorkflowRecord {
    return {
      ...rec,
      status: 'cancelled',
      lastError: { code: 'workflow.cancelled', message: 'The analysis was cancelled.' },
    };
  }

  async #finishCancelled(run: RunState): Promise<JobOutcome> {
    const { store, clock } = this.#o;
    if (!(await this.#stillHeld(run))) return FINISHED;
    const rec = await store.getWorkflow(run.id);
    if (rec === null || rec.runId !== run.lease.runId) return FINISHED;
    const told = await this.#tellOutcome(
      { ...this.#cancelledView(rec), finishedAt: clock.now() },
      this.#deliverySignal(run),
      run.lease,
    );
    if (told.kind === 'lease_lost') return this.#lostLease(run);
    if (told.kind === 'retry') return this.#retryLater(run, null, told.delayMs);
    await store.markCancelled(run.lease, clock.now());
    this.#o.logger.info({ workflowId: run.id }, 'workflow cancelled');
    return FINISHED;
  }

  /** What to do once the run's signal fired: the reason decides. */
  async #onAbort(run: RunState): Promise<JobOutcome> {
    switch (abortCodeOf(run.controller.signal)) {
      case 'workflow.cancel_requested':
        return this.#finishCancelled(run);
      case 'queue.lease_lost':
        return FINISHED;
      default: {
        // Shutdown: not the workflow's fault, so the claim is not counted against its attempt limit.
        const now = this.#o.clock.now();
        await this.#o.store.release(run.lease, { now, runAfter: now, error: null, refund: true });
        return { kind: 'retry', delayMs: 0 };
      }
    }
  }

  /**
   * The run's signal once it was spent on a cancel still has to let the outcome through: a fresh signal that
   * follows lease loss and shutdown only.
   */
  #deliverySignal(run: RunState): AbortSignal {
    const signal = run.controller.signal;
    if (!signal.aborted) return signal;
    if (abortCodeOf(signal) === 'workflow.cancel_requested') return this.#life.signal;
    return signal;
  }

  async #tellOutcome(
    view: WorkflowRecord,
    signal: AbortSignal,
    lease: RunLease | null = null,
  ): Promise<DeliveryResult> {
    try {
      return await this.#o.notifier.deliverOutcome(view, signal, lease);
    } catch (e: unknown) {
      const error = toAppError(e, 'delivery.outcome_failed');
      this.#o.logger.error({ err: error, workflowId: view.id }, 'telling the requester failed');
      return error.retryable
        ? { kind: 'retry', delayMs: this.#o.retry.baseMs }
        : { kind: 'failed', error: safe(error) };
    }
  }

  /** `report`: the last stage's output, a JSON value or its SerializedJson text. */
  async #deliver(run: RunState, report: unknown): Promise<JobOutcome> {
    const { store, clock, notifier, logger } = this.#o;
    // The report id is the workflow id: saving again after a crash finds the same row.
    const reportId = run.id;
    let stored: StoredReport | null = await store.getReport(reportId);
    if (stored === null) {
      const fields = await (this.#o.reportFields ?? inlineReportFields)(
        report,
        run.request.url,
        run.controller.signal,
      );
      stored = {
        id: reportId,
        workflowId: run.id,
        url: run.request.url,
        depth: run.request.depth,
        report,
        createdAt: clock.now(),
      };
      await store.saveReport({ ...stored, ...fields });
    }
    if (!(await this.#stillHeld(run))) return FINISHED;
    const rec = await store.getWorkflow(run.id);
    if (rec === null || rec.status !== 'running' || rec.runId !== run.lease.runId) return FINISHED;
    // The outbox is the only writer of the delivery state: the engine reads it and acts on the result.
    if (rec.deliveryState !== 'delivered' && rec.deliveryState !== 'failed') {
      let result: DeliveryResult;
      try {
        result = await notifier.deliverReport(
          { ...rec, deliveryState: 'delivering' },
          stored,
          run.controller.signal,
          run.lease,
        );
      } catch (e: unknown) {
        const error = toAppError(e, 'delivery.unexpected');
        result = error.retryable
          ? { kind: 'retry', delayMs: this.#o.retry.baseMs }
          : { kind: 'failed', error: safe(error) };
      }
      // Stopped before sending another part: the run that holds the workflow now finishes the delivery.
      if (result.kind === 'lease_lost') return this.#lostLease(run);
      if (run.controller.signal.aborted && result.kind !== 'delivered') return this.#onAbort(run);
      if (result.kind === 'retry') {
        logger.info({ workflowId: run.id, delayMs: result.delayMs }, 'delivery deferred');
        return this.#retryLater(run, null, result.delayMs);
      }
    }
    await store.complete(run.lease, { now: clock.now(), reportId });
    logger.info({ workflowId: run.id }, 'workflow completed');
    return FINISHED;
  }
}
