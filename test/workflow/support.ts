// Test harness for the engine: real stages (hashing, clock sleeps, flaky, gated), a recording notifier, a killable store.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Clock } from '../../src/core/clock.js';
import { PermanentError, RetryLaterError } from '../../src/core/errors.js';
import { createLogger, type Logger } from '../../src/core/logger.js';
import type { Depth, Pipeline, Stage, StageContext, StageInput, StageOutcome } from '../../src/core/stage.js';
import type { StoredReport, WorkflowRecord, WorkflowRequest, WorkflowStore } from '../../src/store/store.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import type { DeliveryResult, WorkflowNotifier } from '../../src/workflow/notifier.js';

export function tempSqlite(): { store: SqliteWorkflowStore; dir: string; cleanup(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'autointel-engine-'));
  const store = new SqliteWorkflowStore({ filename: join(dir, 'autointel.db') });
  return {
    store,
    dir,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A logger that keeps every line, so tests can read what was logged. */
export function memoryLogger(): { logger: Logger; lines: () => { msg?: string; level: number }[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { msg?: string; level: number }),
  };
}

export function req(overrides: Partial<WorkflowRequest> = {}): WorkflowRequest {
  return {
    url: 'https://example.com/a',
    depth: 'standard',
    requesterId: 'user-1',
    guildId: 'guild-1',
    channelId: 'chan-1',
    interactionId: null,
    origin: 'discord',
    delivery: { guildId: 'guild-1', channelId: 'chan-1' },
    ...overrides,
  };
}

/** Counts every start and completion of each stage per workflow. */
export class RunLog {
  readonly starts = new Map<string, number>();
  readonly completions = new Map<string, number>();
  started(workflowId: string, stage: string): void {
    const k = `${workflowId}/${stage}`;
    this.starts.set(k, (this.starts.get(k) ?? 0) + 1);
  }
  completed(workflowId: string, stage: string): void {
    const k = `${workflowId}/${stage}`;
    this.completions.set(k, (this.completions.get(k) ?? 0) + 1);
  }
  startsOf(workflowId: string, stage: string): number {
    return this.starts.get(`${workflowId}/${stage}`) ?? 0;
  }
}

type Body = (input: StageInput, ctx: StageContext) => Promise<StageOutcome>;

export function stage(name: string, log: RunLog, body: Body, weight = 1): Stage {
  return {
    name,
    weight,
    async run(input, ctx) {
      log.started(input.workflowId, name);
      const out = await body(input, ctx);
      if (out.kind === 'completed') log.completed(input.workflowId, name);
      return out;
    },
  };
}

/** CPU work: hashes `rounds` blocks, reporting progress, checking the signal between blocks. */
export const hashing =
  (rounds: number): Body =>
  async (input, ctx) => {
    let digest = Buffer.from(input.url);
    for (let i = 0; i < rounds; i++) {
      ctx.signal.throwIfAborted();
      for (let j = 0; j < 200; j++) digest = createHash('sha256').update(digest).digest();
      ctx.progress((i + 1) / rounds);
      await new Promise<void>((r) => setImmediate(r));
    }
    return { kind: 'completed', output: { digest: digest.toString('hex') } };
  };

/** Waits `ms` of the injected clock (so a test can advance it); aborts with the signal. */
export const sleeping =
  (ms: number): Body =>
  async (input, ctx) => {
    await ctx.clock.sleep(ms, ctx.signal);
    return { kind: 'completed', output: { slept: ms, seen: Object.keys(input.outputs) } };
  };

/** Fails with a transient error `failures` times per workflow, then succeeds. */
export function flaky(failures: number, retryAfterMs?: number): Body {
  const seen = new Map<string, number>();
  return async (input) => {
    const n = seen.get(input.workflowId) ?? 0;
    seen.set(input.workflowId, n + 1);
    if (n < failures) {
      return {
        kind: 'failed',
        error: new RetryLaterError('source.unavailable', `attempt ${n + 1} failed`, {
          userMessage: 'The source is temporarily unavailable.',
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        }),
      };
    }
    return { kind: 'completed', output: { afterFailures: n } };
  };
}

export const permanentFailure: Body = async () => ({
  kind: 'failed',
  error: new PermanentError('acquire.unsupported', 'unsupported scheme ftp', {
    userMessage: 'This kind of link is not supported.',
  }),
});

/** Blocks until released by the test or aborted by the signal; records the abort reason it saw. */
export class Gate {
  readonly entered: string[] = [];
  readonly abortReasons: unknown[] = [];
  #release = new Map<string, () => void>();
  body: Body = async (input, ctx) => {
    this.entered.push(input.workflowId);
    await new Promise<void>((resolve, reject) => {
      this.#release.set(input.workflowId, resolve);
      const onAbort = (): void => {
        this.abortReasons.push(ctx.signal.reason);
        reject(ctx.signal.reason as Error);
      };
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
    return { kind: 'completed', output: { gated: true } };
  };
  open(workflowId: string): void {
    this.#release.get(workflowId)?.();
  }
  openAll(): void {
    for (const r of this.#release.values()) r();
  }
}

/** The final stage: builds a report-shaped JSON from the earlier outputs. */
export const reporting: Body = async (input) => ({
  kind: 'completed',
  output: {
    schemaVersion: 1,
    depth: input.depth,
    source: { input: input.url, title: `Report on ${input.url}` },
    sections: { summary: { items: [{ text: `Findings about glaciers for ${input.url}` }] } },
    from: Object.keys(input.outputs),
  },
});

export function pipelineOf(stages: readonly Stage[]): Pipeline {
  return { stagesFor: (_depth: Depth) => stages };
}

/**
 * Records what the engine asked it to deliver; answers from a script of results (default: delivered). Like the
 * real outbox, it is the writer of the report's delivery state when given the store.
 */
export class RecordingNotifier implements WorkflowNotifier {
  readonly #store: WorkflowStore | undefined;
  readonly #clock: Clock | undefined;

  constructor(state?: { readonly store: WorkflowStore; readonly clock: Clock }) {
    this.#store = state?.store;
    this.#clock = state?.clock;
  }

  readonly progressCalls: WorkflowRecord[] = [];
  readonly reports: { workflowId: string; report: StoredReport }[] = [];
  readonly outcomes: { workflowId: string; status: string; code: string | null; message: string | null }[] =
    [];
  readonly reportScript: DeliveryResult[] = [];
  readonly outcomeScript: DeliveryResult[] = [];

  async progress(workflow: WorkflowRecord): Promise<void> {
    this.progressCalls.push(workflow);
  }
  async deliverReport(workflow: WorkflowRecord, report: StoredReport): Promise<DeliveryResult> {
    const r = this.reportScript.shift() ?? { kind: 'delivered' };
    if (r.kind === 'delivered') this.reports.push({ workflowId: workflow.id, report });
    // A delivery that lost its lease writes no state: the run holding the workflow owns it.
    if (this.#store !== undefined && this.#clock !== undefined && r.kind !== 'lease_lost') {
      const state = r.kind === 'retry' ? 'pending' : r.kind;
      const error = r.kind === 'failed' ? r.error : null;
      await this.#store.setDeliveryState(workflow.id, state, { error, now: this.#clock.now() });
    }
    return r;
  }
  async deliverOutcome(workflow: WorkflowRecord): Promise<DeliveryResult> {
    const r = this.outcomeScript.shift() ?? { kind: 'delivered' };
    if (r.kind === 'delivered') {
      this.outcomes.push({
        workflowId: workflow.id,
        status: workflow.status,
        code: workflow.lastError?.code ?? null,
        message: workflow.lastError?.message ?? null,
      });
    }
    return r;
  }
  reportsFor(id: string): number {
    return this.reports.filter((r) => r.workflowId === id).length;
  }
}

/**
 * A store a "process" reaches through; `kill()` makes every later call hang, as if the process died mid-call:
 * nothing more it does reaches the database. `reap()` makes the hung and later calls fail so the test can clean up.
 */
export function killable(store: WorkflowStore): { store: WorkflowStore; kill(): void; reap(): void } {
  let dead = false;
  let reaped = false;
  const hung: (() => void)[] = [];
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (reaped) return Promise.reject(new Error('process is dead'));
        if (dead)
          return new Promise((_resolve, reject) => hung.push(() => reject(new Error('process is dead'))));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store: proxy,
    kill: () => {
      dead = true;
    },
    reap: () => {
      reaped = true;
      for (const h of hung.splice(0)) h();
    },
  };
}

/** Polls until `predicate` holds (bounded); not a timing assertion, only a way to wait for async work. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function statusOf(store: WorkflowStore, id: string): Promise<string | undefined> {
  return (await store.getWorkflow(id))?.status;
}

export type { Clock };
