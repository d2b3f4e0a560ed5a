// The persistence port: workflows, stage checkpoints, reports, the delivery outbox and guild settings.
// Adapters: SqliteWorkflowStore (embedded default), PostgresWorkflowStore (scale-out). One contract suite
// (test/contracts/store.contract.ts) runs against both. Time is always passed in (`now`, ms since epoch) from the
// engine's Clock; adapters never read the system time.
//
// Terminology
// - workflow: one accepted request (url + depth) and its lifecycle `queued → running → completed|failed|cancelled`.
// - lease: a running workflow is owned by `leaseOwner` until `leaseExpiresAt`; the owner heartbeats to extend it.
//   An expired lease makes the workflow claimable again (crash resume).
// - checkpoint: the stored JSON output of one finished stage; a resumed workflow skips checkpointed stages.
// - delivery part: one Discord message of a rendered report, recorded once Discord confirms it.
import type { Depth } from '../core/stage.js';
import type { IntakeStore } from './intake-store.js';

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
  /** At most this many running workflows per guild; others stay queued. */
  readonly perGuildLimit?: number;
}

export interface HeartbeatResult {
  /** False when the lease was lost (expired and taken) or the workflow is no longer running. */
  readonly held: boolean;
  readonly cancelRequested: boolean;
}

export interface StoredReport {
  readonly id: string;
  readonly workflowId: string;
  readonly url: string;
  readonly depth: Depth;
  /** The report JSON (analysis/report.ts schema). */
  readonly report: unknown;
  readonly createdAt: number;
}

export interface ReportSearchHit {
  readonly reportId: string;
  readonly workflowId: string;
  readonly url: string;
  readonly title: string;
  readonly snippet: string;
  readonly rank: number;
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

/** Intake methods (claim, complete, list open, dead-letter) are declared by the IntakeStore port. */
export interface WorkflowStore extends IntakeStore {
  /** Applies numbered migrations; safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Inserts a queued workflow, or returns the existing one for the same `request.interactionId`. */
  createWorkflow(input: {
    readonly id: string;
    readonly request: WorkflowRequest;
    readonly now: number;
  }): Promise<{ readonly workflow: WorkflowRecord; readonly created: boolean }>;
  getWorkflow(id: string): Promise<WorkflowRecord | null>;
  listWorkflows(filter: {
    readonly statuses?: readonly WorkflowStatus[];
    readonly guildId?: string;
    readonly limit?: number;
  }): Promise<WorkflowRecord[]>;

  /** Takes the oldest claimable workflow (queued and due, or running with an expired lease) and leases it. */
  claimNext(options: ClaimOptions): Promise<WorkflowRecord | null>;
  /** Leases one given workflow if it is claimable (used when a queue hands out ids). */
  claim(id: string, options: LeaseOptions): Promise<WorkflowRecord | null>;
  heartbeat(id: string, options: LeaseOptions): Promise<HeartbeatResult>;
  updateProgress(id: string, owner: string, progress: WorkflowProgress): Promise<void>;
  /** Stores a finished stage's output; idempotent per (workflow, stage). */
  saveCheckpoint(id: string, stage: string, output: unknown, now: number): Promise<void>;
  getCheckpoints(id: string): Promise<Record<string, unknown>>;
  /** Gives the workflow back to the queue (transient failure or shutdown), due again at `runAfter`. */
  release(
    id: string,
    owner: string,
    options: { readonly now: number; readonly runAfter: number; readonly error: StoredError | null },
  ): Promise<void>;
  complete(
    id: string,
    owner: string,
    options: { readonly now: number; readonly reportId: string },
  ): Promise<void>;
  fail(
    id: string,
    owner: string,
    options: { readonly now: number; readonly error: StoredError },
  ): Promise<void>;
  /** Sets the cancel flag; a queued workflow becomes cancelled at once. Returns the updated record. */
  requestCancel(id: string, now: number): Promise<WorkflowRecord | null>;
  markCancelled(id: string, owner: string, now: number): Promise<void>;

  countRunning(filter: { readonly guildId?: string }): Promise<number>;
  countCreatedSince(filter: { readonly requesterId: string; readonly since: number }): Promise<number>;
  /** A completed workflow with a report for the same url and depth finished at or after `since`. */
  findFreshResult(input: {
    readonly url: string;
    readonly depth: Depth;
    readonly since: number;
  }): Promise<{ readonly workflowId: string; readonly reportId: string } | null>;

  saveReport(input: StoredReport & { readonly title: string; readonly searchText: string }): Promise<void>;
  getReport(id: string): Promise<StoredReport | null>;
  /** Full-text search over stored reports (FTS5 on SQLite, tsvector on PostgreSQL); `guildId` keeps it to the
   * reports of workflows requested in that guild. */
  searchReports(
    query: string,
    options: { readonly limit: number; readonly excludeWorkflowId?: string; readonly guildId?: string },
  ): Promise<ReportSearchHit[]>;

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
  markPartAttempt(
    workflowId: string,
    partKey: string,
    options: { readonly error: StoredError | null; readonly failed: boolean; readonly now: number },
  ): Promise<void>;
  setDeliveryState(
    workflowId: string,
    state: DeliveryState,
    options: { readonly error: StoredError | null; readonly now: number },
  ): Promise<void>;
  getProgressCard(workflowId: string): Promise<ProgressCard | null>;
  saveProgressCard(card: ProgressCard): Promise<void>;

  /** The guild's delivery webhook, sealed. */
  setGuildWebhook(guildId: string, webhookSealed: string, now: number): Promise<void>;
  getGuildWebhook(guildId: string): Promise<string | null>;

  /** Deletes finished workflows (and their reports, checkpoints, parts) older than `before`. */
  purgeFinishedBefore(before: number): Promise<number>;
}
