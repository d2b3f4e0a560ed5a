// A stored report turned into the Discord messages that deliver it: validated, charted and rendered in one job that
// runs on a content-pool thread (tens of milliseconds for a large report), or inline in scripts and tests.
import { ReportSchema } from '../analysis/report.js';
import type { DiscordMessage } from '../discord-api/message.js';
import type { StoredError } from '../store/store.js';
import { renderReport } from './render.js';
import { reportChart } from './report-extras.js';

export interface RenderReportInput {
  readonly workflowId: string;
  /** The stored report JSON, not yet validated. */
  readonly report: unknown;
  /** The same as JSON text, parsed by the job instead (then `report` is ignored). */
  readonly reportJson?: string;
  /** The signed report page link, made by the caller (it holds the key); null without a public URL. */
  readonly reportUrl: string | null;
  /** Whether to draw the sentiment chart. */
  readonly chart: boolean;
}

export type RenderReportOutput =
  | {
      readonly kind: 'rendered';
      readonly messages: DiscordMessage[];
      /** Why the chart was left out, when drawing it failed. */
      readonly chartError: string | null;
    }
  | { readonly kind: 'invalid'; readonly error: StoredError };

/** Renders where it is called. Never throws for a bad report: that is an `invalid` outcome. */
export async function renderReportJob(input: RenderReportInput): Promise<RenderReportOutput> {
  const invalid: RenderReportOutput = {
    kind: 'invalid',
    error: { code: 'delivery.invalid_report', message: 'The stored report could not be read.' },
  };
  let value: unknown = input.report;
  if (input.reportJson !== undefined) {
    try {
      value = JSON.parse(input.reportJson);
    } catch {
      return invalid;
    }
  }
  const parsed = ReportSchema.safeParse(value);
  if (!parsed.success) return invalid;
  let chartError: string | null = null;
  const chart = input.chart
    ? await reportChart(parsed.data, (message) => {
        chartError = message;
      })
    : null;
  const extras =
    chart === null && input.reportUrl === null ? undefined : { chart, reportUrl: input.reportUrl };
  const messages = renderReport(parsed.data, {
    workflowId: input.workflowId,
    ...(extras === undefined ? {} : { extras }),
  });
  return { kind: 'rendered', messages, chartError };
}

/** Where report rendering runs: the content pool in the bot, this thread in scripts and tests. */
export type ReportRenderer = (input: RenderReportInput, signal: AbortSignal) => Promise<RenderReportOutput>;

export const inlineReportRenderer: ReportRenderer = (input) => renderReportJob(input);
