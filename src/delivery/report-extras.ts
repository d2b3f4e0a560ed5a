// What a delivered report carries besides its text: the sentiment chart as a PNG embed image and, when the deployment
// has a public URL, a signed link to the full report page.
import { claimDensity, sentimentChartSvg } from '../analysis/render/chart.js';
import { isMissing, type Report } from '../analysis/report.js';
import { toAppError } from '../core/errors.js';
import { svgToPng } from './chart-png.js';

export interface ReportExtras {
  /** The chart image, attached to the report's first message as `name`. */
  readonly chart: { readonly name: string; readonly contentBase64: string } | null;
  /** The signed report page link, or null when no public URL is configured. */
  readonly reportUrl: string | null;
}

export const CHART_FILE_NAME = 'sentiment.png';

/** The length of the analysed text as far as the report can tell: the overall sentiment's span covers all of it. */
function textLength(report: Report): number {
  const s = report.sections.sentiment;
  return isMissing(s) ? 0 : Math.max(0, ...s.items.map((x) => x.span.end));
}

/**
 * The sentiment chart as a PNG attachment, or null when the report has nothing to chart. A chart is a nicety: when
 * rasterising fails the report goes out without it, and `onError` hears why.
 */
export async function reportChart(
  report: Report,
  onError: (message: string) => void,
): Promise<ReportExtras['chart']> {
  const svg = sentimentChartSvg(report, { theme: 'dark', density: claimDensity(report, textLength(report)) });
  if (svg === null) return null;
  try {
    const png = await svgToPng(svg);
    return png === null ? null : { name: CHART_FILE_NAME, contentBase64: png.toString('base64') };
  } catch (e: unknown) {
    onError(toAppError(e).message);
    return null;
  }
}
