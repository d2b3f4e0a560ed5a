// Report → Markdown (report files and Discord attachments). A missing section shows its reason, never filler.
import { linkTo } from '../links.js';
import { isMissing, type Report, type Span } from '../report.js';
import {
  describeFactCheck,
  factCheckGroups,
  factCheckSourceLines,
  NO_PUBLISHED_FACT_CHECK,
} from './factchecks.js';
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
import { renderLlmLines } from './llm.js';

/** Escapes what Markdown would read as formatting in text taken from the source. */
export function escapeMarkdown(s: string): string {
  return oneLine(s).replace(/([\\`*_[\]<>|#~])/g, '\\$1');
}

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  const title = report.source.title ?? report.source.finalUrl;
  out.push(`# ${escapeMarkdown(title)}`, '');
  out.push(`${sourceFacts(report).map(escapeMarkdown).join(' · ')}  `);
  out.push(`Source: <${report.source.finalUrl.replace(/[<>\s]/g, encodeURIComponent)}>`, '');
  for (const key of SECTION_ORDER) {
    const section = report.sections[key];
    if (section === undefined) continue;
    out.push(`## ${SECTION_TITLES[key]}`, '');
    if (isMissing(section)) {
      out.push(`_Not available: ${escapeMarkdown(section.missing.reason)}_`, '');
      continue;
    }
    const lines = renderItems(key, report);
    out.push(...(lines.length > 0 ? lines : ['_Nothing found._']), '');
  }
  if (report.notes.length > 0) {
    out.push('## Notes', '', ...report.notes.map((n) => `- ${escapeMarkdown(n)}`), '');
  }
  out.push('## About this run', '');
  out.push(`- Stages: ${report.timings.map((t) => `${t.stage} ${Math.round(t.ms)} ms`).join(', ')}`);
  out.push(
    `- Engines: ${Object.entries(report.engines)
      .map(([k, v]) => `${escapeMarkdown(k)} ${escapeMarkdown(v)}`)
      .join(', ')}`,
  );
  out.push(
    `- Created ${report.createdAt}; spans are character offsets (@start–end) or media times (m:ss).`,
    '',
  );
  return out.join('\n');
}

const span = (s: Parameters<typeof compactSpan>[0]): string => `\`${compactSpan(s)}\``;
/** " [source](…)" beside a span: the item's place in the source, when the source has an address to link to. */
const link = (report: Report, text: string, at: Span, prefixOnly = false): string => {
  const url = linkTo(report.source, { text, prefixOnly, span: at });
  return url === null ? '' : ` [source](<${url.replace(/[<>\s]/g, encodeURIComponent)}>)`;
};
const who = (speaker: string | null): string => (speaker ? `**${escapeMarkdown(speaker)}:** ` : '');

function renderItems(key: SectionKey, report: Report): string[] {
  const s = report.sections;
  switch (key) {
    case 'summary':
      return items(s.summary).map((i) =>
        i.tldr === true
          ? `**TL;DR:** ${who(i.span.speaker ?? null)}${escapeMarkdown(i.text)} ${span(i.span)}${link(report, i.text, i.span, true)}\n`
          : `- ${who(i.span.speaker ?? null)}${escapeMarkdown(i.text)} ${span(i.span)}${link(report, i.text, i.span)}`,
      );
    case 'keyPoints':
      return items(s.keyPoints).map(
        (i, n) =>
          `${n + 1}. ${who(i.span.speaker ?? null)}${escapeMarkdown(i.text)} ${span(i.span)}${link(report, i.text, i.span)}`,
      );
    case 'topics':
      return [
        items(s.topics)
          .map((t) => `**${escapeMarkdown(t.label)}** (${t.spans.length}×, first ${span(t.spans[0]!)})`)
          .join(' · '),
      ];
    case 'entities': {
      const list = items(s.entities);
      if (list.length === 0) return [];
      return [
        '| Entity | Type | Mentions | First |',
        '| --- | --- | ---: | --- |',
        ...list.map((e) => `| ${escapeMarkdown(e.text)} | ${e.type} | ${e.count} | ${span(e.spans[0]!)} |`),
      ];
    }
    case 'sentiment':
      return items(s.sentiment).map((i) => `Overall **${i.label}** (score ${i.score.toFixed(2)} in [-1, 1])`);
    case 'claims':
      return items(s.claims).map(
        (c, n) =>
          `${n + 1}. \`${c.score.toFixed(2)}\` ${who(c.speaker)}${escapeMarkdown(c.text)} ${span(c.span)}${link(report, c.text, c.span)}`,
      );
    case 'sentimentArc': {
      const pts = items(s.sentimentArc);
      if (pts.length === 0) return [];
      const min = pts.reduce((a, b) => (b.score < a.score ? b : a));
      const max = pts.reduce((a, b) => (b.score > a.score ? b : a));
      return [
        `\`${sparkline(pts.map((p) => p.score))}\` (${pts.length} windows, start to end)`,
        '',
        `Lowest ${min.score.toFixed(2)} at ${span(min.span)}; highest ${max.score.toFixed(2)} at ${span(max.span)}.`,
      ];
    }
    case 'rhetoric': {
      const list = items(s.rhetoric);
      const out: string[] = [];
      for (const kind of Object.keys(RHETORIC_LABELS)) {
        const group = list.filter((r) => r.kind === kind);
        if (group.length === 0) continue;
        out.push(`**${RHETORIC_LABELS[kind]}** (${group.length})`, '');
        for (const r of group) {
          const detail = r.detail ? ` _${escapeMarkdown(r.detail)}_` : '';
          out.push(`- “${escapeMarkdown(r.cue)}”${detail} — ${escapeMarkdown(r.sentence)} ${span(r.span)}`);
        }
        out.push('');
      }
      return trimEnd(out);
    }
    case 'quotes':
      return items(s.quotes).map(
        (q) =>
          `> ${who(q.speaker)}“${escapeMarkdown(q.text)}” ${span(q.span)}${link(report, q.text, q.span)}`,
      );
    case 'chapters':
      return items(s.chapters).map((c, n) => {
        const speakers =
          c.speakers === undefined || c.speakers.length === 0
            ? ''
            : ` — speakers: ${c.speakers.map(escapeMarkdown).join(', ')}`;
        const summary = (c.summary ?? []).map(
          (x) =>
            `\n   - ${who(x.span.speaker ?? null)}${escapeMarkdown(x.text)} ${span(x.span)}${link(report, x.text, x.span)}`,
        );
        return `${n + 1}. **${escapeMarkdown(c.title)}** ${span(c.span)}${speakers}${summary.join('')}`;
      });
    case 'crossReferences':
      return items(s.crossReferences).map(
        (x) =>
          `- ${escapeMarkdown(x.title)} <${x.url}> (\`${x.workflowId}\`), matched ${x.matched} “${escapeMarkdown(x.text)}”`,
      );
    case 'factChecks': {
      const fc = s.factChecks;
      if (fc === undefined || isMissing(fc)) return [];
      const fmt = {
        text: escapeMarkdown,
        link: (u: string) => `<${u.replace(/[<>\s]/g, encodeURIComponent)}>`,
      };
      const out: string[] = [];
      for (const g of factCheckGroups(fc)) {
        out.push(
          `- “${escapeMarkdown(g.claim)}”${g.span === null ? ' _(not in the analysed text)_' : ` ${span(g.span)}`}`,
        );
        if (g.checks.length === 0) out.push(`  - _${NO_PUBLISHED_FACT_CHECK}_`);
        for (const f of g.checks) out.push(`  - ${describeFactCheck(f, fmt)}`);
      }
      out.push('', '**Searched**', '', ...factCheckSourceLines(fc).map((l) => `- ${escapeMarkdown(l)}`));
      return out;
    }
    case 'llm':
      return s.llm === undefined || isMissing(s.llm)
        ? []
        : trimEnd(
            renderLlmLines(s.llm, { escape: escapeMarkdown, heading: (t) => `**${t}**\n`, span, indent: '' }),
          );
  }
}

/** The items of a present section (callers check `isMissing` first). */
export function items<T>(section: { items: T[] } | { missing: { reason: string } } | undefined): T[] {
  return section !== undefined && 'items' in section ? section.items : [];
}

function trimEnd(lines: string[]): string[] {
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
