// Transcripts from corpus files as the acquirer would hand them over: one line and one timed segment per turn
// (the CT19 debates and QMSum meetings carry no times; 2.5 words per second gives plausible ones).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AcquiredContent, TranscriptSegment } from '../../src/analysis/acquire/types.js';

/** Words per second of speech, to give segments plausible times (these are estimates). */
const WORDS_PER_SECOND = 2.5;

const round = (x: number): number => Math.round(x * 100) / 100;

/** Plain text as acquired content (no page, no media); `segments` when it is a transcript. */
export function textContent(
  id: string,
  text: string,
  segments: TranscriptSegment[] | null,
  over: Partial<AcquiredContent> = {},
): AcquiredContent {
  return {
    kind: 'text',
    source: id,
    finalUrl: id,
    title: null,
    byline: null,
    siteName: null,
    publishedTime: null,
    language: 'en',
    text,
    segments,
    media: null,
    notes: [],
    contentHash: createHash('sha256').update(text).digest('hex'),
    fetchedAt: 0,
    ...over,
  };
}

/** Turns in order → text (a line each) and segments that point into it. Empty turns are skipped. */
export function transcriptOf(turns: readonly { readonly speaker: string; readonly text: string }[]): {
  text: string;
  segments: TranscriptSegment[];
} {
  let text = '';
  let t = 0;
  const segments: TranscriptSegment[] = [];
  for (const turn of turns) {
    const line = turn.text.trim();
    if (line === '') continue;
    if (text !== '') text += '\n';
    const charStart = text.length;
    text += line;
    const seconds = line.split(/\s+/).length / WORDS_PER_SECOND;
    const speaker = turn.speaker.trim();
    segments.push({
      start: round(t),
      end: round(t + seconds),
      speaker: speaker === '' ? null : speaker,
      text: line,
      charStart,
      charEnd: text.length,
    });
    t += seconds;
  }
  return { text, segments };
}

export interface QmsumMeeting {
  readonly file: string;
  readonly content: AcquiredContent;
  /** The reference answer to "summarise the whole meeting" ('' when the file has none). */
  readonly reference: string;
}

/** The QMSum meetings under `dir` (sorted by file name, at most `limit`) as transcripts. */
export function readQmsumMeetings(dir: string, limit = Infinity): QmsumMeeting[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .slice(0, limit)
    .map((file) => {
      const m = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
        meeting_transcripts: { speaker: string; content: string }[];
        general_query_list: { query: string; answer: string }[];
      };
      const { text, segments } = transcriptOf(
        m.meeting_transcripts.map((x) => ({ speaker: x.speaker, text: x.content })),
      );
      return {
        file,
        content: textContent(`meeting:${file}`, text, segments, { title: file }),
        reference: m.general_query_list[0]?.answer ?? '',
      };
    });
}
