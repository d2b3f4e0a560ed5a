// Joins per-chunk transcripts into one timeline: absolute times, in order, no word repeated across a seam.
import type { TranscribedSegment } from './index.js';

export interface ChunkTranscript {
  /** Where the chunk starts and ends in the recording, in seconds. */
  readonly start: number;
  readonly end: number;
  /** Segments with times relative to the chunk's start. */
  readonly segments: readonly TranscribedSegment[];
}

/** Words compared across a seam: engines repeat at most a short phrase when a cut lands near speech. */
const SEAM_WORDS = 8;
/** Only text this close to a seam (seconds) can be a repetition of the other side. */
const SEAM_SECONDS = 3;

const norm = (w: string): string => w.toLowerCase().replace(/[^\p{L}\p{N}']+/gu, '');

/** Shifts a chunk's segments to absolute times, clamped inside the chunk (engines sometimes overshoot the end). */
export function toAbsolute(chunk: ChunkTranscript): TranscribedSegment[] {
  return chunk.segments
    .map((s) => {
      const start = Math.min(chunk.end, chunk.start + Math.max(0, s.start));
      const end = Math.min(chunk.end, Math.max(start, chunk.start + Math.max(0, s.end)));
      return { start: round3(start), end: round3(end), speaker: s.speaker, text: s.text.trim() };
    })
    .filter((s) => s.text !== '');
}

/**
 * Stitches chunks given in recording order. Where the words that end one chunk reappear at the start of the next
 * (the same phrase heard on both sides of a cut), the repeat is removed from the later chunk.
 */
export function stitch(chunks: readonly ChunkTranscript[]): TranscribedSegment[] {
  const out: TranscribedSegment[] = [];
  for (const chunk of chunks) {
    const segs = toAbsolute(chunk);
    const prev = out[out.length - 1];
    const first = segs[0];
    const nearSeam =
      prev !== undefined &&
      first !== undefined &&
      first.start - chunk.start <= SEAM_SECONDS &&
      chunk.start - prev.end <= SEAM_SECONDS;
    if (nearSeam && prev !== undefined && first !== undefined) {
      const tail = prev.text.split(/\s+/).slice(-SEAM_WORDS).map(norm);
      const head = first.text.split(/\s+/);
      const k = longestOverlap(tail, head.slice(0, SEAM_WORDS).map(norm));
      // One short word ("the", "and") repeated across a cut is as likely to be real speech as an echo.
      const echo = k >= 2 || (k === 1 && (tail[tail.length - 1]?.length ?? 0) >= 5);
      if (echo) {
        const rest = head.slice(k).join(' ').trim();
        if (rest === '') segs.shift();
        else segs[0] = { ...first, text: rest };
      }
    }
    for (const s of segs) {
      const last = out[out.length - 1];
      // Keep the timeline monotonic even when an engine's times wobble at a chunk's edge.
      out.push(
        last !== undefined && s.start < last.end
          ? { ...s, start: last.end, end: Math.max(s.end, last.end) }
          : s,
      );
    }
  }
  return out;
}

/** The largest k such that the last k words of `tail` equal the first k words of `head` (ignoring case, punctuation). */
function longestOverlap(tail: readonly string[], head: readonly string[]): number {
  for (let k = Math.min(tail.length, head.length); k > 0; k--) {
    let same = true;
    for (let i = 0; i < k && same; i++) same = tail[tail.length - k + i] === head[i] && head[i] !== '';
    if (same) return k;
  }
  return 0;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
