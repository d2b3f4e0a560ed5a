// Long inputs: token counts and chunks aligned to paragraphs or transcript segments, overlapping by a few units.
import { createRequire } from 'node:module';
import type * as GptTokenizer from 'gpt-tokenizer';
import type { TranscriptSegment } from '../acquire/types.js';

/**
 * Tokens as OpenAI's o200k_base tokenizer counts them. Other models' tokenizers differ by some percent; chunk
 * sizes keep a margin for that (see `chunkBudget`).
 */
export const countTokens = (text: string): number => tokenizer()(text);

// The o200k tables are ~20 MB of heap: loaded on the first count, so a bot without a model never carries them on
// the loop that answers Discord (a larger heap makes every full garbage collection there longer).
let countO200k: ((text: string) => number) | undefined;
function tokenizer(): (text: string) => number {
  countO200k ??= (createRequire(import.meta.url)('gpt-tokenizer') as typeof GptTokenizer).countTokens;
  return countO200k;
}

export interface Chunk {
  readonly index: number;
  /** UTF-16 offsets into the source text, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly tokens: number;
}

export interface ChunkOptions {
  /** Largest chunk, in tokens. */
  readonly maxTokens: number;
  /** Units (paragraphs or segments) repeated at the start of the next chunk, so nothing said across a boundary is lost. */
  readonly overlapUnits: number;
}

interface Unit {
  readonly start: number;
  readonly end: number;
  readonly tokens: number;
}

/** Paragraphs (blank-line separated) or, for transcripts, segments; a unit larger than a chunk is split on sentences. */
function units(text: string, segments: readonly TranscriptSegment[] | null, maxTokens: number): Unit[] {
  const raw: { start: number; end: number }[] = [];
  if (segments !== null && segments.length > 0) {
    for (const s of segments) if (s.charEnd > s.charStart) raw.push({ start: s.charStart, end: s.charEnd });
  } else {
    const re = /\n\s*\n/g;
    let last = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      raw.push({ start: last, end: m.index });
      last = m.index + m[0].length;
    }
    raw.push({ start: last, end: text.length });
  }
  const out: Unit[] = [];
  for (const r of raw) {
    if (text.slice(r.start, r.end).trim() === '') continue;
    const tokens = countTokens(text.slice(r.start, r.end));
    if (tokens <= maxTokens) out.push({ ...r, tokens });
    else out.push(...splitLong(text, r.start, r.end, maxTokens));
  }
  return out;
}

/** A paragraph longer than a chunk: sentence boundaries, then hard cuts for a run-on without any. */
function splitLong(text: string, start: number, end: number, maxTokens: number): Unit[] {
  const out: Unit[] = [];
  const re = /[.!?…。]+["”’)\]]*\s+/g;
  re.lastIndex = start;
  let from = start;
  const pieces: { start: number; end: number }[] = [];
  for (let m = re.exec(text); m !== null && m.index < end; m = re.exec(text)) {
    pieces.push({ start: from, end: Math.min(end, m.index + m[0].length) });
    from = m.index + m[0].length;
  }
  if (from < end) pieces.push({ start: from, end });
  for (const p of pieces) {
    const tokens = countTokens(text.slice(p.start, p.end));
    if (tokens <= maxTokens) {
      out.push({ ...p, tokens });
      continue;
    }
    // ~4 characters a token is the usual ratio; cut at a space near it.
    const step = Math.max(64, maxTokens * 3);
    for (let s = p.start; s < p.end;) {
      let e = Math.min(p.end, s + step);
      const space = text.lastIndexOf(' ', e);
      if (e < p.end && space > s + step / 2) e = space + 1;
      out.push({ start: s, end: e, tokens: countTokens(text.slice(s, e)) });
      s = e;
    }
  }
  return out;
}

/** Greedy packing of whole units into chunks of at most `maxTokens`, each starting with the last units of the one before. */
export function chunkText(
  text: string,
  segments: readonly TranscriptSegment[] | null,
  options: ChunkOptions,
): Chunk[] {
  if (!(options.maxTokens >= 16))
    throw new RangeError(`maxTokens must be at least 16, received ${options.maxTokens}`);
  const us = units(text, segments, options.maxTokens);
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < us.length) {
    let j = i;
    let tokens = 0;
    while (j < us.length && (j === i || tokens + us[j]!.tokens <= options.maxTokens)) {
      tokens += us[j]!.tokens;
      j++;
    }
    const start = us[i]!.start;
    const end = us[j - 1]!.end;
    chunks.push({ index: chunks.length, start, end, text: text.slice(start, end), tokens });
    if (j >= us.length) break;
    // Step back by the overlap, but always move forward by at least one unit.
    i = Math.max(i + 1, j - options.overlapUnits);
  }
  return chunks;
}
