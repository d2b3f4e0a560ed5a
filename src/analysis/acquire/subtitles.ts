// WebVTT and SRT → timestamped segments and the text they index into (rolling auto-caption lines deduplicated).
import type { TranscriptSegment } from './types.js';

export interface Cue {
  readonly start: number;
  readonly end: number;
  readonly speaker: string | null;
  /** Cue payload lines with markup removed, entities decoded, blank lines dropped. */
  readonly lines: readonly string[];
}

const TIMING =
  /^\s*((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)(?:\s.*)?$/;

/** `01:02:03.456`, `02:03.456` or `01:02:03,456` → seconds. */
export function parseTimestamp(text: string): number | null {
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$/.exec(text.trim());
  if (m === null) return null;
  const [, h, min, s, frac] = m;
  const seconds = Number(h ?? 0) * 3600 + Number(min) * 60 + Number(s);
  return seconds + (frac === undefined ? 0 : Number(frac.padEnd(3, '0')) / 1000);
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  lrm: '',
  rlm: '',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X'))
      return safeCodePoint(parseInt(name.slice(2), 16), whole);
    if (name.startsWith('#')) return safeCodePoint(Number(name.slice(1)), whole);
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const safeCodePoint = (n: number, fallback: string): string =>
  Number.isInteger(n) && n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff)
    ? String.fromCodePoint(n)
    : fallback;

/** Removes cue markup (`<c>`, `<i>`, inline `<00:00:01.000>` timestamps, SRT `{\an8}`), keeping the voice. */
function cleanPayload(raw: readonly string[]): { speaker: string | null; lines: string[] } {
  let speaker: string | null = null;
  const lines: string[] = [];
  for (const line of raw) {
    // `[^<>]`: a scan stops at the next `<`, so a line of unclosed tags stays linear (no rescans per opener).
    const voice = /<v(?:\.[^\s<>]*)?\s+([^<>]+)>/i.exec(line);
    if (voice?.[1] !== undefined && speaker === null) speaker = voice[1].trim();
    const text = decodeEntities(line.replace(/<[^<>]*>/g, '').replace(/\{\\[^{}]*\}/g, ''))
      .replace(/\s+/g, ' ')
      .trim();
    if (text !== '') lines.push(text);
  }
  return { speaker, lines };
}

/** Parses WebVTT or SRT (detected from content). Malformed blocks are skipped, never thrown on. */
export function parseCues(input: string): Cue[] {
  const text = input.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n');
  const blocks = text.split(/\n{2,}/);
  const cues: Cue[] = [];
  for (const block of blocks) {
    const lines = block.split('\n');
    const timingIndex = lines.findIndex((l) => l.includes('-->'));
    if (timingIndex < 0 || timingIndex > 1) continue;
    const first = lines[0]?.trim() ?? '';
    if (/^(NOTE|STYLE|REGION)\b/.test(first)) continue;
    const m = TIMING.exec(lines[timingIndex] ?? '');
    if (m?.[1] === undefined || m[2] === undefined) continue;
    const start = parseTimestamp(m[1]);
    const end = parseTimestamp(m[2]);
    if (start === null || end === null) continue;
    const { speaker, lines: payload } = cleanPayload(lines.slice(timingIndex + 1));
    if (payload.length === 0) continue;
    cues.push({ start, end: Math.max(start, end), speaker, lines: payload });
  }
  return cues.sort((a, b) => a.start - b.start || a.end - b.end);
}

const ROLLING_MAX_LINES = 8;

/**
 * Drops what auto-captions repeat: YouTube-style rolling captions show the previous line again above the new
 * one, and a line may grow word by word across cues. Only genuinely new words survive, timed by the cue that
 * introduced them.
 */
export function dedupeRollingCues(cues: readonly Cue[]): Cue[] {
  const out: Cue[] = [];
  let previous: readonly string[] = [];
  let seen = new Set<string>();
  for (const cue of cues) {
    const fresh: string[] = [];
    // Rolling captions repeat one or two lines; a hostile cue of thousands of lines must not cost lines².
    const rolling = previous.length <= ROLLING_MAX_LINES;
    for (const line of cue.lines) {
      if (seen.has(line)) continue;
      const grown = rolling ? previous.find((p) => line.startsWith(`${p} `)) : undefined;
      const added = grown === undefined ? line : line.slice(grown.length + 1).trim();
      if (added !== '') fresh.push(added);
    }
    previous = cue.lines;
    seen = new Set(cue.lines);
    if (fresh.length > 0) out.push({ ...cue, lines: fresh });
  }
  return out;
}

export interface SubtitleText {
  readonly text: string;
  readonly segments: TranscriptSegment[];
}

/** Joins cues into one text (one segment per line) with exact offsets; consecutive identical cues merge. */
export function cuesToText(cues: readonly Cue[]): SubtitleText {
  const segments: TranscriptSegment[] = [];
  let text = '';
  for (const cue of cues) {
    const body = cue.lines.join(' ');
    const prev = segments[segments.length - 1];
    if (prev !== undefined && prev.text === body && cue.start <= prev.end + 0.05) {
      segments[segments.length - 1] = { ...prev, end: Math.max(prev.end, cue.end) };
      continue;
    }
    if (text !== '') text += '\n';
    const charStart = text.length;
    text += body;
    segments.push({
      start: cue.start,
      end: cue.end,
      speaker: cue.speaker,
      text: body,
      charStart,
      charEnd: text.length,
    });
  }
  return { text, segments };
}

/** Subtitles file → text + segments, with rolling duplicates removed. */
export function parseSubtitles(input: string): SubtitleText {
  return cuesToText(dedupeRollingCues(parseCues(input)));
}

/** Whether a text body is WebVTT or SRT (so `text/plain` subtitles are recognised). */
export function looksLikeSubtitles(text: string): boolean {
  const head = text.replace(/^\ufeff/, '').slice(0, 2000);
  if (/^WEBVTT(?:[ \t].*)?(?:\n|\r|$)/.test(head)) return true;
  return /^\s*\d+\s*\r?\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}/.test(head);
}
