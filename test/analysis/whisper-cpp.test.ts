// The real whisper.cpp binding (@fugood/whisper.node) in its child process, on whisper.cpp's loader-test model.
// That model has the real file format and vocabulary but meaningless weights: its words are noise, so this suite
// proves loading, the child process, chunking and timestamps — never recognition (the bench measures that with a
// real model).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VadAudioPreparer } from '../../src/analysis/audio/prepare.js';
import { SileroVad } from '../../src/analysis/audio/vad.js';
import { ChunkedTranscriber } from '../../src/analysis/transcribe/chunked.js';
import { Limiter } from '../../src/analysis/transcribe/limiter.js';
import { WhisperCppEngine } from '../../src/analysis/transcribe/whisper-cpp.js';
import { memoryPartials } from '../../src/core/stage.js';
import { corpusAvailable, corpusDir } from '../support/corpus.js';
import { speechToolsAvailable } from './speech-support.js';

const model = path.join(corpusDir, 'speech', 'models', 'for-tests-ggml-tiny.en.bin');
const jfk = path.join(corpusDir, 'speech', 'jfk.wav');
const ready =
  corpusAvailable(
    'whisper.cpp suite (the loader-test model)',
    'speech',
    'models',
    'for-tests-ggml-tiny.en.bin',
  ) && speechToolsAvailable('whisper.cpp suite', ['ffmpeg']);

let dir: string;
const engine = new WhisperCppEngine({ modelPath: model, threads: 2 });
const vad = new SileroVad();
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'whisper-test-'));
});
afterAll(async () => {
  engine.close();
  await vad.close();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!ready)('whisper.cpp engine on the loader-test model', () => {
  // Each call pays whisper's fixed 30-second window, and the meaningless weights make it slow: one run of two
  // chunks is all this suite affords.
  it(
    'loads the model in a child process and transcribes JFK in silence-cut chunks, checkpointing each, with times inside each chunk',
    { timeout: 600_000 },
    async () => {
      const outputs: Record<string, unknown> = {};
      const t = new ChunkedTranscriber({
        engines: [engine],
        preparer: new VadAudioPreparer({ ffmpegPath: 'ffmpeg', vad, workDir: dir }),
        maxChunkSec: 6,
        limiter: new Limiter(1),
      });
      const progress: string[] = [];
      const r = await t.transcribe(jfk, {
        signal: new AbortController().signal,
        progress: (_f, m) => {
          if (m !== undefined) progress.push(m);
        },
        partials: memoryPartials('transcribe', outputs),
      });
      if (!r.ok) throw r.error;
      expect(engine.name).toBe('whisper.cpp for-tests-ggml-tiny.en');
      const plan = outputs['transcribe#plan'] as {
        chunks: { index: number; start: number; end: number; speech: boolean }[];
      };
      expect(plan.chunks.length).toBeGreaterThanOrEqual(2);
      const speech = plan.chunks.filter((c) => c.speech);
      expect(speech.length).toBeGreaterThanOrEqual(2);
      for (const c of speech) {
        const saved = outputs[`transcribe#chunk-${c.index}`] as { engine: string; segments: unknown[] };
        expect(saved.engine).toBe('whisper.cpp for-tests-ggml-tiny.en');
      }
      expect(progress.at(-1)).toBe(`transcribing ${speech.length}/${speech.length}`);
      for (const s of r.value.segments) {
        const home = plan.chunks.find((c) => s.start >= c.start && s.end <= c.end);
        expect(home, `segment ${s.start}–${s.end} lies inside one chunk`).toBeDefined();
      }
    },
  );

  it('a missing model is a plain permanent error, so the next engine gets the chunk', async () => {
    const missing = new WhisperCppEngine({ modelPath: path.join(dir, 'nope.bin'), threads: 1 });
    const r = await missing.transcribe(jfk, { signal: new AbortController().signal, progress: () => {} });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'stt.whisper_model_missing', retryable: false });
  });
});
