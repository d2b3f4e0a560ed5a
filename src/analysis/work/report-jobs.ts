// Report validation and rendering on the content pool: the loop that answers Discord only hands the report over.
import { PermanentError } from '../../core/errors.js';
import { SerializedJson } from '../../core/json.js';
import type { ReportRenderer } from '../../delivery/render-job.js';
import { inlineReportFields, type ReportFieldsDeriver } from '../report-search.js';
import type { ReportValidator } from '../report-validation.js';
import { formatSeconds, type ContentPool } from './pool.js';

/** A report job is small next to an analysis: past this something is wrong with the report or the thread. */
export const DEFAULT_REPORT_JOB_DEADLINE_MS = 60_000;

const tooSlow = (what: string) => (ms: number) =>
  new PermanentError(`report.${what}_deadline`, `report ${what} exceeded its ${ms} ms deadline`, {
    context: { deadlineMs: ms },
    userMessage: `The report could not be prepared within ${formatSeconds(ms)}.`,
  });

export function pooledReportValidator(
  pool: ContentPool,
  deadlineMs = DEFAULT_REPORT_JOB_DEADLINE_MS,
): ReportValidator {
  return (draft, signal) =>
    pool.run({ kind: 'validate-report', draft }, { deadlineMs, signal, onDeadline: tooSlow('validation') });
}

export function pooledReportRenderer(
  pool: ContentPool,
  deadlineMs = DEFAULT_REPORT_JOB_DEADLINE_MS,
): ReportRenderer {
  return (input, signal) =>
    pool.run({ kind: 'render-report', input }, { deadlineMs, signal, onDeadline: tooSlow('rendering') });
}

/** Search fields on the pool when the report is JSON text already (else on this thread: it is a value here). */
export function pooledReportFields(
  pool: ContentPool,
  deadlineMs = DEFAULT_REPORT_JOB_DEADLINE_MS,
): ReportFieldsDeriver {
  return (report, fallbackTitle, signal) =>
    report instanceof SerializedJson
      ? pool.run(
          { kind: 'report-fields', json: report.text, fallbackTitle },
          { deadlineMs, signal, onDeadline: tooSlow('indexing') },
        )
      : inlineReportFields(report, fallbackTitle, signal);
}
