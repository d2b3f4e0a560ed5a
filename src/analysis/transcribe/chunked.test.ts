// The chunked transcriber with a scripted engine and scripted audio: order of engines, checkpoints, resume, stitching.
import { describe, expect, it } from 'vitest';
import { PermanentError, RetryLaterError, type AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { memoryPartials } from '../../core/stage.js';
import type { AudioChunk } from '../audio/chunker.js';
import type { AudioPreparer, PreparedAudio } from '../audio/prepare.js';
import { ChunkedTranscriber } from './chunked.js';
import type { TranscriptionEngine, TranscriptionResult } from './index.js';
import { Limiter } from './limiter.js';

const CHUNK_SEC = 30;

/** `n` chunks of 30 s; the ones listed in `silent` carry no speech. */
function scriptedAudio(n: number, silent: readonly number[] = []) {
  const prepared: string[] = [];
  const chunks: AudioChunk[] = Array.from({ length: n }, (_, index) => ({
    index,
    start: index * CHUNK_SEC,
    end: (index + 1) * CHUNK_SEC,
    speech: !silent.includes(index),
    forced: false,
  }));
  const preparer: AudioPreparer & { prepared: string[]; plans: (readonly AudioChunk[] | undefined)[] } = {
    prepared,
    plans: [],
    prepare(audioPath, options) {
      prepared.push(audioPath);
      this.plans.push(options.plan);
      const value: PreparedAudio = {
        durationSec: n * CHUNK_SEC,
        chunks: options.plan ?? chunks,
        chunkFile: (c) => Promise.resolve(`/chunks/${c.index}.wav`),
        dispose: () => Promise.resolve(),
      };
      return Promise.resolve(ok(value));
    },
  };
  return preparer;
}

/** An engine that says which chunk it heard, at 1 s into the chunk; `fail(i)` decides a failure per call. */
function scriptedEngine(name: string, fail: (index: number) => AppError | null = () => null) {
  const calls: number[] = [];
  const engine: TranscriptionEngine & { calls: number[] } = {
    name,
    calls,
    transcribe(file): Promise<Result<TranscriptionResult, AppError>> {
      const index = Number(/(\d+)\.wav$/.exec(file)?.[1]);
      calls.push(index);
      const f = fail(index);
      if (f !== null) return Promise.resolve(err(f));
      return Promise.resolve(
        ok({
          language: 'en',
          segments: [{ start: 1, end: 3, speaker: null, text: `chunk ${index} by ${name}.` }],
        }),
      );
    },
  };
  return engine;
}

const run = (
  t: ChunkedTranscriber,
  outputs: Record<string, unknown>,
  progress: string[] = [],
  signal?: AbortSignal,
) =>
  t.transcribe('/media/talk.m4a', {
    signal: signal ?? new AbortController().signal,
    progress: (_f, m) => {
      if (m !== undefined) progress.push(m);
    },
    partials: memoryPartials('transcribe', outputs),
  });

describe('ChunkedTranscriber', () => {
  it('transcribes every speech chunk once, in parallel within the bound, with absolute times and progress', async () => {
    const audio = scriptedAudio(40, [5]);
    const engine = scriptedEngine('A');
    const t = new ChunkedTranscriber({
      engines: [engine],
      preparer: audio,
      maxChunkSec: 45,
      limiter: new Limiter(3),
    });
    const progress: string[] = [];
    const r = await run(t, {}, progress);
    if (!r.ok) throw r.error;
    expect([...engine.calls].sort((a, b) => a - b)).toEqual([...Array(40).keys()].filter((i) => i !== 5));
    expect(r.value.segments).toHaveLength(39);
    expect(r.value.segments[12]).toEqual({ start: 391, end: 393, speaker: null, text: 'chunk 13 by A.' });
    expect(r.value.engine).toBe('A');
    expect(r.value.language).toBe('en');
    expect(progress).toContain('transcribing 12/39');
    expect(progress.at(-1)).toBe('transcribing 39/39');
  });

  it('GIVEN a crash at chunk 17 of 40 WHEN the stage runs again THEN it resumes at chunk 17 and transcribes no chunk twice', async () => {
    const outputs: Record<string, unknown> = {};
    const audio = scriptedAudio(40);
    const crashing = scriptedEngine('A', (i) =>
      i === 17 ? new RetryLaterError('test.crash', 'worker died mid-chunk') : null,
    );
    const first = new ChunkedTranscriber({
      engines: [crashing],
      preparer: audio,
      maxChunkSec: 45,
      limiter: new Limiter(1),
    });
    const r1 = await run(first, outputs);
    expect(r1.ok).toBe(false);
    if (!r1.ok) expect(r1.error).toMatchObject({ code: 'transcribe.engines_failed', retryable: true });
    expect(crashing.calls).toEqual([...Array(18).keys()]);

    const healthy = scriptedEngine('A');
    const second = new ChunkedTranscriber({
      engines: [healthy],
      preparer: audio,
      maxChunkSec: 45,
      limiter: new Limiter(1),
    });
    const r2 = await run(second, outputs);
    if (!r2.ok) throw r2.error;
    expect(healthy.calls[0]).toBe(17);
    const succeeded = [...crashing.calls.filter((i) => i !== 17), ...healthy.calls];
    expect(succeeded.sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
    // The resumed run reused the first run's plan rather than planning again.
    expect(audio.plans[1]).toHaveLength(40);
    expect(r2.value.segments.map((s) => s.start)).toEqual(
      [...Array(40).keys()].map((i) => i * CHUNK_SEC + 1),
    );
  });

  it('finds everything checkpointed and does not even decode the audio again', async () => {
    const outputs: Record<string, unknown> = {};
    const audio = scriptedAudio(3);
    const mk = () =>
      new ChunkedTranscriber({
        engines: [scriptedEngine('A')],
        preparer: audio,
        maxChunkSec: 45,
        limiter: new Limiter(2),
      });
    expect((await run(mk(), outputs)).ok).toBe(true);
    const again = await run(mk(), outputs);
    expect(again.ok && again.value.segments.length).toBe(3);
    expect(audio.prepared).toHaveLength(1);
  });

  it('hands a chunk to the next engine in order when the first fails on it', async () => {
    const a = scriptedEngine('A', (i) => (i === 1 ? new RetryLaterError('stt.rate_limited', '429') : null));
    const b = scriptedEngine('B');
    const t = new ChunkedTranscriber({
      engines: [a, b],
      preparer: scriptedAudio(3),
      maxChunkSec: 45,
      limiter: new Limiter(1),
    });
    const r = await run(t, {});
    if (!r.ok) throw r.error;
    expect(r.value.segments.map((s) => s.text)).toEqual(['chunk 0 by A.', 'chunk 1 by B.', 'chunk 2 by A.']);
    expect(b.calls).toEqual([1]);
    expect(r.value.engine).toBe('A + B');
  });

  it('fails permanently when every engine refuses a chunk permanently', async () => {
    const a = scriptedEngine('A', () => new PermanentError('stt.rejected', 'bad audio'));
    const t = new ChunkedTranscriber({
      engines: [a],
      preparer: scriptedAudio(2),
      maxChunkSec: 45,
      limiter: new Limiter(1),
    });
    const r = await run(t, {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'transcribe.engines_failed', retryable: false });
  });

  it('keeps chunks below the upload limit', () => {
    // 1 MB of 16 kHz 16-bit mono is about 32 s.
    const prepared: number[] = [];
    const spy: AudioPreparer = {
      prepare: (_p, o) => {
        prepared.push(o.maxChunkSec);
        return Promise.resolve(err(new PermanentError('x', 'stop')));
      },
    };
    const t2 = new ChunkedTranscriber({
      engines: [scriptedEngine('A')],
      preparer: spy,
      maxChunkSec: 60,
      maxUploadBytes: 1_000_000,
      limiter: new Limiter(1),
    });
    return run(t2, {}).then(() => expect(prepared[0]).toBe(30));
  });
});
