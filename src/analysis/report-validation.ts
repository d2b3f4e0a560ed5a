// Validating an assembled report against the report schema: a walk of the whole report (tens of milliseconds for a
// large one), so the bot runs it on the content pool and hands the engine the report already serialised.
import { ReportSchema } from './report.js';

/** A validated report as JSON text, or where validation failed. */
export type ValidatedReport =
  | { readonly ok: true; readonly json: string }
  | { readonly ok: false; readonly path: string; readonly message: string };

/** Validates where it is called. */
export function validateReport(draft: unknown): ValidatedReport {
  const parsed = ReportSchema.safeParse(draft);
  if (parsed.success) return { ok: true, json: JSON.stringify(parsed.data) };
  const issue = parsed.error.issues[0];
  return { ok: false, path: issue?.path.join('.') ?? '?', message: issue?.message ?? 'unknown' };
}

/** Where report validation runs: the content pool in the bot, this thread in scripts and tests. */
export type ReportValidator = (draft: unknown, signal: AbortSignal) => Promise<ValidatedReport>;

export const inlineReportValidator: ReportValidator = (draft) => Promise.resolve(validateReport(draft));
