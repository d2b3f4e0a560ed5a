// The content tasks the pool runs, and how a task's outcome crosses the thread boundary (errors as plain data).
import type { AppError } from '../../core/errors.js';
import { PermanentError, RetryLaterError, toAppError } from '../../core/errors.js';
import type { BodyFields, BodyInput } from '../acquire/body.js';
import type { AcquiredContent } from '../acquire/types.js';
import type { AnalyseJobOptions, AnalysisOutput } from '../analyse/types.js';
import type { RenderReportInput, RenderReportOutput } from '../../delivery/render-job.js';
import type { ReportSearchFields } from '../report-search.js';
import type { ValidatedReport } from '../report-validation.js';

/** One unit of CPU-bound content work. Every input is structured-cloneable. */
export type ContentTask =
  | { readonly kind: 'body'; readonly input: BodyInput }
  | { readonly kind: 'analyse'; readonly content: AcquiredContent; readonly options: AnalyseJobOptions }
  /** Validates an assembled report against the report schema and serialises the result. */
  | { readonly kind: 'validate-report'; readonly draft: unknown }
  /** Validates a stored report and renders the Discord messages that deliver it (delivery/render-job.ts). */
  | { readonly kind: 'render-report'; readonly input: RenderReportInput }
  /** A stored report's title and search text, from its JSON text. */
  | { readonly kind: 'report-fields'; readonly json: string; readonly fallbackTitle: string };

export type TaskKind = ContentTask['kind'];

export interface TaskOutputs {
  readonly body: BodyFields;
  readonly analyse: AnalysisOutput;
  readonly 'validate-report': ValidatedReport;
  readonly 'render-report': RenderReportOutput;
  readonly 'report-fields': ReportSearchFields;
}

export type TaskOf<K extends TaskKind> = Extract<ContentTask, { kind: K }>;

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly userMessage: string;
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, unknown>>;
}

export interface WorkerRequest {
  readonly id: number;
  readonly task: ContentTask;
}

export type WorkerReply =
  | {
      readonly id: number;
      readonly type: 'progress';
      readonly fraction: number;
      readonly message: string | null;
    }
  | { readonly id: number; readonly type: 'done'; readonly output: unknown }
  | { readonly id: number; readonly type: 'error'; readonly error: WireError };

/** An AppError as plain data; context values that cannot be cloned are dropped. */
export function toWire(e: unknown, fallbackCode: string): WireError {
  const err = toAppError(e, fallbackCode);
  const context: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err.context)) {
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) context[k] = v;
  }
  return {
    code: err.code,
    message: err.message,
    userMessage: err.userMessage,
    retryable: err.retryable,
    context,
  };
}

/** The typed error back on the calling thread. */
export function fromWire(w: WireError): AppError {
  const options = { userMessage: w.userMessage, context: w.context };
  return w.retryable
    ? new RetryLaterError(w.code, w.message, options)
    : new PermanentError(w.code, w.message, options);
}
