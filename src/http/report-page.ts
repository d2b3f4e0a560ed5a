// GET /r/<workflow id>?e=…&s=… — a finished report as one server-rendered page (Eta templates, every value escaped, no
// script, no external request, a strict Content-Security-Policy). A bad or expired signature, an unknown workflow or a
// purged report all answer the same 404, so a link tells nothing about what exists.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Eta } from 'eta';
import { claimDensity, sentimentChartSvg } from '../analysis/render/chart.js';
import { factCheckGroups, NO_PUBLISHED_FACT_CHECK } from '../analysis/render/factchecks.js';
import { clockTime, RHETORIC_LABELS, sourceFacts } from '../analysis/render/format.js';
import { groupByKind, LLM_KIND_TITLES, llmFacts } from '../analysis/render/llm.js';
import { isMissing, ReportSchema, type Report, type Span } from '../analysis/report.js';
import type { Clock } from '../core/clock.js';
import { toAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ReportLinks } from '../delivery/report-links.js';
import type { RouteHandler } from './server.js';

/** What the page reads (the workflow store satisfies it). */
export interface ReportPageSource {
  getWorkflow(id: string): Promise<{ readonly reportId: string | null } | null>;
  getReport(id: string): Promise<{ readonly report: unknown } | null>;
  getCheckpoints(id: string): Promise<Record<string, unknown>>;
}

export interface ReportPageOptions {
  readonly links: ReportLinks;
  readonly source: ReportPageSource;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The longest source text shown with highlights; the rest is cut with a note (a 5 MB transcript is not a page). */
  readonly maxTextChars?: number;
}

const DEFAULT_MAX_TEXT = 200_000;

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d0d7de;--claim:#fff1c2;--quote:#ddf4ff;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--claim:#4d3b00;--quote:#0c2d4d;--accent:#4493f8}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,sans-serif}
main{max-width:60rem;margin:0 auto;padding:1rem 1.25rem 3rem}a{color:var(--accent)}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}h2{font-size:1.2rem;border-bottom:1px solid var(--line);padding-bottom:.25rem;margin-top:2rem}
p,li,td,th,blockquote{overflow-wrap:anywhere}.muted{color:var(--muted)}.tldr{font-size:1.1rem;border-left:4px solid var(--accent);padding-left:.75rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:.4rem;text-align:left;vertical-align:top}td.short{white-space:nowrap;overflow-wrap:normal}
mark.claim{background:var(--claim);color:inherit}mark.quote{background:var(--quote);color:inherit}mark.summary{background:none;color:inherit;text-decoration:underline dotted}
.source-text{white-space:pre-wrap;border:1px solid var(--line);padding:1rem;border-radius:6px;max-height:40rem;overflow:auto}
.chart svg{max-width:100%;height:auto}bdi{unicode-bidi:isolate}:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
@media print{.source-text{max-height:none;overflow:visible;border:0}.skip{display:none}a{color:inherit}main{max-width:none}}
`;
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Strict: nothing loads, nothing runs; only this page's own stylesheet (by hash) and inline SVG. */
export const REPORT_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TEMPLATE = `<!doctype html>
<html lang="<%= it.lang %>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title><%= it.title %> — autointel report</title>
<style><%~ it.style %></style>
</head>
<body>
<a class="skip" href="#content">Skip to the report</a>
<main id="content">
<header>
<p class="muted">autointel report · <%= it.depth %> depth · <%= it.createdAt %></p>
<h1><bdi><%= it.title %></bdi></h1>
<p class="muted"><%= it.facts %></p>
<% if (it.sourceHref) { %><p>Source: <a href="<%= it.sourceHref %>" rel="noopener noreferrer nofollow"><bdi><%= it.sourceText %></bdi></a></p><% } else { %><p>Source: <bdi><%= it.sourceText %></bdi></p><% } %>
</header>
<% it.sections.forEach(function (s) { %>
<section aria-labelledby="<%= s.id %>">
<h2 id="<%= s.id %>"><%= s.title %></h2>
<% if (s.missing) { %><p class="muted">Not available: <%= s.missing %></p>
<% } else if (s.kind === 'summary') { %>
<% if (s.tldr) { %><p class="tldr"><strong>TL;DR</strong> <bdi><%= s.tldr %></bdi></p><% } %>
<ul><% s.rows.forEach(function (r) { %><li><bdi><%= r.text %></bdi> <a href="<%= r.href %>">in the source, <%= r.where %></a></li><% }) %></ul>
<% } else if (s.kind === 'chart') { %>
<figure class="chart"><%~ s.svg %><figcaption class="muted"><%= s.caption %></figcaption></figure>
<% } else if (s.kind === 'table') { %>
<table><thead><tr><% s.head.forEach(function (h) { %><th scope="col"><%= h %></th><% }) %></tr></thead>
<tbody><% s.rows.forEach(function (r) { %><tr<% if (r.id) { %> id="<%= r.id %>"<% } %>><% r.cells.forEach(function (c) { %><td<% if (c.text.length <= 24) { %> class="short"<% } %>><% if (c.href) { %><a href="<%= c.href %>"<% if (c.external) { %> rel="noopener noreferrer nofollow"<% } %>><bdi><%= c.text %></bdi></a><% } else { %><bdi><%= c.text %></bdi><% } %></td><% }) %></tr><% }) %></tbody></table>
<% } else if (s.kind === 'text') { %>
<% if (s.note) { %><p class="muted"><%= s.note %></p><% } %>
<div class="source-text" tabindex="0" role="region" aria-label="Source text with claims and quotes highlighted"><% s.pieces.forEach(function (p) { %><% if (p.mark) { %><mark class="<%= p.mark %>" id="<%= p.id %>"><%= p.text %></mark><% } else { %><%= p.text %><% } %><% }) %></div>
<% } else if (s.kind === 'list') { %>
<ul><% s.rows.forEach(function (r) { %><li><bdi><%= r %></bdi></li><% }) %></ul>
<% } %>
</section>
<% }) %>
</main>
</body>
</html>
`;

const eta = new Eta({ autoEscape: true, autoTrim: false, useWith: false, varName: 'it' });
const compiled = eta.compile(TEMPLATE);

type Mark = 'claim' | 'quote' | 'summary';

interface Cell {
  readonly text: string;
  readonly href?: string;
  readonly external?: boolean;
}
type PageSection =
  | { readonly id: string; readonly title: string; readonly missing: string }
  | {
      readonly id: string;
      readonly title: string;
      readonly kind: 'summary';
      readonly tldr: string | null;
      readonly rows: { text: string; href: string; where: string }[];
    }
  | {
      readonly id: string;
      readonly title: string;
      readonly kind: 'chart';
      readonly svg: string;
      readonly caption: string;
    }
  | {
      readonly id: string;
      readonly title: string;
      readonly kind: 'table';
      readonly head: string[];
      readonly rows: { id?: string; cells: Cell[] }[];
    }
  | {
      readonly id: string;
      readonly title: string;
      readonly kind: 'text';
      readonly note: string | null;
      readonly pieces: { text: string; mark?: Mark; id?: string }[];
    }
  | { readonly id: string; readonly title: string; readonly kind: 'list'; readonly rows: string[] };

/** Only http(s) links become hrefs; anything else (`javascript:`, `data:`) is shown as text. */
export function safeHref(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** Bidi overrides/isolates and marks: they could make displayed text read differently from what it is. */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F]/g;

/** Removes bidi controls and C0 control characters but tab and newline; isolation itself is done by <bdi>. */
const clean = (s: string): string => {
  let out = '';
  for (const ch of s.replace(BIDI_CONTROLS, '')) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) out += ch;
  }
  return out;
};

const where = (span: Span): string =>
  span.startTime !== undefined ? clockTime(span.startTime) : `§${span.start}`;

const items = <T>(s: { items: T[] } | { missing: { reason: string } } | undefined): T[] | null =>
  s === undefined || isMissing(s) ? null : s.items;

/** Builds the page's view model from a validated report and the text its spans point into. */
export function reportPageModel(
  report: Report,
  text: string | null,
  maxTextChars = DEFAULT_MAX_TEXT,
): Record<string, unknown> {
  const s = report.sections;
  const sections: PageSection[] = [];
  const marks: { start: number; end: number; mark: Mark; id: string }[] = [];
  // `name` keeps ids apart when two sections mark the same kind (the model's quotes beside the notable quotes).
  const anchor = (kind: Mark, i: number, span: Span, name: string = kind): string => {
    const id = `${name}-${i + 1}`;
    if (text !== null && span.end <= Math.min(text.length, maxTextChars) && span.end > span.start) {
      marks.push({ start: span.start, end: span.end, mark: kind, id: `src-${id}` });
      return `#src-${id}`;
    }
    return `#${id}`;
  };

  const summary = items(s.summary);
  if (summary === null) sections.push(missingSection('summary', 'Summary', s.summary));
  else {
    sections.push({
      id: 'summary',
      title: 'Summary',
      kind: 'summary',
      tldr: summary[0] === undefined ? null : clean(summary[0].text),
      rows: summary.map((x, i) => ({
        text: clean(x.text),
        href: anchor('summary', i, x.span),
        where: where(x.span),
      })),
    });
  }
  const keyPoints = items(s.keyPoints);
  if (keyPoints !== null && keyPoints.length > 0) {
    sections.push({
      id: 'key-points',
      title: 'Key points',
      kind: 'list',
      rows: keyPoints.map((k) => clean(k.text)),
    });
  }
  const chapters = items(s.chapters);
  if (chapters !== null && chapters.length > 0) {
    sections.push({
      id: 'chapters',
      title: 'Chapters',
      kind: 'table',
      head: ['Where', 'Chapter', 'In short', 'Speakers'],
      rows: chapters.map((c) => ({
        cells: [
          { text: where(c.span) },
          { text: clean(c.title) },
          { text: clean((c.summary ?? []).map((x) => x.text).join(' ')) },
          { text: clean((c.speakers ?? []).join(', ')) },
        ],
      })),
    });
  }
  const density = text === null ? null : claimDensity(report, text.length);
  const svg = sentimentChartSvg(report, { density });
  if (svg !== null) {
    sections.push({
      id: 'sentiment-arc',
      title: 'Sentiment arc',
      kind: 'chart',
      svg,
      caption:
        'Sentiment of each part of the source from −1 (negative) to +1 (positive); bars: where the claims are.',
    });
  }
  const claims = items(s.claims);
  if (s.claims !== undefined) {
    if (claims === null) sections.push(missingSection('claims', 'Check-worthy claims', s.claims));
    else {
      sections.push({
        id: 'claims',
        title: 'Check-worthy claims',
        kind: 'table',
        head: ['#', 'Claim', 'Speaker', 'Score', 'Where'],
        rows: claims.map((c, i) => ({
          id: `claim-${i + 1}`,
          cells: [
            { text: String(i + 1) },
            { text: clean(c.text) },
            { text: c.speaker === null ? '—' : clean(c.speaker) },
            { text: c.score.toFixed(2) },
            { text: where(c.span), href: anchor('claim', i, c.span) },
          ],
        })),
      });
    }
  }
  const factChecks = s.factChecks;
  if (factChecks !== undefined) {
    if (isMissing(factChecks)) sections.push(missingSection('fact-checks', 'Fact checks', factChecks));
    else {
      // One row per published fact-check beside its claim; a looked-up claim with none says so.
      sections.push({
        id: 'fact-checks',
        title: 'Published fact checks',
        kind: 'table',
        head: ['Claim', 'Rating as published', 'Source'],
        rows: factCheckGroups(factChecks).flatMap((g) =>
          g.checks.length === 0
            ? [{ cells: [{ text: clean(g.claim) }, { text: NO_PUBLISHED_FACT_CHECK }, { text: '—' }] }]
            : g.checks.map((f) => {
                const source = clean(
                  f.sourceKind === 'earlier-report'
                    ? `earlier report: ${f.publisher ?? 'untitled'}`
                    : `${f.publisher ?? 'unnamed publisher'}${f.sourceKind === 'page' ? ' (on this page)' : ''}`,
                );
                const href = f.reviewUrl === null ? null : safeHref(f.reviewUrl);
                return {
                  cells: [
                    { text: clean(g.claim) },
                    {
                      text:
                        f.sourceKind === 'earlier-report'
                          ? 'same claim in an earlier report (no rating)'
                          : f.rating === null
                            ? 'no rating given'
                            : `“${clean(f.rating)}”`,
                    },
                    href === null ? { text: source } : { text: source, href, external: true },
                  ],
                };
              }),
        ),
      });
    }
  }
  const llm = s.llm;
  if (llm !== undefined) {
    if (isMissing(llm)) sections.push(missingSection('model', 'Model analysis', llm));
    else {
      // One row per model statement: who wrote it and the quotes the grounding check found in the source, the first
      // linked to its highlight.
      const statements = groupByKind(llm).flatMap(([kind, list]) => list.map((x) => ({ kind, x })));
      sections.push({
        id: 'model',
        title: 'Model analysis (grounded in quotes)',
        kind: 'table',
        head: ['Kind', 'Statement', 'Model', 'Verified quotes', 'Where'],
        rows: statements.map(({ kind, x }, i) => {
          const first = x.quotes[0];
          return {
            id: `model-${i + 1}`,
            cells: [
              { text: LLM_KIND_TITLES[kind] + (x.detail === null ? '' : ` (${clean(x.detail)})`) },
              { text: clean(x.text) },
              { text: clean(x.model) },
              { text: x.quotes.map((q) => `“${clean(q.text)}” (${where(q.span)})`).join(' · ') },
              first === undefined
                ? { text: '—' }
                : { text: where(first.span), href: anchor('quote', i, first.span, 'model-quote') },
            ],
          };
        }),
      });
      sections.push({ id: 'model-run', title: 'Model run', kind: 'list', rows: llmFacts(llm).map(clean) });
    }
  }
  const quotes = items(s.quotes);
  if (quotes !== null && quotes.length > 0) {
    sections.push({
      id: 'quotes',
      title: 'Notable quotes',
      kind: 'table',
      head: ['Quote', 'Speaker', 'Where'],
      rows: quotes.map((q, i) => ({
        id: `quote-${i + 1}`,
        cells: [
          { text: `“${clean(q.text)}”` },
          { text: q.speaker === null ? '—' : clean(q.speaker) },
          { text: where(q.span), href: anchor('quote', i, q.span) },
        ],
      })),
    });
  }
  const entities = items(s.entities);
  if (entities === null) sections.push(missingSection('entities', 'Entities', s.entities));
  else if (entities.length > 0) {
    sections.push({
      id: 'entities',
      title: 'Entities',
      kind: 'table',
      head: ['Entity', 'Type', 'Mentions'],
      rows: entities.map((e) => ({
        cells: [{ text: clean(e.text) }, { text: e.type }, { text: String(e.count) }],
      })),
    });
  }
  const rhetoric = items(s.rhetoric);
  if (rhetoric !== null && rhetoric.length > 0) {
    sections.push({
      id: 'rhetoric',
      title: 'Rhetoric signals',
      kind: 'table',
      head: ['Signal', 'Cue', 'Sentence'],
      rows: rhetoric.map((r) => ({
        cells: [
          { text: RHETORIC_LABELS[r.kind] + (r.detail === null ? '' : ` (${clean(r.detail)})`) },
          { text: clean(r.cue) },
          { text: clean(r.sentence) },
        ],
      })),
    });
  }
  if (text !== null) sections.push(textSection(text, marks, maxTextChars));
  const runRows = [
    ...report.timings.map((t) => `${t.stage}: ${Math.round(t.ms)} ms`),
    ...Object.entries(report.engines).map(([k, v]) => `${clean(k)}: ${clean(v)}`),
    ...report.notes.map(clean),
  ];
  sections.push({ id: 'about', title: 'About this run', kind: 'list', rows: runRows });

  const sourceHref = safeHref(report.source.finalUrl);
  return {
    lang: /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(report.source.language ?? '')
      ? report.source.language
      : 'en',
    title: clean(report.source.title ?? report.source.finalUrl),
    depth: report.depth,
    createdAt: report.createdAt,
    facts: sourceFacts(report).map(clean).join(' · '),
    sourceHref,
    sourceText: clean(report.source.finalUrl),
    style: STYLE,
    sections,
  };
}

function missingSection(
  id: string,
  title: string,
  section: { missing: { reason: string } } | { items: unknown[] } | undefined,
): PageSection {
  const reason =
    section !== undefined && isMissing(section) ? section.missing.reason : 'not produced at this depth';
  return { id, title, missing: clean(reason) };
}

/** The text cut into plain and highlighted pieces; of overlapping marks the first that starts is kept. */
function textSection(
  text: string,
  marks: { start: number; end: number; mark: Mark; id: string }[],
  maxTextChars: number,
): PageSection {
  const shown = text.length > maxTextChars ? text.slice(0, maxTextChars) : text;
  // Where marks start together the longer wins, then a claim before a quote before a summary sentence.
  const rank: Record<Mark, number> = { claim: 0, quote: 1, summary: 2 };
  const sorted = [...marks].sort((a, b) => a.start - b.start || b.end - a.end || rank[a.mark] - rank[b.mark]);
  const pieces: { text: string; mark?: Mark; id?: string }[] = [];
  let at = 0;
  for (const m of sorted) {
    if (m.start < at || m.end > shown.length) continue;
    if (m.start > at) pieces.push({ text: clean(shown.slice(at, m.start)) });
    pieces.push({ text: clean(shown.slice(m.start, m.end)), mark: m.mark, id: m.id });
    at = m.end;
  }
  if (at < shown.length) pieces.push({ text: clean(shown.slice(at)) });
  return {
    id: 'source-text',
    title: 'Source text',
    kind: 'text',
    note:
      shown.length < text.length
        ? `Showing the first ${shown.length.toLocaleString('en')} of ${text.length.toLocaleString('en')} characters.`
        : null,
    pieces,
  };
}

export function renderReportPage(report: Report, text: string | null, maxTextChars?: number): string {
  return eta.render(compiled, reportPageModel(report, text, maxTextChars));
}

/** The stored source text a report's spans point into: the transcript when one was made, else the acquired text. */
function sourceText(checkpoints: Record<string, unknown>): string | null {
  const read = (stage: string): string | null => {
    const out = checkpoints[stage] as { content?: { text?: unknown } | null } | undefined;
    return typeof out?.content?.text === 'string' ? out.content.text : null;
  };
  return read('transcribe') ?? read('acquire');
}

const notFound = (res: ServerResponse): void => {
  const body = 'Not found';
  res.writeHead(404, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
};

/** The route handler for `GET /r/…`. */
export function reportPageRoute(options: ReportPageOptions): RouteHandler {
  const logger = options.logger.child({ component: 'report-page' });
  return async (req: IncomingMessage, res: ServerResponse) => {
    const id = options.links.verify(req.url ?? '/', options.clock.now());
    if (id === null) return notFound(res);
    try {
      const workflow = await options.source.getWorkflow(id);
      if (workflow === null || workflow.reportId === null) return notFound(res);
      const stored = await options.source.getReport(workflow.reportId);
      const parsed = ReportSchema.safeParse(stored?.report);
      if (!parsed.success) return notFound(res);
      const html = renderReportPage(
        parsed.data,
        sourceText(await options.source.getCheckpoints(id)),
        options.maxTextChars,
      );
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(html),
        'content-security-policy': REPORT_PAGE_CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'private, no-store',
        'x-frame-options': 'DENY',
      });
      res.end(html);
    } catch (e: unknown) {
      logger.error({ err: toAppError(e), workflowId: id }, 'report page failed');
      if (!res.headersSent) notFound(res);
    }
  };
}
