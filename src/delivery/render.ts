// Report → Discord messages within every limit of DISCORD.md §2, plus the progress card, outcome and status texts.
import type { Report } from '../analysis/report.js';
import { isMissing } from '../analysis/report.js';
import type { WorkflowProgress, WorkflowRecord } from '../store/store.js';
import type { Embed, DiscordMessage } from '../discord-api/message.js';
import { LIMITS, embedSize, measure } from '../discord-api/limits.js';
import { renderMarkdown } from '../analysis/render/markdown.js';
import { compactSpan } from '../analysis/render/format.js';
import { linkTo } from '../analysis/links.js';
import type { Span } from '../analysis/report.js';
import { LLM_KIND_TITLES, llmFacts, spendLine } from '../analysis/render/llm.js';
import type { LlmSpendTotal } from '../store/llm-ledger.js';
import {
  describeFactCheck,
  factCheckGroups,
  factCheckSourceLines,
  NO_PUBLISHED_FACT_CHECK,
} from '../analysis/render/factchecks.js';
import { clip, escapePiece, joinCompact, sanitize, splitText, truncate } from './text.js';
import type { ReportExtras } from './report-extras.js';

export type { Embed, DiscordMessage } from '../discord-api/message.js';

export interface RenderOptions {
  readonly workflowId: string;
  /** The per-file limit of the destination (10 MiB by default). */
  readonly maxFileBytes?: number;
  /** The chart image and the report page link (delivery/report-extras.ts), when there are any. */
  readonly extras?: ReportExtras;
}

const NO_MENTIONS = { parse: [] as [] };
const COLOR = { brand: 0x5865f2, positive: 0x57f287, negative: 0xed4245, neutral: 0x99aab5, mixed: 0xfee75c };

/** How many items of each section are shown in embeds; the attached file always holds everything. */
const SHOWN = {
  summaryChars: 3800,
  keyPoints: 12,
  keyPointChars: 600,
  claims: 12,
  claimChars: 900,
  signals: 12,
  quotes: 5,
  chapters: 15,
  factChecks: 8,
  crossReferences: 8,
  llmItems: 15,
  llmChars: 1200,
  listItemChars: 80,
  notes: 8,
} as const;

/** The footer that names the workflow and the part: also the marker that finds a delivered part again. */
export function partMarker(workflowId: string, index: number, total: number): string {
  return `autointel • workflow ${sanitize(workflowId).slice(0, 64)} • part ${index}/${total}`;
}

// Room kept for the footer on the last embed of each message (part numbers up to 9999/9999).
const footerReserve = (workflowId: string): number => measure(partMarker(workflowId, 9999, 9999));

/** Builds embeds of fields, opening a new embed when 25 fields or the size budget would be exceeded. */
class FieldEmbeds {
  readonly embeds: Embed[] = [];
  #current: Embed | null = null;
  constructor(
    private readonly title: string,
    private readonly budget: number,
    private readonly color: number,
  ) {}

  add(name: string, value: string, inline = false): void {
    const size = measure(name) + measure(value);
    const cur = this.#current;
    if (cur === null || (cur.fields?.length ?? 0) >= LIMITS.fields || embedSize(cur) + size > this.budget) {
      const title = this.embeds.length === 0 ? this.title : `${this.title} (continued)`;
      this.#current = { title: truncate(title, LIMITS.title), color: this.color, fields: [] };
      this.embeds.push(this.#current);
    }
    this.#current?.fields?.push(inline ? { name, value, inline } : { name, value });
  }
}

/** Builds embeds from lines of a description, opening a new embed when 4096 or the size budget would be exceeded. */
function describe(title: string, lines: readonly string[], budget: number, color: number): Embed[] {
  const out: Embed[] = [];
  let cur: string[] = [];
  let len = 0;
  const limit = (): number => Math.min(LIMITS.description, budget - LIMITS.title);
  const flush = (): void => {
    if (cur.length === 0) return;
    const t = out.length === 0 ? title : `${title} (continued)`;
    out.push({ title: truncate(t, LIMITS.title), color, description: cur.join('\n') });
    cur = [];
    len = 0;
  };
  for (const l of lines) {
    const add = measure(l) + (cur.length > 0 ? 1 : 0);
    if (len + add > limit()) flush();
    cur.push(l);
    len += measure(l) + (cur.length > 1 ? 1 : 0);
  }
  flush();
  return out;
}

/** Chapters, each as one line that links its first summary sentence to its place in the source. */
function chapterEmbeds(r: Report, budget: number): Embed[] {
  const chapters = r.sections.chapters;
  if (chapters === undefined || isMissing(chapters) || chapters.items.length === 0) return [];
  const shown = chapters.items.slice(0, SHOWN.chapters);
  const links = shown.map((c) => {
    const first = c.summary?.[0];
    return first === undefined ? '' : sourceLink(r, first.text, first.span);
  });
  return describe(
    'Chapters',
    bullets(shown.map(chapterLine), LIMITS.description, 320, links),
    budget,
    COLOR.brand,
  );
}

/** A chapter as one line: where it starts, its title, and the first sentence of its own summary. */
function chapterLine(
  c: NonNullable<Extract<Report['sections']['chapters'], { items: unknown }>>['items'][number],
): string {
  const first = c.summary?.[0]?.text;
  const at = c.span.startTime === undefined ? '' : `${compactSpan(c.span).split('–')[0]} `;
  return `${at}${c.title}${first === undefined ? '' : ` — ${first}`}`;
}

/** Longest "go to the source" link appended to an item; a longer one is left out rather than cut. */
const SOURCE_LINK_CHARS = 400;

/**
 * ` [↗](url)`: the item's place in its source (a text fragment on a page, `t=` in a video, `#page=` in a PDF), or ''
 * when the source has no address to link to. The URL comes from `linkTo`, percent-encoded; `<>` keep Discord from
 * previewing it, the parenthesis from ending the link early, and `@` (in a path) from looking like a mention.
 */
function sourceLink(r: Report, text: string, span: Span, prefixOnly = false): string {
  const url = linkTo(r.source, { text, prefixOnly, span });
  if (url === null || validUrl(url) === undefined) return '';
  const link = ` [↗](<${url.replace(/[<>()\s@]/g, encodeURIComponent)}>)`;
  return measure(link) > SOURCE_LINK_CHARS ? '' : link;
}

/**
 * `• ` bullets of one text each, split into as many lines as needed to stay under `lineLimit`; `suffixes[i]` (a
 * source link, already safe) ends item i's last line.
 */
function bullets(
  texts: readonly string[],
  lineLimit: number,
  itemChars: number,
  suffixes: readonly string[] = [],
): string[] {
  const lines: string[] = [];
  texts.forEach((t, n) => {
    const shown = clip(t, itemChars);
    if (shown === '') return;
    const suffix = suffixes[n] ?? '';
    const pieces = splitText(shown, lineLimit - 2 - measure(suffix));
    pieces.forEach((p, i) =>
      lines.push(`${i === 0 ? '•' : ' '} ${escapePiece(p)}${i === pieces.length - 1 ? suffix : ''}`),
    );
  });
  return lines;
}

const sentimentColor = (r: Report): number => {
  const s = r.sections.sentiment;
  if (isMissing(s)) return COLOR.brand;
  return COLOR[s.items[0]?.label ?? 'neutral'];
};

const validUrl = (u: string): string | undefined => {
  if (measure(u) > LIMITS.url || !/^https?:\/\/\S+$/.test(u) || !URL.canParse(u)) return undefined;
  return u;
};

const missingLine = (name: string, reason: string): string =>
  `• ${name}: not produced — ${truncate(reason, 300) || 'no reason given'}`;

function headerEmbeds(r: Report, budget: number): Embed[] {
  const src = r.sections;
  const color = sentimentColor(r);
  const title = truncate(r.source.title ?? r.source.finalUrl, LIMITS.title) || 'Untitled source';
  const head: Embed = { title, color };
  const url = validUrl(r.source.finalUrl);
  if (url !== undefined) head.url = url;
  const by = [r.source.siteName, r.source.byline].filter(
    (x): x is string => x !== null && sanitize(x) !== '',
  );
  if (by.length > 0) head.author = { name: truncate(by.join(' · '), LIMITS.author) };

  const fields: { name: string; value: string; inline: boolean }[] = [];
  fields.push({ name: 'Depth', value: r.depth, inline: true });
  if (isMissing(src.sentiment)) {
    fields.push({
      name: 'Sentiment',
      value: truncate(`unavailable: ${src.sentiment.missing.reason}`, 200),
      inline: true,
    });
  } else {
    const s = src.sentiment.items[0];
    fields.push({
      name: 'Sentiment',
      value: s === undefined ? 'none found' : `${s.label} (${s.score.toFixed(2)})`,
      inline: true,
    });
  }
  const lang = r.source.language !== null ? sanitize(r.source.language) : '';
  fields.push({
    name: 'Source',
    value: truncate(`${r.source.kind} · ${r.source.wordCount} words${lang ? ` · ${lang}` : ''}`, 200),
    inline: true,
  });
  if (r.source.publishedTime !== null && sanitize(r.source.publishedTime) !== '')
    fields.push({ name: 'Published', value: truncate(r.source.publishedTime, 100), inline: true });
  head.fields = fields;

  // The summary fills the head embed's description; what does not fit continues in the next embeds.
  let summaryLines: string[];
  if (isMissing(src.summary)) {
    summaryLines = [missingLine('Summary', src.summary.missing.reason)];
  } else {
    const shown = clip(
      src.summary.items.map((x) => x.text.slice(0, SHOWN.summaryChars * 2)).join(' '),
      SHOWN.summaryChars,
    );
    summaryLines = shown === '' ? [] : splitText(shown, 1000).map(escapePiece);
  }
  const headRoom = Math.min(LIMITS.description, budget - embedSize(head));
  const out: Embed[] = [head];
  let desc: string[] = [];
  let len = 0;
  let i = 0;
  for (; i < summaryLines.length; i++) {
    const l = summaryLines[i] ?? '';
    const add = measure(l) + (desc.length > 0 ? 1 : 0);
    if (len + add > headRoom) break;
    desc.push(l);
    len += add;
  }
  if (desc.length > 0) head.description = desc.join(' ');
  desc = summaryLines.slice(i);
  if (desc.length > 0) out.push(...describe('Summary', desc, budget, color));
  return out;
}

function keyPointEmbeds(r: Report, budget: number): Embed[] {
  const kp = r.sections.keyPoints;
  if (isMissing(kp))
    return describe('Key points', [missingLine('Key points', kp.missing.reason)], budget, COLOR.brand);
  const shown = kp.items.slice(0, SHOWN.keyPoints);
  const lines = bullets(
    shown.map((x) => x.text),
    LIMITS.description,
    SHOWN.keyPointChars,
    shown.map((x) => sourceLink(r, x.text, x.span)),
  );
  if (kp.items.length > SHOWN.keyPoints)
    lines.push(`+${kp.items.length - SHOWN.keyPoints} more in the attached report`);
  return lines.length === 0 ? [] : describe('Key points', lines, budget, COLOR.brand);
}

function topicEntityEmbeds(r: Report, budget: number): Embed[] {
  const b = new FieldEmbeds('Topics & entities', budget, COLOR.brand);
  const list = (texts: readonly string[]): string =>
    joinCompact(
      texts.map((t) => truncate(t, SHOWN.listItemChars)).filter((t) => t !== ''),
      LIMITS.fieldValue,
    );
  const { topics, entities } = r.sections;
  if (isMissing(topics))
    b.add('Topics', truncate(`not produced — ${topics.missing.reason}`, LIMITS.fieldValue));
  else {
    const v = list(topics.items.map((t) => t.label));
    if (v !== '') b.add('Topics', v);
  }
  if (isMissing(entities))
    b.add('Entities', truncate(`not produced — ${entities.missing.reason}`, LIMITS.fieldValue));
  else {
    const groups: [string, string][] = [
      ['person', 'People'],
      ['organization', 'Organizations'],
      ['location', 'Places'],
      ['misc', 'Other names'],
      ['place', 'Places'],
      ['other', 'Other'],
    ];
    for (const [type, name] of groups) {
      const v = list(
        entities.items
          .filter((e) => e.type === type)
          .map((e) => `${e.text}${e.count > 1 ? ` ×${e.count}` : ''}`),
      );
      if (v !== '') b.add(name, v, true);
    }
  }
  return b.embeds;
}

/** Fields for one item whose text may need several 1024-character values; names come with `(continued)`. */
function addItem(b: FieldEmbeds, rawName: string, text: string, maxChars: number, suffix = ''): void {
  const name = truncate(rawName, 200) || 'item';
  const shown = clip(text, maxChars) || '(empty)';
  const pieces = splitText(shown, LIMITS.fieldValue - measure(suffix));
  pieces.forEach((p, i) => {
    b.add(
      i === 0 ? name : truncate(`${rawName} (continued)`, LIMITS.fieldName),
      `${escapePiece(p)}${i === pieces.length - 1 ? suffix : ''}`,
    );
  });
}

function listSection<T>(
  title: string,
  section: { items: T[] } | { missing: { reason: string } } | undefined,
  budget: number,
  max: number,
  item: (b: FieldEmbeds, x: T, i: number) => void,
  color = COLOR.brand,
): Embed[] {
  if (section === undefined || isMissing(section) || section.items.length === 0) return [];
  const b = new FieldEmbeds(title, budget, color);
  section.items.slice(0, max).forEach((x, i) => item(b, x, i));
  if (section.items.length > max) b.add('More', `+${section.items.length - max} more in the attached report`);
  return b.embeds;
}

/** Each looked-up claim with the published fact-checks that match it (rated as published), then what was searched. */
function factCheckEmbeds(section: Report['sections']['factChecks'], budget: number): Embed[] {
  if (section === undefined || isMissing(section)) return [];
  const b = new FieldEmbeds('Fact checks', budget, COLOR.brand);
  const groups = factCheckGroups(section);
  for (const g of groups.slice(0, SHOWN.factChecks)) {
    const lines =
      g.checks.length === 0 ? [NO_PUBLISHED_FACT_CHECK] : g.checks.map((f) => describeFactCheck(f));
    addItem(b, `“${sanitize(g.claim)}”`, lines.map((l) => `• ${l}`).join('\n'), 900);
  }
  if (groups.length > SHOWN.factChecks)
    b.add('More', `+${groups.length - SHOWN.factChecks} more in the attached report`);
  addItem(b, 'Searched', factCheckSourceLines(section).join('\n'), 900);
  return b.embeds;
}

const SIGNAL_LABEL = {
  hedge: 'Hedge',
  absolute: 'Absolute',
  loaded_language: 'Loaded language',
  fallacy_cue: 'Fallacy cue',
} as const;

function notesEmbeds(r: Report, budget: number): Embed[] {
  const lines: string[] = [];
  const optional: [string, { missing: { reason: string } } | { items: unknown[] } | undefined][] = [
    ['Claims', r.sections.claims],
    ['Sentiment arc', r.sections.sentimentArc],
    ['Rhetoric signals', r.sections.rhetoric],
    ['Quotes', r.sections.quotes],
    ['Chapters', r.sections.chapters],
    ['Cross-references', r.sections.crossReferences],
    ['Fact checks', r.sections.factChecks],
    ['Model analysis', r.sections.llm],
  ];
  for (const [name, s] of optional)
    if (s !== undefined && isMissing(s)) lines.push(missingLine(name, s.missing.reason));
  lines.push(...bullets(r.notes.slice(0, SHOWN.notes), LIMITS.description, 300));
  if (r.notes.length > SHOWN.notes)
    lines.push(`+${r.notes.length - SHOWN.notes} more notes in the attached report`);
  return lines.length === 0 ? [] : describe('Notes', lines, budget, COLOR.neutral);
}

function reportFile(
  r: Report,
  workflowId: string,
  maxBytes: number,
): { name: string; contentBase64: string } {
  let bytes = Buffer.from(renderMarkdown(r), 'utf8');
  if (bytes.length > maxBytes) {
    const note = Buffer.from('\n\n_(Report truncated to fit the attachment limit.)_\n', 'utf8');
    // Cut on a UTF-8 boundary: drop continuation bytes (10xxxxxx) and the lead byte of a cut sequence.
    let end = Math.max(0, maxBytes - note.length);
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    bytes = Buffer.concat([bytes.subarray(0, end), note]);
  }
  const safeId = workflowId.replace(/[^\w-]/g, '').slice(0, 64) || 'report';
  return { name: `report-${safeId}.md`, contentBase64: bytes.toString('base64') };
}

/**
 * The chart (an embed showing the attached PNG) and the link to the full report page (the embed's title links to
 * it); nothing when there is neither.
 */
function extrasEmbeds(extras: ReportExtras | undefined): Embed[] {
  if (extras === undefined || (extras.chart === null && extras.reportUrl === null)) return [];
  const embed: Embed = { color: COLOR.brand };
  const url = extras.reportUrl === null ? undefined : validUrl(extras.reportUrl);
  if (url !== undefined) {
    embed.title = 'Open the full report';
    embed.url = url;
  } else embed.title = 'Sentiment through the source';
  if (extras.chart !== null) embed.image = { url: `attachment://${extras.chart.name}` };
  return [embed];
}

/**
 * Renders a report into messages that Discord accepts as they are: ≤ 10 embeds and ≤ 6000 counted characters per
 * message, every string within its own limit, markdown escaped, no mentions, the full report attached as Markdown
 * to the first message, and a footer naming the workflow and part on the last embed of each message.
 */
export function renderReport(report: Report, opts: RenderOptions): DiscordMessage[] {
  const reserve = footerReserve(opts.workflowId);
  const budget = LIMITS.embedTotal - reserve;
  const s = report.sections;
  const embeds: Embed[] = [
    ...headerEmbeds(report, budget),
    ...extrasEmbeds(opts.extras),
    ...keyPointEmbeds(report, budget),
    ...topicEntityEmbeds(report, budget),
    ...listSection('Check-worthy claims', s.claims, budget, SHOWN.claims, (b, c, i) => {
      const speaker = c.speaker !== null && sanitize(c.speaker) !== '' ? ` · ${sanitize(c.speaker)}` : '';
      addItem(
        b,
        `#${i + 1} · check-worthiness ${c.score.toFixed(2)}${speaker}`,
        c.text,
        SHOWN.claimChars,
        sourceLink(report, c.text, c.span),
      );
    }),
    ...listSection('Rhetoric signals', s.rhetoric, budget, SHOWN.signals, (b, x) => {
      const detail = x.detail !== null && sanitize(x.detail) !== '' ? ` (${sanitize(x.detail)})` : '';
      addItem(b, `${SIGNAL_LABEL[x.kind]}: “${sanitize(x.cue)}”${detail}`, x.sentence, 600);
    }),
    ...listSection('Notable quotes', s.quotes, budget, SHOWN.quotes, (b, q, i) => {
      const who = q.speaker !== null && sanitize(q.speaker) !== '' ? ` — ${sanitize(q.speaker)}` : '';
      addItem(b, `Quote ${i + 1}${who}`, q.text, 600, sourceLink(report, q.text, q.span));
    }),
    ...chapterEmbeds(report, budget),
    ...factCheckEmbeds(s.factChecks, budget),
    ...listSection('Related analyses', s.crossReferences, budget, SHOWN.crossReferences, (b, x) => {
      addItem(b, sanitize(x.title) || x.url, `${x.matched}: ${x.text}`, 400);
    }),
    // Model-written items, each labelled with its model and its first verified quote.
    ...listSection('Model analysis (grounded in quotes)', s.llm, budget, SHOWN.llmItems, (b, x) => {
      const detail = x.detail !== null && sanitize(x.detail) !== '' ? ` (${sanitize(x.detail)})` : '';
      const q = x.quotes[0];
      const quote = q === undefined ? '' : `\n“${clip(q.text, 300)}” ${compactSpan(q.span)}`;
      addItem(
        b,
        `${LLM_KIND_TITLES[x.kind]}${detail} · ${sanitize(x.model)}`,
        `${x.text}${quote}`,
        SHOWN.llmChars,
      );
    }),
    ...(s.llm !== undefined && !isMissing(s.llm)
      ? describe('Model run', bullets(llmFacts(s.llm), LIMITS.description, 400), budget, COLOR.neutral)
      : []),
    ...notesEmbeds(report, budget),
  ];

  // Pack embeds into messages: ≤ 10 per message and the 6000 total including the footer.
  const groups: Embed[][] = [];
  let group: Embed[] = [];
  let total = reserve;
  for (const e of embeds) {
    const size = embedSize(e);
    if (group.length > 0 && (group.length >= LIMITS.embedsPerMessage || total + size > LIMITS.embedTotal)) {
      groups.push(group);
      group = [];
      total = reserve;
    }
    group.push(e);
    total += size;
  }
  if (group.length > 0) groups.push(group);

  const n = groups.length;
  const file = reportFile(report, opts.workflowId, opts.maxFileBytes ?? LIMITS.fileBytes);
  return groups.map((g, i) => {
    const last = g[g.length - 1];
    if (last !== undefined) last.footer = { text: partMarker(opts.workflowId, i + 1, n) };
    const msg: DiscordMessage = { embeds: g, allowed_mentions: NO_MENTIONS };
    if (i === 0) msg.files = opts.extras?.chart ? [file, { ...opts.extras.chart }] : [file];
    return msg;
  });
}

const bar = (percent: number): string => {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  const filled = Math.round(p / 10);
  return `${'█'.repeat(filled)}${'░'.repeat(10 - filled)} ${p}%`;
};

/** `1h 02m 03s` style, from milliseconds. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(r).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

/** The one card that is edited in place while a workflow runs. */
export function renderProgressCard(
  progress: WorkflowProgress | null,
  workflowId: string,
  elapsedMs: number,
): DiscordMessage {
  const stage = progress !== null ? truncate(progress.stage, 100) || 'starting' : 'queued';
  const fields = [
    { name: 'Stage', value: stage, inline: true },
    { name: 'Progress', value: bar(progress?.percent ?? 0), inline: true },
    { name: 'Elapsed', value: formatElapsed(elapsedMs), inline: true },
  ];
  const embed: Embed = {
    title: 'Analysis in progress',
    color: COLOR.brand,
    fields,
    footer: { text: `autointel • workflow ${sanitize(workflowId).slice(0, 64)}` },
  };
  const message = progress !== null ? truncate(progress.message, 1000) : '';
  if (message !== '') embed.description = message;
  return { embeds: [embed], allowed_mentions: NO_MENTIONS };
}

/** The final state of the progress card once the report is on its way. */
export function renderProgressDone(workflowId: string, elapsedMs: number): DiscordMessage {
  return {
    embeds: [
      {
        title: 'Analysis complete',
        description: 'The report follows in the next messages.',
        color: COLOR.positive,
        fields: [{ name: 'Elapsed', value: formatElapsed(elapsedMs), inline: true }],
        footer: { text: `autointel • workflow ${sanitize(workflowId).slice(0, 64)}` },
      },
    ],
    allowed_mentions: NO_MENTIONS,
  };
}

/** A failed or cancelled workflow, with the user-safe reason only. */
export function renderOutcome(workflow: WorkflowRecord): DiscordMessage {
  const cancelled = workflow.status === 'cancelled';
  const reason = workflow.lastError !== null ? truncate(workflow.lastError.message, 1500) : '';
  const embed: Embed = {
    title: cancelled ? 'Analysis cancelled' : 'Analysis failed',
    color: cancelled ? COLOR.neutral : COLOR.negative,
    description:
      reason || (cancelled ? 'The analysis was cancelled.' : 'The analysis could not be completed.'),
    fields: [
      { name: 'Source', value: truncate(workflow.request.url, 500) || 'unknown', inline: false },
      { name: 'Depth', value: workflow.request.depth, inline: true },
    ],
    footer: { text: partMarker(workflow.id, 1, 1) },
  };
  if (workflow.lastError !== null && !cancelled)
    embed.fields?.push({
      name: 'Code',
      value: truncate(workflow.lastError.code, 100) || 'unknown',
      inline: true,
    });
  return { embeds: [embed], allowed_mentions: NO_MENTIONS };
}

/** A plain-text status line set for /autointel_status (≤ 2000 characters, mentions escaped). */
export function renderStatus(
  workflow: WorkflowRecord,
  now: number,
  /** The workflow's model spend so far (the model ledger), when it could be read. */
  llmSpend: LlmSpendTotal | null = null,
): string {
  const lines = [
    `Workflow ${sanitize(workflow.id)} — ${workflow.status}`,
    `Source: ${truncate(workflow.request.url, 300)} (${workflow.request.depth})`,
  ];
  if (workflow.progress !== null && workflow.status === 'running')
    lines.push(`Stage: ${truncate(workflow.progress.stage, 100)} — ${bar(workflow.progress.percent)}`);
  const since = workflow.startedAt ?? workflow.createdAt;
  lines.push(`Elapsed: ${formatElapsed((workflow.finishedAt ?? now) - since)}`);
  if (workflow.lastError !== null) lines.push(`Last error: ${truncate(workflow.lastError.message, 500)}`);
  if (workflow.deliveryState !== null) lines.push(`Delivery: ${workflow.deliveryState}`);
  if (workflow.deliveryError !== null)
    lines.push(`Delivery error: ${truncate(workflow.deliveryError.message, 300)}`);
  // spendLine starts with its own newline and is empty when no model call was made.
  const text = lines.join('\n') + (llmSpend === null ? '' : spendLine(llmSpend));
  if (measure(text) <= LIMITS.content) return text;
  // Cut between code points, never inside a surrogate pair.
  let cut = LIMITS.content - 1;
  if (/[\uD800-\uDBFF]/.test(text.charAt(cut - 1))) cut -= 1;
  return `${text.slice(0, cut)}…`;
}
