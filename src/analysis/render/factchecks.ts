// The fact-check section for every renderer: grouped by claim, each rating attributed and quoted as published.
import type { FactCheck, FactCheckSection, Span } from '../report.js';
import { oneLine } from './format.js';

/** Shown under a looked-up claim that no source matched (the wording; never a verdict of our own). */
export const NO_PUBLISHED_FACT_CHECK = 'no published fact-check found';

export interface FactCheckGroup {
  readonly claim: string;
  readonly span: Span | null;
  readonly checks: readonly FactCheck[];
}

type Present = Extract<FactCheckSection, { items: unknown }>;

const spanKey = (claim: string, span: Span | null): string =>
  span === null ? `text:${claim}` : `${span.start}:${span.end}`;

/** Looked-up claims in rank order (an empty `checks` means nothing published matched), then other reviewed claims. */
export function factCheckGroups(section: Present): FactCheckGroup[] {
  const groups = new Map<string, { claim: string; span: Span | null; checks: FactCheck[] }>();
  for (const c of section.checked) groups.set(spanKey(c.claim, c.span), { ...c, checks: [] });
  for (const f of section.items) {
    const key = spanKey(f.claim, f.span);
    const g = groups.get(key) ?? { claim: f.claim, span: f.span, checks: [] };
    g.checks.push(f);
    groups.set(key, g);
  }
  return [...groups.values()];
}

const SOURCE_LABEL: Readonly<Record<FactCheck['sourceKind'], string>> = {
  page: "this page's ClaimReview markup",
  google: 'Google Fact Check Tools',
  'earlier-report': 'earlier reports in this server',
};

const STATUS_LABEL: Readonly<Record<Present['sources'][number]['status'], string>> = {
  searched: 'searched',
  not_configured: 'not configured',
  failed: 'failed',
  skipped: 'not searched',
};

/** One line per source: what was searched, or why not, or what failed. */
export function factCheckSourceLines(section: Present): string[] {
  return section.sources.map(
    (s) => `${SOURCE_LABEL[s.kind]} (${STATUS_LABEL[s.status]}): ${oneLine(s.detail)}`,
  );
}

export interface FactCheckFormat {
  /** Escapes text taken from a source (Markdown escapes its markup; plain text only collapses whitespace). */
  readonly text: (s: string) => string;
  /** Formats a URL for the target (Markdown wraps it in <>). */
  readonly link: (url: string) => string;
}

const PLAIN: FactCheckFormat = { text: oneLine, link: (u) => u };

/**
 * One fact-check in a line. The rating is quoted and attributed ("rated “False” by X"), so a reader never takes it
 * for the bot's own judgement.
 */
export function describeFactCheck(f: FactCheck, fmt: FactCheckFormat = PLAIN): string {
  const t = (v: string): string => fmt.text(oneLine(v));
  if (f.sourceKind === 'earlier-report') {
    const where = f.reviewUrl === null ? '' : ` ${fmt.link(f.reviewUrl)}`;
    const id = f.workflowId === null ? '' : ` (workflow ${t(f.workflowId)})`;
    return `also in an earlier report: “${t(f.publisher ?? 'untitled')}”${where}${id}, as “${t(f.reviewedClaim)}”`;
  }
  const by = f.publisher === null ? 'a publisher that did not name itself' : t(f.publisher);
  const parts = [
    f.rating === null ? `reviewed by ${by} (no rating given)` : `rated “${t(f.rating)}” by ${by}`,
  ];
  if (f.ratingScale !== null) parts.push(`score ${t(f.ratingScale)}`);
  if (f.reviewDate !== null) parts.push(t(f.reviewDate.slice(0, 10)));
  parts.push(`via ${SOURCE_LABEL[f.sourceKind]}`);
  let s = parts.join(', ');
  if (f.reviewUrl !== null) s += ` — ${fmt.link(f.reviewUrl)}`;
  if (oneLine(f.reviewedClaim).toLowerCase() !== oneLine(f.claim).toLowerCase())
    s += ` — their wording: “${t(f.reviewedClaim)}”`;
  if (f.claimant !== null) s += ` (claimed by ${t(f.claimant)})`;
  return s;
}
