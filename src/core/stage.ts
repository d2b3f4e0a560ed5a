// The stage interface the workflow engine runs. Stages return a tagged outcome; the engine persists it.
import type { Clock } from './clock.js';
import type { AppError } from './errors.js';
import type { Logger } from './logger.js';

export const DEPTHS = ['standard', 'deep', 'comprehensive', 'experimental'] as const;
export type Depth = (typeof DEPTHS)[number];
export const isDepth = (v: string): v is Depth => (DEPTHS as readonly string[]).includes(v);

/** What a stage sees: the request and the stored outputs of every stage that finished before it. */
export interface StageInput {
  readonly workflowId: string;
  readonly url: string;
  readonly depth: Depth;
  /** The requesting guild (null outside one: CLI, DMs); scopes lookups in earlier reports. */
  readonly guildId?: string | null;
  /** The member who asked (null from the command line); with no guild, lookups see only their own reports. */
  readonly requesterId?: string | null;
  /** Outputs of earlier stages by stage name, exactly as the engine stored them (JSON values). */
  readonly outputs: Readonly<Record<string, unknown>>;
}

export interface StageContext {
  /** Aborted when the workflow is cancelled or the worker shuts down: stop promptly. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Progress within this stage, `fraction` in [0, 1]; the engine maps it onto the workflow's percent. */
  progress(fraction: number, message?: string): void;
  /**
   * Durable partial results inside one stage (a transcribed chunk, one map step of a long model call): a run that
   * resumes after a crash finds what an earlier run of this stage saved and skips that work.
   */
  readonly partials: StagePartials;
}

/** A stage's own checkpoints below the stage level, keyed within the stage. Values must be JSON. */
export interface StagePartials {
  /** What an earlier run of this stage saved under `key`, or undefined. */
  load(key: string): unknown;
  /** Stores `value` under `key` before resolving; saving the same key again replaces it. */
  save(key: string, value: unknown): Promise<void>;
}

/** The checkpoint name a stage's partial result is stored under (never equal to a stage name). */
export const partialKey = (stage: string, key: string): string => `${stage}#${key}`;

export type StageOutcome =
  /**
   * `output` must be a JSON value, or a SerializedJson (core/json.ts) when the stage had it serialised off the event
   * loop: it is stored as the stage's checkpoint.
   */
  | { readonly kind: 'completed'; readonly output: unknown }
  /** A typed failure; `error.retryable` decides whether the engine retries the stage. */
  | { readonly kind: 'failed'; readonly error: AppError };

export interface Stage {
  readonly name: string;
  /** Relative share of the workflow's progress bar. */
  readonly weight: number;
  run(input: StageInput, ctx: StageContext): Promise<StageOutcome>;
}

/** Builds the ordered stages for a depth. The last stage's output is the report (see analysis/report.ts). */
export interface Pipeline {
  stagesFor(depth: Depth): readonly Stage[];
}

/** Partials kept in `outputs` under their checkpoint names (the CLI's in-process runs; tests). */
export function memoryPartials(stage: string, outputs: Record<string, unknown>): StagePartials {
  return {
    load: (key) => outputs[partialKey(stage, key)],
    save: (key, value) => {
      outputs[partialKey(stage, key)] = JSON.parse(JSON.stringify(value ?? null)) as unknown;
      return Promise.resolve();
    },
  };
}
