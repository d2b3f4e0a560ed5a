// Long recordings in chunks: cut at silences, chunks transcribed in parallel (bounded per process) by the first
// engine in the configured order that succeeds, each chunk checkpointed so a resumed run skips finished ones.
import { setMaxListeners } from 'node:events';
import { rm } from 'node:fs/promises';
import { AppError, toAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { err, ok, type Result } from '../../core/result.js';
import type { StagePartials } from '../../core/stage.js';
import type { AudioChunk } from '../audio/chunker.js';
import type { AudioPreparer, PreparedAudio } from '../audio/prepare.js';
import { BYTES_PER_SECOND, WAV_HEADER_BYTES } from '../audio/pcm.js';
import type {
  TranscribedSegment,
  TranscriptionContext,
  TranscriptionEngine,
  TranscriptionResult,
} from './index.js';
import type { Limiter } from './limiter.js';
import { stitch } from './stitch.js';

/** Bumped when the saved plan's shape or meaning changes, so an old checkpoint is not misread. */
const PLAN_VERSION = 1;

interface SavedPlan {
  readonly version: number;
  readonly audioPath: string;
  readonly maxChunkSec: number;
  readonly chunks: readonly AudioChunk[];
}

/** One chunk's checkpoint: its text with times relative to the chunk, and who made it. */
export interface SavedChunk {
  readonly engine: string;
  readonly language: string | null;
  readonly segments: readonly TranscribedSegment[];
}

export interface ChunkedTranscriberOptions {
  /** Engines in the configured order; each chunk goes to the first that succeeds. */
  readonly engines: readonly TranscriptionEngine[];
  readonly preparer: AudioPreparer;
  /** Longest chunk in seconds (lowered further to fit `maxUploadBytes`). */
  readonly maxChunkSec: number;
  /** The smallest upload limit among the engines, in bytes; a chunk's WAV stays below it. */
  readonly maxUploadBytes?: number;
  /** Shared by every recording this process transcribes, so the bound holds across workflows. */
  readonly limiter: Limiter;
  readonly logger?: Logger;
}

export class ChunkedTranscriber implements TranscriptionEngine {
  readonly name: string;
  readonly #o: ChunkedTranscriberOptions;
  readonly #maxChunkSec: number;

  constructor(options: ChunkedTranscriberOptions) {
    if (options.engines.length === 0) throw new TypeError('ChunkedTranscriber needs at least one engine');
    if (!(options.maxChunkSec >= 1)) {
      throw new RangeError(`maxChunkSec must be at least 1, received ${options.maxChunkSec}`);
    }
    this.#o = options;
    const byUpload =
      options.maxUploadBytes === undefined
        ? Infinity
        : Math.floor(((options.maxUploadBytes - WAV_HEADER_BYTES) / BYTES_PER_SECOND) * 0.98);
    if (byUpload < 1)
      throw new RangeError(`maxUploadBytes ${options.maxUploadBytes} holds less than a second`);
    this.#maxChunkSec = Math.min(options.maxChunkSec, byUpload);
    this.name = options.engines.map((e) => e.name).join(' → ');
  }

  async transcribe(
    audioPath: string,
    ctx: TranscriptionContext,
  ): Promise<Result<TranscriptionResult, AppError>> {
    const partials = ctx.partials ?? noPartials();
    const saved = readPlan(partials.load('plan'), audioPath, this.#maxChunkSec);
    let prepared: PreparedAudio | null = null;
    let chunks: readonly AudioChunk[];
    const loadChunk = (c: AudioChunk): SavedChunk | null => readChunk(partials.load(`chunk-${c.index}`));
    const needsAudio = saved === null || saved.chunks.some((c) => c.speech && loadChunk(c) === null);
    try {
      if (needsAudio) {
        ctx.progress(0, 'preparing audio');
        const p = await this.#o.preparer.prepare(audioPath, {
          maxChunkSec: this.#maxChunkSec,
          signal: ctx.signal,
          ...(saved === null ? {} : { plan: saved.chunks }),
        });
        if (!p.ok) return err(p.error);
        prepared = p.value;
        chunks = p.value.chunks;
        if (saved === null) {
          const plan: SavedPlan = {
            version: PLAN_VERSION,
            audioPath,
            maxChunkSec: this.#maxChunkSec,
            chunks,
          };
          await partials.save('plan', plan);
        }
      } else {
        chunks = saved.chunks;
      }
      const speech = chunks.filter((c) => c.speech);
      const results = new Map<number, SavedChunk>();
      for (const c of speech) {
        const s = loadChunk(c);
        if (s !== null) results.set(c.index, s);
      }
      const report = (): void =>
        ctx.progress(
          speech.length === 0 ? 1 : results.size / speech.length,
          `transcribing ${results.size}/${speech.length}`,
        );
      report();
      const pending = speech.filter((c) => !results.has(c.index));
      if (pending.length > 0 && prepared !== null) {
        const failure = await this.#runAll(pending, prepared, ctx, partials, results, report);
        if (failure !== null) return err(failure);
      }
      const ordered = chunks.flatMap((c) => {
        const r = results.get(c.index);
        return r === undefined ? [] : [{ start: c.start, end: c.end, segments: r.segments }];
      });
      const used = [...new Set(speech.flatMap((c) => results.get(c.index)?.engine ?? []))];
      return ok({
        segments: stitch(ordered),
        language: mostCommon(speech.map((c) => results.get(c.index)?.language ?? null)),
        engine: used.length > 0 ? used.join(' + ') : this.name,
      });
    } finally {
      await prepared?.dispose();
    }
  }

  /** Transcribes `pending` with the shared limiter; stops starting new chunks after the first chunk that fails. */
  async #runAll(
    pending: readonly AudioChunk[],
    prepared: PreparedAudio,
    ctx: TranscriptionContext,
    partials: StagePartials,
    results: Map<number, SavedChunk>,
    report: () => void,
  ): Promise<AppError | null> {
    const stop = new AbortController();
    const signal = AbortSignal.any([ctx.signal, stop.signal]);
    // Every waiting chunk listens for the abort: a long recording has hundreds, all expected.
    setMaxListeners(pending.length + 16, signal);
    let failure: AppError | null = null;
    await Promise.all(
      pending.map((chunk) =>
        this.#o.limiter
          .run(async () => {
            const r = await this.#one(chunk, prepared, signal);
            if (!r.ok) {
              failure ??= r.error;
              stop.abort(r.error);
              return;
            }
            // Saved before it counts: a crash after this line never transcribes the chunk again.
            await partials.save(`chunk-${chunk.index}`, r.value);
            results.set(chunk.index, r.value);
            report();
          }, signal)
          .catch((e: unknown) => {
            if (!signal.aborted) failure ??= toAppError(e, 'transcribe.chunk_failed');
          }),
      ),
    );
    ctx.signal.throwIfAborted();
    return failure;
  }

  /** One chunk through the engines in order: the first success wins; all failing fails the chunk. */
  async #one(
    chunk: AudioChunk,
    prepared: PreparedAudio,
    signal: AbortSignal,
  ): Promise<Result<SavedChunk, AppError>> {
    const file = await prepared.chunkFile(chunk);
    const failures: string[] = [];
    let last: AppError | null = null;
    try {
      for (const engine of this.#o.engines) {
        signal.throwIfAborted();
        const r = await engine.transcribe(file, { signal, progress: () => {} });
        if (r.ok) {
          return ok({ engine: engine.name, language: r.value.language, segments: r.value.segments });
        }
        signal.throwIfAborted();
        last = r.error;
        failures.push(`${engine.name}: ${r.error.code}`);
        this.#o.logger?.warn(
          { chunk: chunk.index, engine: engine.name, code: r.error.code, err: r.error.message },
          'transcription engine failed on a chunk; trying the next engine',
        );
      }
    } finally {
      await rm(file, { force: true });
    }
    const message = `every engine failed on chunk ${chunk.index} (${chunk.start}–${chunk.end} s): ${failures.join('; ')}`;
    // Retryable when the last engine's failure was (a rate limit, a server down): the stage is retried later and
    // resumes at this chunk.
    return err(
      new AppError('transcribe.engines_failed', message, {
        userMessage: last?.userMessage ?? 'No speech-to-text engine could transcribe the audio.',
        retryable: last?.retryable ?? false,
        ...(last?.retryAfterMs === undefined ? {} : { retryAfterMs: last.retryAfterMs }),
        ...(last === null ? {} : { cause: last }),
      }),
    );
  }
}

function noPartials(): StagePartials {
  return { load: () => undefined, save: () => Promise.resolve() };
}

function readPlan(v: unknown, audioPath: string, maxChunkSec: number): SavedPlan | null {
  if (typeof v !== 'object' || v === null) return null;
  const p = v as Partial<SavedPlan>;
  if (p.version !== PLAN_VERSION || p.audioPath !== audioPath || p.maxChunkSec !== maxChunkSec) return null;
  return Array.isArray(p.chunks) ? (p as SavedPlan) : null;
}

function readChunk(v: unknown): SavedChunk | null {
  if (typeof v !== 'object' || v === null) return null;
  const c = v as Partial<SavedChunk>;
  return typeof c.engine === 'string' && Array.isArray(c.segments) ? (c as SavedChunk) : null;
}

function mostCommon(values: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = v;
  return best;
}
