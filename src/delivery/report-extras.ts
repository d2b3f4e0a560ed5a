// What a delivered report carries besides its text: the sentiment chart as a PNG embed image and, when the deployment
// has a public URL, a signed link to the full report page.
import { claimDensity, sentimentChartSvg } from '../analysis/render/chart.js';
import { isMissing, type Report } from '../analysis/report.js';
import type { Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { svgToPng } from './chart-png.js';
import type { ReportLinks } from './report-links.js';

export interface ReportExtras {
  /** The chart image, attached to the report's first message as `name`. */
  readonly chart: { readonly name: string; readonly contentBase64: string } | null;
  /** The signed report page link, or null when no public URL is configured. */
  readonly reportUrl: string | null;
}

export type ReportExtrasProvider = (workflowId: string, report: Report) => Promise<ReportExtras>;

export const CHART_FILE_NAME = 'sentiment.png';

/** The length of the analysed text as far as the report can tell: the overall sentiment's span covers all of it. */
function textLength(report: Report): number {
  const s = report.sections.sentiment;
  return isMissing(s) ? 0 : Math.max(0, ...s.items.map((x) => x.span.end));
}

export function createReportExtras(options: {
  readonly links: ReportLinks | null;
  readonly clock: Clock;
  readonly logger: Logger;
}): ReportExtrasProvider {
  return async (workflowId, report) => {
    let chart: ReportExtras['chart'] = null;
    const svg = sentimentChartSvg(report, {
      theme: 'dark',
      density: claimDensity(report, textLength(report)),
    });
    if (svg !== null) {
      try {
        const png = await svgToPng(svg);
        if (png !== null) chart = { name: CHART_FILE_NAME, contentBase64: png.toString('base64') };
      } catch (e: unknown) {
        // A chart is a nicety: the report goes out without it rather than not at all.
        options.logger.warn({ err: toAppError(e), workflowId }, 'chart could not be rendered');
      }
    }
    const reportUrl = options.links === null ? null : options.links.linkFor(workflowId, options.clock.now());
    return { chart, reportUrl };
  };
}
