// Report → plain text for a terminal: the same content as the Markdown view, without markup.
import { isMissing, type Report } from '../report.js';
import {
  describeFactCheck,
  factCheckGroups,
  factCheckSourceLines,
  NO_PUBLISHED_FACT_CHECK,
} from './factchecks.js';
import { items } from './markdown.js';
import {
  compactSpan,
  oneLine,
  RHETORIC_LABELS,
  SECTION_ORDER,
  SECTION_TITLES,
  sourceFacts,
  sparkline,
  type SectionKey,
} from './format.js';
import { plainSpan, renderLlmLines } from './llm.js';

export function renderText(report: Report): string {
  const out: string[] = [];
  const title = oneLine(report.source.title ?? report.source.finalUrl);
  out.push(title, '='.repeat(Math.min(80, Math.max(3, title.length))));
  out.push(sourceFacts(report).join(' · '), `Source: ${report.source.finalUrl}`, '');
  for (const key of SECTION_ORDER) {
    const section = report.sections[key];
    if (section === undefined) continue;
    out.push(SECTION_TITLES[key].toUpperCase());
    if (isMissing(section)) {
      out.push(`  Not available: ${oneLine(section.missing.reason)}`, '');
      continue;
    }
    const lines = renderItems(key, report);
    out.push(...(lines.length > 0 ? lines : ['  Nothing found.']), '');
  }
  if (report.notes.length > 0) out.push('NOTES', ...report.notes.map((n) => `  - ${oneLine(n)}`), '');
  out.push(
    `Stages: ${report.timings.map((t) => `${t.stage} ${Math.round(t.ms)} ms`).join(', ')}`,
    `Engines: ${Object.entries(report.engines)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
  );
  return out.join('\n');
}

const at = (s: Parameters<typeof compactSpan>[0]): string => `[${compactSpan(s)}]`;
const who = (speaker: string | null): string => (speaker ? `${speaker}: ` : '');

function renderItems(key: SectionKey, report: Report): string[] {
  const s = report.sections;
  switch (key) {
    case 'summary':
      return items(s.summary).map((i) =>
        i.tldr === true
          ? `  TL;DR: ${oneLine(i.text)} ${at(i.span)}`
          : `  - ${oneLine(i.text)} ${at(i.span)}`,
      );
    case 'keyPoints':
      return items(s.keyPoints).map((i, n) => `  ${n + 1}. ${oneLine(i.text)} ${at(i.span)}`);
    case 'topics':
      return items(s.topics).map(
        (t) => `  - ${oneLine(t.label)} (${t.spans.length}x, first ${at(t.spans[0]!)})`,
      );
    case 'entities':
      return items(s.entities).map(
        (e) => `  - ${oneLine(e.text)} (${e.type}, ${e.count}x, first ${at(e.spans[0]!)})`,
      );
    case 'sentiment':
      return items(s.sentiment).map((i) => `  Overall ${i.label} (score ${i.score.toFixed(2)} in [-1, 1])`);
    case 'claims':
      return items(s.claims).map(
        (c, n) => `  ${n + 1}. (${c.score.toFixed(2)}) ${who(c.speaker)}${oneLine(c.text)} ${at(c.span)}`,
      );
    case 'sentimentArc': {
      const pts = items(s.sentimentArc);
      return pts.length === 0
        ? []
        : [`  ${sparkline(pts.map((p) => p.score))}  (${pts.length} windows, start to end)`];
    }
    case 'rhetoric': {
      const list = items(s.rhetoric);
      const out: string[] = [];
      for (const kind of Object.keys(RHETORIC_LABELS)) {
        const group = list.filter((r) => r.kind === kind);
        if (group.length === 0) continue;
        out.push(`  ${RHETORIC_LABELS[kind]} (${group.length})`);
        for (const r of group) {
          out.push(
            `    - "${oneLine(r.cue)}"${r.detail ? ` (${r.detail})` : ''}: ${oneLine(r.sentence)} ${at(r.span)}`,
          );
        }
      }
      return out;
    }
    case 'quotes':
      return items(s.quotes).map(
        (q) => `  "${oneLine(q.text)}" ${q.speaker ? `— ${q.speaker} ` : ''}${at(q.span)}`,
      );
    case 'chapters':
      return items(s.chapters).map((c, n) => `  ${n + 1}. ${oneLine(c.title)} ${at(c.span)}`);
    case 'crossReferences':
      return items(s.crossReferences).map(
        (x) =>
          `  - ${oneLine(x.title)} ${x.url} (${x.workflowId}), matched ${x.matched} "${oneLine(x.text)}"`,
      );
    case 'factChecks': {
      const fc = s.factChecks;
      if (fc === undefined || isMissing(fc)) return [];
      const out: string[] = [];
      for (const g of factCheckGroups(fc)) {
        out.push(`  - "${oneLine(g.claim)}" ${g.span === null ? '(not in the analysed text)' : at(g.span)}`);
        if (g.checks.length === 0) out.push(`      ${NO_PUBLISHED_FACT_CHECK}`);
        for (const f of g.checks) out.push(`      ${describeFactCheck(f)}`);
      }
      out.push('  Searched:', ...factCheckSourceLines(fc).map((l) => `    - ${l}`));
      return out;
    }
    case 'llm':
      return s.llm === undefined || isMissing(s.llm)
        ? []
        : renderLlmLines(s.llm, {
            escape: oneLine,
            heading: (t) => `  ${t}`,
            span: plainSpan,
            indent: '    ',
          });
  }
}
