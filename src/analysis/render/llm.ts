// The model section for Markdown and text: each statement labelled with its model, its quotes and where they are.
import type { LlmSpendTotal } from '../../store/llm-ledger.js';
import type { LlmItem, LlmSection, Span } from '../report.js';
import { compactSpan, oneLine } from './format.js';

export const LLM_KIND_TITLES: Readonly<Record<LlmItem['kind'], string>> = {
  tldr: 'TL;DR',
  key_point: 'Key points',
  claim: 'Claims in checkable form',
  chapter: 'Chapter titles',
  argument: 'Argument structure',
  rhetoric: 'Rhetoric explained',
};
const KIND_ORDER = Object.keys(LLM_KIND_TITLES) as LlmItem['kind'][];

type Present = Exclude<LlmSection, { missing: unknown }>;

/** What a reader is told about the run: who wrote it, what was dropped, what it cost, why it stopped. */
export function llmFacts(s: Present): string[] {
  const u = s.usage;
  const facts = [
    `Written by ${s.models.join(', ') || 'a language model'}; every statement quotes the source and each quote shown was found in it (prompts ${s.promptVersion}).`,
  ];
  if (s.dropped.statements > 0)
    facts.push(
      `${s.dropped.statements} model statement${s.dropped.statements === 1 ? '' : 's'} dropped: not found in the source.`,
    );
  if (s.dropped.quotes > 0)
    facts.push(
      `${s.dropped.quotes} quote${s.dropped.quotes === 1 ? '' : 's'} removed: not found in the source.`,
    );
  if (s.budget.stopped !== null) facts.push(`Stopped early: ${s.budget.stopped}.`);
  facts.push(
    `${s.chunks.done} of ${s.chunks.total} parts analysed; ${u.calls} model call${u.calls === 1 ? '' : 's'} (${u.cachedCalls} from cache), ${u.promptTokens.toLocaleString('en-US')} prompt + ${u.completionTokens.toLocaleString('en-US')} completion tokens${u.estimated ? ' (partly counted locally)' : ''}, ${usd(u.costUsd)} of a ${usd(s.budget.limitUsd)} budget (estimate ${usd(s.budget.estimateUsd)}).`,
  );
  facts.push(...s.notes);
  return facts;
}

export const usd = (n: number): string =>
  n > 0 && n < 0.0001 ? '<$0.0001' : `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;

/** The items grouped by kind, in reading order. */
export function groupByKind(s: Present): [LlmItem['kind'], LlmItem[]][] {
  return KIND_ORDER.map((k): [LlmItem['kind'], LlmItem[]] => [k, s.items.filter((i) => i.kind === k)]).filter(
    ([, list]) => list.length > 0,
  );
}

export function renderLlmLines(
  s: Present,
  style: {
    readonly escape: (t: string) => string;
    readonly heading: (t: string) => string;
    readonly span: (s: Span) => string;
    readonly indent: string;
  },
): string[] {
  const out: string[] = [];
  for (const [kind, list] of groupByKind(s)) {
    out.push(style.heading(LLM_KIND_TITLES[kind]));
    list.forEach((i, n) => {
      const detail = i.detail ? `${style.escape(i.detail)}: ` : '';
      const quotes = i.quotes
        .map((q) => `“${style.escape(clip(q.text, 300))}” ${style.span(q.span)}`)
        .join('; ');
      const marker = kind === 'key_point' || kind === 'chapter' ? `${n + 1}.` : '-';
      out.push(
        `${style.indent}${marker} ${detail}${style.escape(i.text)} [model: ${style.escape(i.model)}] — ${quotes}`,
      );
    });
    out.push('');
  }
  out.push(...llmFacts(s).map((f) => `${style.indent}- ${style.escape(f)}`));
  return out;
}

const clip = (t: string, n: number): string => {
  const one = oneLine(t);
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
};

export const plainSpan = (s: Span): string => `(${compactSpan(s)})`;

/** `\nModel spend: $0.0123 (4 calls, 5,120 tokens)` for /autointel_status; empty before the first paid call. */
export function spendLine(t: LlmSpendTotal): string {
  if (t.calls === 0) return '';
  const tokens = (t.promptTokens + t.completionTokens).toLocaleString('en-US');
  return `\nModel spend: ${usd(t.costUsd)} (${t.calls} call${t.calls === 1 ? '' : 's'}, ${tokens} tokens)`;
}
