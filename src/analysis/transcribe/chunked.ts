// Long recordings in chunks: cut at silences, chunks transcribed in parallel by the first engine in the configured
// order that succeeds, each chunk checkpointed so a resumed run skips finished ones. Chunks run in this process
// (bounded by the shared limiter), or — given chunk jobs — as jobs any worker takes, their audio in the chunk store.
import { setMaxListeners } from 'node:events';
import { rm } from 'node:fs/promises';
import type { Clock } from '../../core/clock.js';
import { AppError, RetryLaterError, toAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { err, ok, type Result } from '../../core/result.js';
import type { StagePartials } from '../../core/stage.js';
import type { ChunkAudioFormat, ChunkAudioStore, ChunkError, ChunkState } from '../../store/chunk-audio.js';
import type { AudioChunk } from '../audio/chunker.js';
import { encodeChunk } from '../audio/chunk-codec.js';
import type { AudioPreparer, PreparedAudio } from '../audio/prepare.js';
import { BYTES_PER_SECOND, WAV_HEADER_BYTES } from '../audio/pcm.js';
import type { ChunkJob, ChunkJobQueue } from './chunk-queue.js';
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
  /** Chunks as jobs through the chunk store (see ChunkJobsOptions); without it, or outside a workflow, they run here. */
  readonly jobs?: ChunkJobsOptions;
}

/**
 * The run that owns the workflow stores every speech chunk's audio, queues one job per chunk and waits for the
 * results the jobs leave in the store, checkpointing each as its own partial. Any process may run the jobs; a run that
 * resumes the workflow on another machine needs only the store, not the media.
 */
export interface ChunkJobsOptions {
  readonly queue: ChunkJobQueue;
  readonly store: ChunkAudioStore;
  /** How chunk audio is stored: `flac` (about half the bytes) or `wav`. */
  readonly format: ChunkAudioFormat;
  readonly ffmpegPath: string;
  readonly clock: Clock;
  /** How often the owning run looks for finished chunks. */
  readonly pollMs?: number;
  /**
   * The stage fails (retryably) when no chunk finished for this long and no chunk job runs anywhere: every worker
   * gone, or a job lost for good.
   */
  readonly idleTimeoutMs?: number;
  /** How often unfinished chunks are queued again (idempotent): a job lost with Redis, or abandoned, comes back. */
  readonly requeueMs?: number;
}

export const DefaultChunkJobsOptions = {
  pollMs: 500,
  idleTimeoutMs: 15 * 60_000,
  requeueMs: 60_000,
} as const satisfies Partial<ChunkJobsOptions>;

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
    if (this.#o.jobs !== undefined && ctx.workflowId !== undefined) {
      return this.#byJobs(audioPath, ctx, partials, ctx.workflowId, this.#o.jobs);
    }
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
      return ok(this.#joined(chunks, results));
    } finally {
      await prepared?.dispose();
    }
  }

  #joined(chunks: readonly AudioChunk[], results: ReadonlyMap<number, SavedChunk>): TranscriptionResult {
    const speech = chunks.filter((c) => c.speech);
    const ordered = chunks.flatMap((c) => {
      const r = results.get(c.index);
      return r === undefined ? [] : [{ start: c.start, end: c.end, segments: r.segments }];
    });
    const used = [...new Set(speech.flatMap((c) => results.get(c.index)?.engine ?? []))];
    return {
      segments: stitch(ordered),
      language: mostCommon(speech.map((c) => results.get(c.index)?.language ?? null)),
      engine: used.length > 0 ? used.join(' + ') : this.name,
    };
  }

  /** The chunk-job path (see ChunkJobsOptions). */
  async #byJobs(
    audioPath: string,
    ctx: TranscriptionContext,
    partials: StagePartials,
    workflowId: string,
    jobs: ChunkJobsOptions,
  ): Promise<Result<TranscriptionResult, AppError>> {
    const saved = readPlan(partials.load('plan'), audioPath, this.#maxChunkSec);
    const key = (c: AudioChunk): ChunkJob => ({ workflowId, index: c.index });
    let chunks: readonly AudioChunk[];
    if (saved === null) {
      ctx.progress(0, 'preparing audio');
      const p = await this.#o.preparer.prepare(audioPath, {
        maxChunkSec: this.#maxChunkSec,
        signal: ctx.signal,
      });
      if (!p.ok) return err(p.error);
      try {
        chunks = p.value.chunks;
        // A fenced write first (its value is never read; checkpoints are write-once, so not the plan's key): a run
        // that lost its lease stops here instead of clearing the chunks of the run that holds the workflow now.
        await partials.save('storing-audio', true);
        ctx.signal.throwIfAborted();
        // Rows left by a run that died before its plan was saved, or by a plan for another chunk length, may hold
        // other cuts: this plan starts clean.
        await jobs.store.deleteWorkflow(workflowId);
        const stored = await this.#storeAudio(
          chunks.filter((c) => c.speech),
          p.value,
          workflowId,
          jobs,
          ctx,
        );
        if (stored !== null) return err(stored);
      } finally {
        await p.value.dispose();
      }
      // Saved only once every speech chunk's audio is stored: a resumed run with this plan needs no media.
      const plan: SavedPlan = { version: PLAN_VERSION, audioPath, maxChunkSec: this.#maxChunkSec, chunks };
      await partials.save('plan', plan);
    } else {
      chunks = saved.chunks;
    }
    const speech = chunks.filter((c) => c.speech);
    const results = new Map<number, SavedChunk>();
    for (const c of speech) {
      const s = readChunk(partials.load(`chunk-${c.index}`));
      if (s !== null) results.set(c.index, s);
    }
    const report = (): void =>
      ctx.progress(
        speech.length === 0 ? 1 : results.size / speech.length,
        `transcribing ${results.size}/${speech.length}`,
      );
    report();
    const pendingOf = (): AudioChunk[] => speech.filter((c) => !results.has(c.index));
    if (pendingOf().length > 0) {
      try {
        const failure = await this.#awaitJobs(
          audioPath,
          chunks,
          pendingOf,
          results,
          workflowId,
          jobs,
          ctx,
          partials,
          report,
        );
        if (failure !== null) {
          await jobs.queue.discard(pendingOf().map(key)).catch(() => undefined);
          // A permanent failure ends the workflow: its chunks will never be read again.
          if (!failure.retryable) await this.#forget(workflowId, jobs);
          return err(failure);
        }
      } catch (e: unknown) {
        if (ctx.signal.aborted && (ctx.signal.reason as { code?: unknown } | undefined)?.code === CANCELLED) {
          await jobs.queue.discard(pendingOf().map(key)).catch(() => undefined);
          await this.#forget(workflowId, jobs);
        }
        throw e;
      }
    }
    // Every chunk is a partial now: a crash from here on resumes without the store.
    await this.#forget(workflowId, jobs);
    return ok(this.#joined(chunks, results));
  }

  /** Encodes and stores each chunk's audio (one at a time: one chunk's WAV in memory or on disk at once). */
  async #storeAudio(
    chunks: readonly AudioChunk[],
    prepared: PreparedAudio,
    workflowId: string,
    jobs: ChunkJobsOptions,
    ctx: TranscriptionContext,
  ): Promise<AppError | null> {
    let done = 0;
    for (const c of chunks) {
      ctx.signal.throwIfAborted();
      const file = await prepared.chunkFile(c);
      try {
        const audio = await encodeChunk(jobs.format, file, {
          ffmpegPath: jobs.ffmpegPath,
          signal: ctx.signal,
        });
        if (!audio.ok) return audio.error;
        await jobs.store.put({ workflowId, index: c.index }, audio.value, jobs.clock.now());
      } finally {
        await rm(file, { force: true });
      }
      done++;
      ctx.progress(0, `storing chunk audio ${done}/${chunks.length}`);
    }
    return null;
  }

  /**
   * Queues the unfinished chunks and waits until each has a result in the chunk store, saving every result as the
   * chunk's partial before it counts. Null when all are in; the first chunk failure otherwise. Rejects when the
   * stage's signal fires (cancel, lease lost, shutdown).
   */
  async #awaitJobs(
    audioPath: string,
    chunks: readonly AudioChunk[],
    pendingOf: () => AudioChunk[],
    results: Map<number, SavedChunk>,
    workflowId: string,
    jobs: ChunkJobsOptions,
    ctx: TranscriptionContext,
    partials: StagePartials,
    report: () => void,
  ): Promise<AppError | null> {
    const { clock, store, queue } = jobs;
    const pollMs = jobs.pollMs ?? DefaultChunkJobsOptions.pollMs;
    const idleMs = jobs.idleTimeoutMs ?? DefaultChunkJobsOptions.idleTimeoutMs;
    const requeueMs = jobs.requeueMs ?? DefaultChunkJobsOptions.requeueMs;
    const key = (c: AudioChunk): ChunkJob => ({ workflowId, index: c.index });
    /** Takes in every result the store holds; returns a chunk's failure, or how many results were new. */
    const absorb = async (states: readonly ChunkState[]): Promise<AppError | number> => {
      const pending = new Set(pendingOf().map((c) => c.index));
      const done = states.filter((st) => pending.has(st.index) && st.hasResult).map((st) => st.index);
      // Only the new results are fetched: a poll reads a few bytes per chunk, not every transcript so far.
      const fetched = await store.results(workflowId, done);
      let fresh = 0;
      for (const index of done) {
        const r = readChunk(fetched.get(index));
        if (r === null) continue;
        // Saved before it counts; a chunk has one result in the store, so it can count only once.
        await partials.save(`chunk-${index}`, r);
        ctx.signal.throwIfAborted();
        results.set(index, r);
        fresh++;
      }
      const failed = states.find((st) => pending.has(st.index) && !st.hasResult && st.error !== null);
      return failed?.error != null ? chunkFailure(failed.index, failed.error) : fresh;
    };

    // Results that jobs left while no run was watching (the owner died) count at once.
    const first = await store.list(workflowId);
    const firstByIndex = new Map(first.map((st) => [st.index, st]));
    const arrived = await absorb(first.filter((st) => st.error === null));
    if (typeof arrived !== 'number') return arrived;
    if (arrived > 0) report();
    // A chunk without stored audio (the plan predates the store, or a run died while storing) is stored again from
    // the media — which only the machine that downloaded it still has; elsewhere the preparer says the audio is gone.
    const lacking = pendingOf().filter((c) => firstByIndex.get(c.index)?.hasAudio !== true);
    if (lacking.length > 0) {
      ctx.progress(results.size / Math.max(1, results.size + pendingOf().length), 'preparing audio');
      const p = await this.#o.preparer.prepare(audioPath, {
        maxChunkSec: this.#maxChunkSec,
        signal: ctx.signal,
        plan: chunks,
      });
      if (!p.ok) return p.error;
      try {
        const stored = await this.#storeAudio(lacking, p.value, workflowId, jobs, ctx);
        if (stored !== null) return stored;
      } finally {
        await p.value.dispose();
      }
    }
    // A failure recorded for an earlier run is tried again now: that run already failed its stage with it.
    for (const c of pendingOf()) if (firstByIndex.get(c.index)?.error != null) await store.clearError(key(c));
    await queue.enqueue(pendingOf().map(key));

    let lastChange = clock.now();
    let lastEnqueue = clock.now();
    while (pendingOf().length > 0) {
      await clock.sleep(pollMs, ctx.signal);
      const states = await store.list(workflowId);
      const got = await absorb(states);
      if (typeof got !== 'number') return got;
      const now = clock.now();
      if (got > 0) {
        lastChange = now;
        report();
        continue;
      }
      const present = new Set(states.map((st) => st.index));
      const lost = pendingOf().find((c) => !present.has(c.index));
      if (lost !== undefined) {
        return new RetryLaterError('transcribe.chunk_audio_lost', `chunk ${lost.index} is no longer stored`, {
          userMessage: 'Part of the audio being transcribed was lost; the transcription will be tried again.',
        });
      }
      // Workers busy with other recordings are not stalled: the clock restarts while any chunk job runs.
      if (now - lastChange > idleMs && (await queue.busy())) lastChange = now;
      if (now - lastChange > idleMs) {
        return new RetryLaterError(
          'transcribe.chunks_stalled',
          `no chunk finished in ${Math.round(idleMs / 1000)} s (${pendingOf().length} left)`,
          { userMessage: 'No worker is transcribing the audio right now; it will be tried again.' },
        );
      }
      if (now - lastEnqueue >= requeueMs) {
        lastEnqueue = now;
        await queue.enqueue(pendingOf().map(key));
      }
    }
    return null;
  }

  /** Deletes the workflow's chunk audio (best effort: a purge removes whatever is left). */
  async #forget(workflowId: string, jobs: ChunkJobsOptions): Promise<void> {
    try {
      await jobs.store.deleteWorkflow(workflowId);
    } catch (e: unknown) {
      this.#o.logger?.warn({ err: toAppError(e), workflowId }, 'chunk audio not deleted; the purge will');
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

  /** One chunk of the prepared audio through the engines in order. */
  async #one(
    chunk: AudioChunk,
    prepared: PreparedAudio,
    signal: AbortSignal,
  ): Promise<Result<SavedChunk, AppError>> {
    const file = await prepared.chunkFile(chunk);
    try {
      return await transcribeChunkFile(
        this.#o.engines,
        file,
        `chunk ${chunk.index} (${chunk.start}–${chunk.end} s)`,
        signal,
        this.#o.logger,
      );
    } finally {
      await rm(file, { force: true });
    }
  }
}

/**
 * One chunk's WAV file through the engines in order: the first success wins; all failing fails the chunk. Shared by
 * the in-process path and the chunk jobs (chunk-worker.ts).
 */
export async function transcribeChunkFile(
  engines: readonly TranscriptionEngine[],
  file: string,
  label: string,
  signal: AbortSignal,
  logger?: Logger,
): Promise<Result<SavedChunk, AppError>> {
  const failures: string[] = [];
  let last: AppError | null = null;
  for (const engine of engines) {
    signal.throwIfAborted();
    const r = await engine.transcribe(file, { signal, progress: () => {} });
    if (r.ok) {
      return ok({ engine: engine.name, language: r.value.language, segments: r.value.segments });
    }
    signal.throwIfAborted();
    last = r.error;
    failures.push(`${engine.name}: ${r.error.code}`);
    logger?.warn(
      { chunk: label, engine: engine.name, code: r.error.code, err: r.error.message },
      'transcription engine failed on a chunk; trying the next engine',
    );
  }
  const message = `every engine failed on ${label}: ${failures.join('; ')}`;
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

/** The abort reason's code when a workflow is cancelled (workflow/types.ts): the stage then drops its chunks. */
const CANCELLED = 'workflow.cancel_requested';

function chunkFailure(index: number, e: ChunkError): AppError {
  return new AppError(e.code, `chunk ${index}: ${e.message}`, {
    userMessage: e.userMessage,
    retryable: e.retryable,
    ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
  });
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

/** A saved chunk read back (a partial or a chunk job's stored result); null when it is not one. */
export function readChunk(v: unknown): SavedChunk | null {
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
