// The persistence ports, one per concern: workflows and leases, checkpoints and reports, the delivery outbox, guild
// settings, interaction intakes, and the store's own lifecycle. `WorkflowStore` is all of them: what an adapter
// implements and the composition root opens; every consumer takes only the narrow port it needs.
// Adapters: SqliteWorkflowStore (embedded default), PostgresWorkflowStore (scale-out). One contract suite per port
// (test/contracts/store-*.contract.ts) runs against both. Time is always passed in (`now`, ms since epoch) from the
// engine's Clock; adapters never read the system time.
//
// Terminology
// - workflow: one accepted request (url + depth) and its lifecycle `queued → running → completed|failed|cancelled`.
// - run: one claim of a workflow. Each claim counts an attempt and writes a fresh `runId` (a fencing token); every
//   write of the run (heartbeat, progress, checkpoint, release, complete, fail, cancel) names it, and the store
//   refuses it once another run holds the workflow, so a run that lost its lease can no longer write.
// - lease: a running workflow is held by its run (and its `leaseOwner` process) until `leaseExpiresAt`; the run
//   heartbeats to extend it. An expired lease makes the workflow claimable again (crash resume).
// - attempt limit: a claimable workflow already claimed `maxAttempts` times is failed instead of handed out again,
//   with the reason "stopped after N attempts: <last error>", so a stage that kills its process ends.
// - checkpoint: the stored JSON output of one finished stage; a resumed workflow skips checkpointed stages.
// - delivery part: one Discord message of a rendered report, recorded once Discord confirms it.
import type { Depth } from '../core/stage.js';
import type { IntakeStore } from './intake-store.js';

export type { IntakeStore } from './intake-store.js';

export type WorkflowStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export const TERMINAL_STATUSES: readonly WorkflowStatus[] = ['completed', 'failed', 'cancelled'];

/** Where a workflow's messages go. Secrets inside are sealed (core/secrets.ts), never stored in clear. */
export interface DeliveryRef {
  /** The interaction that started it: usable for edits/followups while its token lives (15 min). */
  readonly interaction?: {
    readonly id: string;
    readonly applicationId: string;
    readonly tokenSealed: string;
    /** When Discord created the interaction (ms); the token dies 15 min later. */
    readonly createdAt: number;
  };
  readonly guildId?: string;
  readonly channelId?: string;
}

export interface WorkflowRequest {
  readonly url: string;
  readonly depth: Depth;
  readonly requesterId: string | null;
  readonly guildId: string | null;
  readonly channelId: string | null;
  /** Idempotency key: the same interaction never starts two workflows. */
  readonly interactionId: string | null;
  readonly origin: 'discord' | 'cli';
  readonly delivery: DeliveryRef;
}

export interface WorkflowProgress {
  readonly stage: string;
  readonly percent: number;
  readonly message: string;
  readonly updatedAt: number;
}

export interface StoredError {
  readonly code: string;
  /** Safe to show to the user. */
  readonly message: string;
}

export type DeliveryState = 'pending' | 'delivering' | 'delivered' | 'failed';

export interface WorkflowRecord {
  readonly id: string;
  readonly request: WorkflowRequest;
  readonly status: WorkflowStatus;
  readonly progress: WorkflowProgress | null;
  readonly attempts: number;
  readonly lastError: StoredError | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Earliest time a queued workflow may be claimed (backoff after a transient failure). */
  readonly runAfter: number;
  readonly leaseOwner: string | null;
  /** The run holding the lease (its fencing token); null when no run does. */
  readonly runId: string | null;
  readonly leaseExpiresAt: number | null;
  readonly cancelRequested: boolean;
  readonly reportId: string | null;
  readonly deliveryState: DeliveryState | null;
  readonly deliveryError: StoredError | null;
}

export interface LeaseOptions {
  readonly owner: string;
  readonly now: number;
  readonly leaseMs: number;
}

export interface ClaimOptions extends LeaseOptions {
  /**
   * A claimable workflow already claimed this many times is not handed out: it is failed in the same write with
   * `workflow.attempts_exhausted` ("stopped after N attempts: <last error>"). Unset: no limit.
   */
  readonly maxAttempts?: number;
}

export interface ClaimNextOptions extends ClaimOptions {
  /** At most this many running workflows per guild; others stay queued. */
  readonly perGuildLimit?: number;
  /**
   * Workflows the claimer is running right now: never handed to it again while their run is live, even when
   * their lease expired meanwhile (a stalled event loop), so one process never runs a workflow twice at once.
   */
  readonly busy?: readonly string[];
}

/** The proof of one claim, carried by every write of that run. */
export interface RunLease {
  readonly workflowId: string;
  readonly runId: string;
}

/** The lease of a claimed record, or null when the record is not held by a run. */
export function leaseOf(record: WorkflowRecord): RunLease | null {
  return record.runId === null ? null : { workflowId: record.id, runId: record.runId };
}

export interface HeartbeatResult {
  /** False when the lease was lost (another run holds it) or the workflow is no longer running. */
  readonly held: boolean;
  readonly cancelRequested: boolean;
}

export interface StoredReport {
  readonly id: string;
  readonly workflowId: string;
  readonly url: string;
  readonly depth: Depth;
  /**
   * The report JSON (analysis/report.ts schema). A report the engine just produced off the loop is a SerializedJson
   * (core/json.ts) when saved and when handed to the notifier; read back from a store it is always the parsed value.
   */
  readonly report: unknown;
  readonly createdAt: number;
}

export interface ReportSearchHit {
  readonly reportId: string;
  readonly workflowId: string;
  readonly url: string;
  readonly title: string;
  /** Matched words between `**` markers (taken from the report's own text: escape it before showing it). */
  readonly snippet: string;
  /** Higher is better. */
  readonly rank: number;
  readonly depth: Depth;
  /** When the report was stored (ms). */
  readonly createdAt: number;
}

/**
 * Whose workflows a lookup may see: one server's; one member's own, requested outside any server; or every one
 * (the operator's command line only). A member's search or a fresh-result lookup never crosses servers.
 */
export type ReportScope =
  | { readonly kind: 'guild'; readonly guildId: string }
  | { readonly kind: 'direct'; readonly requesterId: string }
  | { readonly kind: 'operator' };

/** The scope of a request: its server, else its requester; the command line (neither) sees everything. */
export function scopeOfRequest(r: {
  readonly guildId: string | null;
  readonly requesterId: string | null;
}): ReportScope {
  if (r.guildId !== null) return { kind: 'guild', guildId: r.guildId };
  if (r.requesterId !== null) return { kind: 'direct', requesterId: r.requesterId };
  return { kind: 'operator' };
}

/** The two values every adapter's scope filter binds: the kind and the guild or requester id. */
export function scopeParams(scope: ReportScope): { readonly kind: string; readonly id: string | null } {
  switch (scope.kind) {
    case 'guild':
      return { kind: scope.kind, id: scope.guildId };
    case 'direct':
      return { kind: scope.kind, id: scope.requesterId };
    case 'operator':
      return { kind: scope.kind, id: null };
  }
}

export interface DeliveryPart {
  readonly workflowId: string;
  /** Stable key of the part within the workflow, e.g. `report:0`, `report:1`. */
  readonly partKey: string;
  readonly seq: number;
  /** The Discord message body (JSON) and attachment files as base64, exactly as it will be sent. */
  readonly payload: unknown;
  readonly status: 'pending' | 'sent' | 'failed';
  /** Where it went (`interaction`, `webhook:guild`, `webhook:default`, `channel`) and Discord's message id. */
  readonly target: string | null;
  readonly messageId: string | null;
  readonly attempts: number;
  readonly lastError: StoredError | null;
  readonly sentAt: number | null;
}

/** The one message per workflow that is edited in place to show progress. */
export interface ProgressCard {
  readonly workflowId: string;
  readonly target: string;
  readonly messageId: string | null;
  readonly lastEditAt: number;
  readonly lastPercent: number;
}

/** Workflows and their leases: the engine's and the queues' port. */
export interface WorkflowLeaseStore {
  /** Inserts a queued workflow, or returns the existing one for the same `request.interactionId`. */
  createWorkflow(input: {
    readonly id: string;
    readonly request: WorkflowRequest;
    readonly now: number;
  }): Promise<{ readonly workflow: WorkflowRecord; readonly created: boolean }>;
  getWorkflow(id: string): Promise<WorkflowRecord | null>;
  /** The workflow an interaction started, if it started one. */
  getWorkflowByInteraction(interactionId: string): Promise<WorkflowRecord | null>;
  listWorkflows(filter: {
    readonly statuses?: readonly WorkflowStatus[];
    readonly guildId?: string;
    readonly limit?: number;
  }): Promise<WorkflowRecord[]>;

  /**
   * Takes the oldest claimable workflow (queued and due, or running with an expired lease) and leases it to a new
   * run: attempts + 1, a fresh `runId`. Taking over an expired lease records why the previous run ended.
   */
  claimNext(options: ClaimNextOptions): Promise<WorkflowRecord | null>;
  /** Leases one given workflow to a new run if it is claimable (used when a queue hands out ids). */
  claim(id: string, options: ClaimOptions): Promise<WorkflowRecord | null>;
  heartbeat(
    run: RunLease,
    options: { readonly now: number; readonly leaseMs: number },
  ): Promise<HeartbeatResult>;
  /** Written only while `run` holds the lease. */
  updateProgress(run: RunLease, progress: WorkflowProgress): Promise<void>;
  /**
   * Gives the workflow back to the queue (transient failure or shutdown), due again at `runAfter`. `refund`:
   * the run was stopped through no fault of the workflow (shutdown, guild full), so its claim is not counted
   * against the attempt limit. False when `run` no longer held the lease (nothing written).
   */
  release(
    run: RunLease,
    options: {
      readonly now: number;
      readonly runAfter: number;
      readonly error: StoredError | null;
      readonly refund?: boolean;
    },
  ): Promise<boolean>;
  /** False when `run` no longer held the lease (nothing written). */
  complete(run: RunLease, options: { readonly now: number; readonly reportId: string }): Promise<boolean>;
  /** False when `run` no longer held the lease (nothing written). */
  fail(run: RunLease, options: { readonly now: number; readonly error: StoredError }): Promise<boolean>;
  /** Sets the cancel flag; a queued workflow becomes cancelled at once. Returns the updated record. */
  requestCancel(id: string, now: number): Promise<WorkflowRecord | null>;
  /** False when `run` no longer held the lease (nothing written). */
  markCancelled(run: RunLease, now: number): Promise<boolean>;

  countRunning(filter: { readonly guildId?: string }): Promise<number>;
  countCreatedSince(filter: { readonly requesterId: string; readonly since: number }): Promise<number>;
  /**
   * The newest completed workflow with a report for the same url and depth, finished at or after `since`, among
   * the workflows `scope` may see (a server's result is never served to, or offered in, another server).
   */
  findLatestResult(input: {
    readonly url: string;
    readonly depth: Depth;
    readonly since: number;
    readonly scope: ReportScope;
  }): Promise<LatestResult | null>;

  /** Deletes finished workflows (and their reports, checkpoints, parts) older than `before`. */
  purgeFinishedBefore(before: number): Promise<number>;
}

export interface LatestResult {
  readonly workflowId: string;
  readonly reportId: string;
  readonly finishedAt: number;
}

/** Stage checkpoints and stored reports (with their full-text search): the engine's and the pipeline's port. */
export interface CheckpointReportStore {
  /**
   * Stores a finished stage's output (or a stage's partial, `<stage>#<key>`); idempotent per (workflow, stage).
   * Written only while `run` holds the lease: false when it no longer does (nothing written). `output` may be a
   * SerializedJson (core/json.ts): its text is stored as it is.
   */
  saveCheckpoint(run: RunLease, stage: string, output: unknown, now: number): Promise<boolean>;
  /**
   * Copies checkpoints onto a workflow no run has claimed yet (a fresh result served from an earlier workflow).
   * False when the workflow was already claimed (nothing written).
   */
  seedCheckpoints(id: string, outputs: Readonly<Record<string, unknown>>, now: number): Promise<boolean>;
  getCheckpoints(id: string): Promise<Record<string, unknown>>;

  saveReport(input: StoredReport & { readonly title: string; readonly searchText: string }): Promise<void>;
  getReport(id: string): Promise<StoredReport | null>;
  /**
   * Full-text search over stored reports (FTS5 on SQLite, tsvector on PostgreSQL), best first, among the reports of
   * the workflows `scope` may see. Any user text is a valid query (quotes, operators and punctuation are read as words).
   */
  searchReports(
    query: string,
    options: { readonly limit: number; readonly excludeWorkflowId?: string; readonly scope: ReportScope },
  ): Promise<ReportSearchHit[]>;
}

/** The delivery outbox: message parts, the progress card and the delivery state of each workflow. */
export interface OutboxStore {
  /** Adds parts once; parts already present (same workflow + partKey) are left as they are. */
  addDeliveryParts(
    workflowId: string,
    parts: readonly { readonly partKey: string; readonly seq: number; readonly payload: unknown }[],
  ): Promise<void>;
  listDeliveryParts(workflowId: string): Promise<DeliveryPart[]>;
  markPartSent(
    workflowId: string,
    partKey: string,
    options: { readonly target: string; readonly messageId: string; readonly now: number },
  ): Promise<void>;
  /**
   * Counts an attempt on a part not yet sent. With `run`, the write is fenced by that run's lease: false — nothing
   * written — once another run holds the workflow (or it is no longer running), so a delivery that lost its lease
   * stops before it sends another part. True otherwise.
   */
  markPartAttempt(
    workflowId: string,
    partKey: string,
    options: {
      readonly error: StoredError | null;
      readonly failed: boolean;
      readonly now: number;
      readonly run?: RunLease | null;
    },
  ): Promise<boolean>;
  setDeliveryState(
    workflowId: string,
    state: DeliveryState,
    options: { readonly error: StoredError | null; readonly now: number },
  ): Promise<void>;
  getProgressCard(workflowId: string): Promise<ProgressCard | null>;
  saveProgressCard(card: ProgressCard): Promise<void>;
}

/** Per-guild settings. */
export interface GuildSettingsStore {
  /** The guild's delivery webhook, sealed. */
  setGuildWebhook(guildId: string, webhookSealed: string, now: number): Promise<void>;
  getGuildWebhook(guildId: string): Promise<string | null>;
}

/** What one health probe found: each check is a real write and read of the database. */
export type StoreHealth =
  { readonly ok: true } | { readonly ok: false; readonly check: 'write' | 'read'; readonly message: string };

/** The store's own lifecycle: schema, health, shutdown. */
export interface StoreAdmin {
  /** Applies numbered migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /**
   * Writes a tiny heartbeat row stamped `now` and reads it back: a read-only, full or corrupted database fails
   * here (as a value, never a throw) instead of at the next request.
   */
  health(now: number): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** Every port at once: what an adapter implements and the composition root opens. */
export interface WorkflowStore
  extends
    WorkflowLeaseStore,
    CheckpointReportStore,
    OutboxStore,
    GuildSettingsStore,
    IntakeStore,
    StoreAdmin {}
