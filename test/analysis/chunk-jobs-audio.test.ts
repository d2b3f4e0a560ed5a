// Chunk jobs with the production audio path: ffmpeg + Silero VAD cut FLEURS speech into chunks, each chunk is stored
// as FLAC in the chunk store, and the chunk job hands the engine a WAV whose samples equal the chunk's own slice of
// the recording — lossless, in about 40 % of the WAV's bytes.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioChunk } from '../../src/analysis/audio/chunker.js';
import { decodeChunk, encodeChunk } from '../../src/analysis/audio/chunk-codec.js';
import { VadAudioPreparer } from '../../src/analysis/audio/prepare.js';
import { SileroVad } from '../../src/analysis/audio/vad.js';
import { EmbeddedChunkQueue } from '../../src/analysis/transcribe/chunk-queue.js';
import { chunkJobHandler } from '../../src/analysis/transcribe/chunk-worker.js';
import { ChunkedTranscriber } from '../../src/analysis/transcribe/chunked.js';
import type { TranscriptionEngine } from '../../src/analysis/transcribe/index.js';
import { Limiter } from '../../src/analysis/transcribe/limiter.js';
import { SystemClock } from '../../src/core/clock.js';
import { ok } from '../../src/core/result.js';
import { memoryPartials } from '../../src/core/stage.js';
import { SqliteChunkAudioStore } from '../../src/store/sqlite/sqlite-chunk-audio.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import { corpusAvailable, corpusDir } from '../support/corpus.js';
import { speechToolsAvailable } from './speech-support.js';

const fleurs = path.join(corpusDir, 'speech', 'fleurs-en');
const clips = [0, 1, 2, 3].map((i) => path.join(fleurs, `fleurs-en-00${i}.ogg`));
const ready =
  corpusAvailable('chunk jobs audio suite', 'speech', 'fleurs-en', 'fleurs-en-000.ogg') &&
  speechToolsAvailable('chunk jobs audio suite', ['ffmpeg']);

const clock = new SystemClock();
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
let dir: string;
const vad = new SileroVad();
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'chunk-audio-test-'));
});
afterAll(async () => {
  await vad.close();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!ready)('chunk audio as FLAC through the chunk store', () => {
  it('round-trips every chunk of four FLEURS clips sample for sample, in well under the WAV size', async () => {
    const preparer = new VadAudioPreparer({ ffmpegPath: 'ffmpeg', vad, workDir: dir });
    const signal = new AbortController().signal;
    let wavBytes = 0;
    let flacBytes = 0;
    for (const clip of clips) {
      const p = await preparer.prepare(clip, { maxChunkSec: 6, signal });
      if (!p.ok) throw p.error;
      try {
        for (const c of p.value.chunks) {
          const file = await p.value.chunkFile(c);
          const original = await readFile(file);
          const flac = await encodeChunk('flac', file, { ffmpegPath: 'ffmpeg', signal });
          if (!flac.ok) throw flac.error;
          const back = path.join(dir, `back-${c.index}.wav`);
          const decoded = await decodeChunk(flac.value, back, { ffmpegPath: 'ffmpeg', signal });
          if (!decoded.ok) throw decoded.error;
          expect(sha(await readFile(back))).toBe(sha(original));
          wavBytes += original.length;
          flacBytes += flac.value.data.length;
        }
      } finally {
        await p.value.dispose();
      }
    }
    console.info(
      `chunk audio: ${wavBytes} bytes as 16-bit WAV, ${flacBytes} as FLAC (${((100 * flacBytes) / wavBytes).toFixed(1)} %)`,
    );
    expect(flacBytes).toBeLessThan(wavBytes * 0.7);
  });

  it('a chunk job hands the engine exactly the chunk’s own slice of the recording', async () => {
    const db = path.join(dir, 'db.sqlite');
    const workflows = new SqliteWorkflowStore({ filename: db });
    await workflows.migrate();
    const store = new SqliteChunkAudioStore({ filename: db });
    const heard = new Map<number, string>();
    const engine: TranscriptionEngine = {
      name: 'hash',
      async transcribe(file) {
        const index = Number(/chunk-(\d+)\.wav$/.exec(file)?.[1]);
        heard.set(index, sha(await readFile(file)));
        return ok({
          language: 'en',
          segments: [{ start: 0, end: 1, speaker: null, text: `chunk ${index}` }],
        });
      },
    };
    const limiter = new Limiter(2);
    const queue = new EmbeddedChunkQueue({ limiter, clock });
    await queue.start(
      chunkJobHandler({ engines: [engine], store, ffmpegPath: 'ffmpeg', clock, workDir: dir }),
      {
        concurrency: 2,
      },
    );
    const preparer = new VadAudioPreparer({ ffmpegPath: 'ffmpeg', vad, workDir: dir });
    try {
      const outputs: Record<string, unknown> = {};
      const t = new ChunkedTranscriber({
        engines: [engine],
        preparer,
        maxChunkSec: 5,
        limiter,
        jobs: { queue, store, format: 'flac', ffmpegPath: 'ffmpeg', clock, pollMs: 20 },
      });
      const clip = clips[1] ?? '';
      const r = await t.transcribe(clip, {
        signal: new AbortController().signal,
        progress: () => {},
        partials: memoryPartials('transcribe', outputs),
        workflowId: 'wf-audio',
      });
      if (!r.ok) throw r.error;
      // The same cuts, prepared again directly: each chunk's WAV must be what the job's engine heard.
      const plan = (outputs['transcribe#plan'] as { chunks: AudioChunk[] }).chunks;
      const speech = plan.filter((c) => c.speech);
      expect(speech.length).toBeGreaterThanOrEqual(2);
      expect([...heard.keys()].sort((a, b) => a - b)).toEqual(speech.map((c) => c.index));
      const again = await preparer.prepare(clip, {
        maxChunkSec: 5,
        signal: new AbortController().signal,
        plan,
      });
      if (!again.ok) throw again.error;
      try {
        for (const c of again.value.chunks.filter((x) => x.speech)) {
          expect(heard.get(c.index), `chunk ${c.index}`).toBe(
            sha(await readFile(await again.value.chunkFile(c))),
          );
        }
      } finally {
        await again.value.dispose();
      }
      expect(await store.list('wf-audio')).toEqual([]);
    } finally {
      await queue.stop({ graceMs: 0 });
      await store.close();
      await workflows.close();
    }
  });
});
