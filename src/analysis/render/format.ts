// Shared formatting for the report renderers: compact spans and times, section titles, sparklines.
import type { Report, Span } from '../report.js';

/** "12:03" or "1:02:03". */
export function clockTime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A span as briefly as it can be told: its media time when known, else its character range. */
export function compactSpan(span: Span): string {
  if (span.startTime !== undefined) {
    return span.endTime !== undefined && Math.floor(span.endTime) > Math.floor(span.startTime)
      ? `${clockTime(span.startTime)}–${clockTime(span.endTime)}`
      : clockTime(span.startTime);
  }
  return `@${span.start}–${span.end}`;
}

export type SectionKey = keyof Report['sections'];

export const SECTION_TITLES: Readonly<Record<SectionKey, string>> = {
  summary: 'Summary',
  keyPoints: 'Key points',
  topics: 'Topics',
  entities: 'Entities',
  sentiment: 'Sentiment',
  claims: 'Check-worthy claims',
  sentimentArc: 'Sentiment arc',
  rhetoric: 'Rhetoric signals',
  quotes: 'Notable quotes',
  chapters: 'Chapters',
  crossReferences: 'Cross-references',
  factChecks: 'Fact checks',
  llm: 'Model analysis (grounded in quotes)',
};

export const SECTION_ORDER: readonly SectionKey[] = [
  'summary',
  'keyPoints',
  'topics',
  'entities',
  'sentiment',
  'claims',
  'sentimentArc',
  'rhetoric',
  'quotes',
  'chapters',
  'crossReferences',
  'factChecks',
  'llm',
];

const BARS = '▁▂▃▄▅▆▇█';

/** Scores in [-1, 1] as a row of block characters (▁ most negative, █ most positive). */
export function sparkline(scores: readonly number[]): string {
  return scores
    .map((s) => BARS[Math.max(0, Math.min(BARS.length - 1, Math.round(((s + 1) / 2) * (BARS.length - 1))))])
    .join('');
}

/** Whitespace runs (line breaks inside a sentence) collapse to one space for display. */
export const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

export const RHETORIC_LABELS: Readonly<Record<string, string>> = {
  hedge: 'Hedges',
  absolute: 'Absolutes',
  loaded_language: 'Loaded language',
  fallacy_cue: 'Fallacy cues',
};

export function sourceFacts(report: Report): string[] {
  const s = report.source;
  const facts: string[] = [s.kind];
  if (s.siteName) facts.push(s.siteName);
  if (s.byline) facts.push(s.byline);
  if (s.publishedTime) facts.push(s.publishedTime);
  if (s.language) facts.push(`language ${s.language}`);
  facts.push(`${s.wordCount.toLocaleString('en-US')} words`);
  facts.push(`depth ${report.depth}`);
  return facts;
}
