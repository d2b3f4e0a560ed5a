// Report → SVG charts: the sentiment arc and where the check-worthy claims sit in the source. Pure strings, every text
// escaped, no external references, so the same SVG serves the web page inline and the PNG sent to Discord.
import { isMissing, type Report } from '../report.js';

export interface ChartOptions {
  readonly width?: number;
  readonly height?: number;
  /** Colours for a light or a dark background (the PNG for Discord uses dark). */
  readonly theme?: 'light' | 'dark';
}

const THEMES = {
  light: {
    bg: '#ffffff',
    fg: '#1f2328',
    grid: '#d0d7de',
    line: '#0969da',
    pos: '#1a7f37',
    neg: '#cf222e',
    bar: '#bf8700',
  },
  dark: {
    bg: '#2b2d31',
    fg: '#e6edf3',
    grid: '#4e5058',
    line: '#58a6ff',
    pos: '#3fb950',
    neg: '#f85149',
    bar: '#d29922',
  },
} as const;

/** Escapes text for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();

/** The arc's scores in order, or null when the report has none (standard depth, or a missing section). */
export function arcScores(report: Report): number[] | null {
  const arc = report.sections.sentimentArc;
  if (arc === undefined || isMissing(arc) || arc.items.length === 0) return null;
  return [...arc.items].sort((a, b) => a.index - b.index).map((p) => Math.max(-1, Math.min(1, p.score)));
}

/**
 * The claims' positions along the source as `bins` counts (how many claims start in each tenth of the text, by
 * default), or null when the report has no claims section or no claims.
 */
export function claimDensity(report: Report, textLength: number, bins = 10): number[] | null {
  const claims = report.sections.claims;
  if (claims === undefined || isMissing(claims) || claims.items.length === 0 || textLength <= 0) return null;
  const counts = new Array<number>(bins).fill(0);
  for (const c of claims.items) {
    const bin = Math.min(bins - 1, Math.floor((c.span.start / textLength) * bins));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts;
}

/**
 * The sentiment arc as a line chart from -1 to 1 (zero line marked), with the claim density as bars beneath when
 * `density` is given. Returns null when there is nothing to draw.
 */
export function sentimentChartSvg(
  report: Report,
  options: ChartOptions & { readonly density?: readonly number[] | null; readonly title?: string } = {},
): string | null {
  const scores = arcScores(report);
  const density = options.density ?? null;
  if (scores === null && density === null) return null;
  const width = options.width ?? 720;
  const height = options.height ?? 260;
  const t = THEMES[options.theme ?? 'light'];
  const pad = { left: 44, right: 16, top: 30, bottom: density === null ? 28 : 70 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const y = (score: number): number => pad.top + ((1 - score) / 2) * plotH;
  const parts: string[] = [];
  const title = options.title ?? 'Sentiment through the source';
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title chart-desc">`,
    `<title id="chart-title">${escapeXml(title)}</title>`,
    `<desc id="chart-desc">${escapeXml(describe(scores, density))}</desc>`,
    `<rect width="${width}" height="${height}" fill="${t.bg}"/>`,
    `<text x="${pad.left}" y="18" font-family="sans-serif" font-size="13" fill="${t.fg}">${escapeXml(title)}</text>`,
  );
  for (const [label, score] of [
    ['+1', 1],
    ['0', 0],
    ['−1', -1],
  ] as const) {
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${fmt(y(score))}" y2="${fmt(y(score))}" stroke="${t.grid}" stroke-width="1"${score === 0 ? '' : ' stroke-dasharray="3 3"'}/>`,
      `<text x="${pad.left - 8}" y="${fmt(y(score) + 4)}" font-family="sans-serif" font-size="11" text-anchor="end" fill="${t.fg}">${label}</text>`,
    );
  }
  if (scores !== null) {
    const x = (i: number): number =>
      scores.length === 1 ? pad.left + plotW / 2 : pad.left + (i / (scores.length - 1)) * plotW;
    const points = scores.map((s, i) => `${fmt(x(i))},${fmt(y(s))}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${t.line}" stroke-width="2.5"/>`);
    scores.forEach((s, i) => {
      parts.push(
        `<circle cx="${fmt(x(i))}" cy="${fmt(y(s))}" r="3.5" fill="${s >= 0 ? t.pos : t.neg}"><title>part ${i + 1}: ${(Math.round(s * 100) / 100).toString()}</title></circle>`,
      );
    });
  } else {
    parts.push(
      `<text x="${pad.left + plotW / 2}" y="${fmt(y(0) - 8)}" font-family="sans-serif" font-size="12" text-anchor="middle" fill="${t.fg}">no sentiment arc at this depth</text>`,
    );
  }
  if (density !== null) {
    const top = height - pad.bottom + 26;
    const barMax = pad.bottom - 40;
    const max = Math.max(1, ...density);
    const bw = plotW / density.length;
    parts.push(
      `<text x="${pad.left}" y="${top - 8}" font-family="sans-serif" font-size="11" fill="${t.fg}">Check-worthy claims along the source</text>`,
    );
    density.forEach((n, i) => {
      const h = (n / max) * barMax;
      parts.push(
        `<rect x="${fmt(pad.left + i * bw + 2)}" y="${fmt(top + barMax - h)}" width="${fmt(Math.max(1, bw - 4))}" height="${fmt(h)}" fill="${t.bar}"><title>${n} claim(s) in part ${i + 1} of ${density.length}</title></rect>`,
      );
    });
  }
  parts.push('</svg>');
  return parts.join('');
}

function describe(scores: readonly number[] | null, density: readonly number[] | null): string {
  const out: string[] = [];
  if (scores !== null) {
    const min = Math.min(...scores);
    const max = Math.max(...scores);
    out.push(
      `Sentiment over ${scores.length} parts, from ${fmt(scores[0] ?? 0)} to ${fmt(scores[scores.length - 1] ?? 0)}; lowest ${fmt(min)}, highest ${fmt(max)}.`,
    );
  }
  if (density !== null) out.push(`Claims per tenth of the source: ${density.join(', ')}.`);
  return out.join(' ');
}
