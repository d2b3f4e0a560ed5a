// The full report as a Markdown document: the file attached to the first Discord message of a delivery.
import type { Report, Span } from '../analysis/report.js';
import { isMissing } from '../analysis/report.js';

const line = (s: string): string => s.replace(/[\r\n]+/g, ' ').trim();
const md = (s: string): string => line(s).replace(/([\\`*_[\]<>#|])/g, '\\$1');

function where(span: Span): string {
  const time =
    span.startTime !== undefined
      ? ` @ ${formatTime(span.startTime)}${span.endTime !== undefined ? `–${formatTime(span.endTime)}` : ''}`
      : '';
  return `chars ${span.start}–${span.end}${time}`;
}

function formatTime(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}

function section<T>(
  out: string[],
  title: string,
  s: { items: T[] } | { missing: { reason: string } } | undefined,
  item: (x: T, i: number) => string,
): void {
  if (s === undefined) return;
  out.push('', `## ${title}`, '');
  if (isMissing(s)) {
    out.push(`_Not produced: ${md(s.missing.reason)}_`);
    return;
  }
  if (s.items.length === 0) {
    out.push('_None found._');
    return;
  }
  s.items.forEach((x, i) => out.push(item(x, i)));
}

/** Renders every section of the report, each item with its source span, in a stable order. */
export function reportToMarkdown(report: Report, workflowId: string): string {
  const src = report.source;
  const s = report.sections;
  const out: string[] = [
    `# ${md(src.title ?? src.finalUrl)}`,
    '',
    `- Source: <${line(src.finalUrl)}>`,
    `- Input: ${md(src.input)}`,
    `- Kind: ${src.kind}; words: ${src.wordCount}; language: ${md(src.language ?? 'unknown')}`,
  ];
  if (src.byline !== null) out.push(`- By: ${md(src.byline)}`);
  if (src.siteName !== null) out.push(`- Site: ${md(src.siteName)}`);
  if (src.publishedTime !== null) out.push(`- Published: ${md(src.publishedTime)}`);
  out.push(`- Depth: ${report.depth}; created: ${md(report.createdAt)}; workflow: ${md(workflowId)}`);
  out.push(`- Content hash: ${md(src.contentHash)}`);

  section(out, 'Summary', s.summary, (x) => `${md(x.text)} _(${where(x.span)})_`);
  section(out, 'Key points', s.keyPoints, (x) => `- ${md(x.text)} _(${where(x.span)})_`);
  section(out, 'Sentiment', s.sentiment, (x) => `- ${x.label} (${x.score.toFixed(2)}) _(${where(x.span)})_`);
  section(
    out,
    'Topics',
    s.topics,
    (x) => `- ${md(x.label)} (${x.score.toFixed(2)}, ${x.spans.length} spans)`,
  );
  section(out, 'Entities', s.entities, (x) => `- ${md(x.text)} — ${x.type}, ×${x.count}`);
  section(
    out,
    'Check-worthy claims',
    s.claims,
    (x, i) =>
      `${i + 1}. ${md(x.text)} — score ${x.score.toFixed(2)}${x.speaker ? `, ${md(x.speaker)}` : ''} _(${where(x.span)})_`,
  );
  section(
    out,
    'Sentiment arc',
    s.sentimentArc,
    (x) => `- ${x.index}: ${x.score.toFixed(2)} _(${where(x.span)})_`,
  );
  section(
    out,
    'Rhetoric signals',
    s.rhetoric,
    (x) =>
      `- **${x.kind}** “${md(x.cue)}”${x.detail ? ` (${md(x.detail)})` : ''}: ${md(x.sentence)} _(${where(x.span)})_`,
  );
  section(
    out,
    'Notable quotes',
    s.quotes,
    (x) => `> ${md(x.text)}${x.speaker ? ` — ${md(x.speaker)}` : ''} _(${where(x.span)})_\n`,
  );
  section(out, 'Chapters', s.chapters, (x, i) => `${i + 1}. ${md(x.title)} _(${where(x.span)})_`);
  section(
    out,
    'Fact checks',
    s.factChecks,
    (x) => `- ${md(x.claim)} — ${md(x.verdict)} (${md(x.source)}) _(${where(x.span)})_`,
  );
  section(
    out,
    'Cross-references',
    s.crossReferences,
    (x) => `- ${md(x.title)} <${line(x.url)}> — ${x.matched}: ${md(x.text)} (workflow ${md(x.workflowId)})`,
  );
  section(out, 'Model notes', s.llm, (x) => `### ${md(x.stage)}\n\n${md(x.text)}\n`);

  if (report.notes.length > 0) {
    out.push('', '## Notes', '');
    for (const n of report.notes) out.push(`- ${md(n)}`);
  }
  out.push('', '## Run', '');
  for (const t of report.timings) out.push(`- ${md(t.stage)}: ${Math.round(t.ms)} ms`);
  for (const [k, v] of Object.entries(report.engines)) out.push(`- engine ${md(k)}: ${md(v)}`);
  return `${out.join('\n')}\n`;
}
