// Page furniture that reaches the report: items of the ranked sections that are furniture, on the shared pages.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { furnitureOfLine } from '../../src/analysis/acquire/furniture.js';
import { extractArticle } from '../../src/analysis/acquire/html.js';
import type { AcquiredContent } from '../../src/analysis/acquire/types.js';
import type { Analyser } from '../../src/analysis/analyse/analyser.js';
import { isMissing, type Span } from '../../src/analysis/report.js';

interface Item {
  readonly section: string;
  readonly text: string;
  readonly spans: readonly Span[];
}

/**
 * Counts items of summary, key points, claims, quotes and entities that are furniture: an item whose span lies
 * mostly inside a recognised furniture range, or whose own wording reads as furniture (a credit, a promo). Both
 * tests use the project's own recogniser, so this measures leakage into the report, not the recogniser's recall.
 */
export function furnitureReport(dir: string, analyser: Analyser): void {
  const pages = readdirSync(dir).sort();
  let total = 0;
  let items = 0;
  let ranges = 0;
  const offenders: string[] = [];
  for (const page of pages) {
    const html = readFileSync(path.join(dir, page, 'source.html'), 'utf8');
    const a = extractArticle(html);
    if (a.text === '') continue;
    ranges += a.furniture.length;
    const content: AcquiredContent = {
      kind: 'article',
      source: page,
      finalUrl: `https://example.org/${page}`,
      title: a.title,
      byline: a.byline,
      siteName: a.siteName,
      publishedTime: a.publishedTime,
      language: a.language,
      text: a.text,
      furniture: a.furniture,
      segments: null,
      media: null,
      notes: [],
      contentHash: createHash('sha256').update(a.text).digest('hex'),
      fetchedAt: 0,
    };
    const out = analyser.analyse(content, { depth: 'deep', llmConfigured: false });
    const s = out.sections;
    const list: Item[] = [];
    const push = (section: string, sec: unknown, f: (x: never) => Item[]): void => {
      if (sec === undefined || isMissing(sec)) return;
      for (const x of (sec as { items: never[] }).items) list.push(...f(x));
    };
    type T = { text: string; span: Span };
    push('summary', s.summary, (x: T) => [{ section: 'summary', text: x.text, spans: [x.span] }]);
    push('keyPoints', s.keyPoints, (x: T) => [{ section: 'keyPoints', text: x.text, spans: [x.span] }]);
    push('claims', s.claims, (x: T) => [{ section: 'claims', text: x.text, spans: [x.span] }]);
    push('quotes', s.quotes, (x: T) => [{ section: 'quotes', text: x.text, spans: [x.span] }]);
    push('entities', s.entities, (x: { text: string; spans: Span[] }) => [
      { section: 'entities', text: x.text, spans: x.spans },
    ]);
    for (const item of list) {
      items++;
      const inside = item.spans.every((sp) => {
        let covered = 0;
        for (const r of a.furniture)
          covered += Math.max(0, Math.min(sp.end, r.end) - Math.max(sp.start, r.start));
        return covered * 2 >= sp.end - sp.start;
      });
      // An entity's name is not a line of the page ("Reuters" told a reporter something): spans decide for it.
      const kind = item.section === 'entities' ? null : furnitureOfLine(item.text);
      if (inside || kind !== null) {
        total++;
        offenders.push(`${page} ${item.section}: ${kind ?? 'inside furniture'}: ${item.text.slice(0, 90)}`);
      }
    }
  }
  process.stdout.write(
    `\nPage furniture on the ${pages.length} shared article pages (depth deep): ${ranges} furniture ranges recognised; ` +
      `${total} of ${items} summary/key point/claim/quote/entity items are furniture (goal 0)\n`,
  );
  for (const o of offenders) process.stdout.write(`  ${o}\n`);
}
