// A process that transcribes a scripted 40-chunk recording with file-backed stage partials, for the kill -9 test:
// it is killed mid-way and started again, and must resume at the next unfinished chunk.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { AudioChunk } from '../../src/analysis/audio/chunker.js';
import { ChunkedTranscriber } from '../../src/analysis/transcribe/chunked.js';
import { Limiter } from '../../src/analysis/transcribe/limiter.js';
import { ok } from '../../src/core/result.js';
import type { StagePartials } from '../../src/core/stage.js';

export const CRASH_CHUNKS = 40;
export const CRASH_CHUNK_SEC = 30;

const stateDir = process.argv[2];
if (stateDir === undefined) throw new Error('usage: transcribe-crash-child <state dir>');
const partialsFile = path.join(stateDir, 'partials.json');
const logFile = path.join(stateDir, 'transcribed.log');

/** Saves like the workflow store does: the whole record replaced atomically before save() resolves. */
const store: Record<string, unknown> = existsSync(partialsFile)
  ? (JSON.parse(readFileSync(partialsFile, 'utf8')) as Record<string, unknown>)
  : {};
const partials: StagePartials = {
  load: (key) => store[key],
  save: (key, value) => {
    store[key] = value;
    writeFileSync(`${partialsFile}.tmp`, JSON.stringify(store));
    renameSync(`${partialsFile}.tmp`, partialsFile);
    return Promise.resolve();
  },
};

const chunks: AudioChunk[] = Array.from({ length: CRASH_CHUNKS }, (_, index) => ({
  index,
  start: index * CRASH_CHUNK_SEC,
  end: (index + 1) * CRASH_CHUNK_SEC,
  speech: true,
  forced: false,
}));

const transcriber = new ChunkedTranscriber({
  engines: [
    {
      name: 'scripted',
      transcribe: async (file) => {
        const index = Number(/(\d+)\.wav$/.exec(file)?.[1]);
        await delay(60);
        appendFileSync(logFile, `${index}\n`);
        return ok({
          language: 'en',
          segments: [{ start: 2, end: 5, speaker: null, text: `chunk ${index}.` }],
        });
      },
    },
  ],
  preparer: {
    prepare: (_audio, o) =>
      Promise.resolve(
        ok({
          durationSec: CRASH_CHUNKS * CRASH_CHUNK_SEC,
          chunks: o.plan ?? chunks,
          chunkFile: (c: AudioChunk) => Promise.resolve(`/scripted/${c.index}.wav`),
          dispose: () => Promise.resolve(),
        }),
      ),
  },
  maxChunkSec: 45,
  limiter: new Limiter(2),
});

const r = await transcriber.transcribe('/scripted/recording.m4a', {
  signal: new AbortController().signal,
  progress: () => {},
  partials,
});
if (!r.ok) throw r.error;
writeFileSync(path.join(stateDir, 'result.json'), JSON.stringify(r.value));
