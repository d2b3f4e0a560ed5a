// Derives a stored report's title and full-text search body from the report JSON, whatever its shape.
import { jsonValue } from '../core/json.js';

const MAX_SEARCH_CHARS = 200_000;
// Machine fields that only add noise to a word index.
const SKIP_KEYS = new Set([
  'contentHash',
  'createdAt',
  'schemaVersion',
  'engines',
  'timings',
  'span',
  'spans',
]);

export interface ReportSearchFields {
  readonly title: string;
  readonly searchText: string;
}

export function reportSearchFields(report: unknown, fallbackTitle: string): ReportSearchFields {
  const source = (report as { source?: { title?: unknown } } | null)?.source;
  const title =
    typeof source?.title === 'string' && source.title.trim() !== '' ? source.title.trim() : fallbackTitle;
  const parts: string[] = [];
  let size = 0;
  const walk = (value: unknown, depth: number): void => {
    if (size >= MAX_SEARCH_CHARS || depth > 12) return;
    if (typeof value === 'string') {
      parts.push(value);
      size += value.length + 1;
    } else if (Array.isArray(value)) {
      for (const v of value) walk(v, depth + 1);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) if (!SKIP_KEYS.has(k)) walk(v, depth + 1);
    }
  };
  walk(report, 0);
  return { title, searchText: parts.join('\n').slice(0, MAX_SEARCH_CHARS) };
}

/**
 * Where the search fields are derived: the content pool in the bot (from the report's JSON text, so the loop never
 * parses or walks a large report), this thread by default.
 */
export type ReportFieldsDeriver = (
  report: unknown,
  fallbackTitle: string,
  signal: AbortSignal,
) => Promise<ReportSearchFields>;

export const inlineReportFields: ReportFieldsDeriver = (report, fallbackTitle) =>
  Promise.resolve(reportSearchFields(jsonValue(report), fallbackTitle));
