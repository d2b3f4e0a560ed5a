// The transcription stage's port and logic: text that exists passes through; media without one gets a transcript
// from an engine when one is configured, and otherwise the plain statement that none could be made.
import { createHash } from 'node:crypto';
import type { AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import type { StagePartials } from '../../core/stage.js';
import { DESCRIPTION_ONLY_NOTE, NO_TRANSCRIPT_NOTE } from '../acquire/index.js';
import type { AcquiredContent, TranscriptSegment } from '../acquire/types.js';

export interface TranscribedSegment {
  /** Seconds from the start of the media. */
  readonly start: number;
  readonly end: number;
  readonly speaker: string | null;
  readonly text: string;
}

/** What an engine sees besides the audio. */
export interface TranscriptionContext {
  readonly signal: AbortSignal;
  readonly progress: (fraction: number, message?: string) => void;
  /** The stage's durable partials: an engine that works in chunks saves each one and skips those already saved. */
  readonly partials?: StagePartials;
  /** The workflow being transcribed: chunk jobs and their stored audio are keyed by it. */
  readonly workflowId?: string;
}

export interface TranscriptionResult {
  readonly segments: TranscribedSegment[];
  readonly language: string | null;
  /** The engine(s) that actually produced the text, when not simply this engine's name. */
  readonly engine?: string;
}

/** A speech-to-text engine (e.g. a local whisper.cpp, or a hosted API): audio file in, timed segments out. */
export interface TranscriptionEngine {
  /** Name and version, recorded in the report's engines. */
  readonly name: string;
  transcribe(audioPath: string, ctx: TranscriptionContext): Promise<Result<TranscriptionResult, AppError>>;
}

export type TranscribeOutcome =
  /** Nothing to do: the content already has text, or there is no audio to transcribe. */
  | { readonly kind: 'unchanged'; readonly notes: readonly string[] }
  | { readonly kind: 'transcribed'; readonly content: AcquiredContent; readonly engine: string };

/**
 * Decides what transcription does for `content`. Without an engine, media that has neither captions nor text
 * keeps no text and carries the note that no transcript could be made — never invented text.
 */
export async function transcribe(
  content: AcquiredContent,
  engine: TranscriptionEngine | null,
  ctx: TranscriptionContext,
): Promise<Result<TranscribeOutcome, AppError>> {
  const audioPath = content.media?.audioPath ?? null;
  const hasTranscript = content.segments !== null && content.segments.length > 0;
  const needsTranscript = content.kind === 'media' && !hasTranscript;
  if (!needsTranscript) return ok({ kind: 'unchanged', notes: content.notes });
  if (engine === null || audioPath === null) {
    const notes = content.notes.includes(NO_TRANSCRIPT_NOTE)
      ? content.notes
      : [...content.notes, NO_TRANSCRIPT_NOTE];
    return ok({ kind: 'unchanged', notes });
  }
  const result = await engine.transcribe(audioPath, ctx);
  if (!result.ok) return err(result.error);
  const { text, segments } = joinSegments(result.value.segments);
  const engineName = result.value.engine ?? engine.name;
  if (text === '') {
    // Silence or music: say so instead of delivering an empty transcript as if it were one.
    const notes = content.notes.includes(NO_TRANSCRIPT_NOTE)
      ? content.notes
      : [...content.notes, NO_TRANSCRIPT_NOTE];
    return ok({ kind: 'unchanged', notes: [...notes, `${engineName} found no speech in the audio.`] });
  }
  return ok({
    kind: 'transcribed',
    engine: engineName,
    content: {
      ...content,
      text,
      segments,
      language: result.value.language ?? content.language,
      notes: [
        ...content.notes.filter((n) => n !== NO_TRANSCRIPT_NOTE && n !== DESCRIPTION_ONLY_NOTE),
        `Transcribed by ${engineName}.`,
      ],
      contentHash: createHash('sha256').update(text, 'utf8').digest('hex'),
    },
  });
}

/** One line per segment; each segment records where its text sits in the joined text. */
export function joinSegments(parts: readonly TranscribedSegment[]): {
  text: string;
  segments: TranscriptSegment[];
} {
  let text = '';
  const segments: TranscriptSegment[] = [];
  for (const p of parts) {
    const t = p.text.trim();
    if (t === '') continue;
    if (text.length > 0) text += '\n';
    const charStart = text.length;
    text += t;
    segments.push({
      start: p.start,
      end: p.end,
      speaker: p.speaker,
      text: t,
      charStart,
      charEnd: text.length,
    });
  }
  return { text, segments };
}
