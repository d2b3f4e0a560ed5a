// Transcription benchmark: real-time factor per engine on the speech corpus (FLEURS English + JFK) against the audio
// preparation alone measured in the same run; word error rate with a real model (--model); a long synthetic
// recording through the whole chunked pipeline with its peak RSS (--long-hours).
//
//   npm run build && node dist/bench/transcription/run.js [--model ggml-base.en.bin] [--threads 2] [--long-hours 3]
//   (AUTOINTEL_STT_BASE_URL / AUTOINTEL_STT_API_KEY / AUTOINTEL_STT_MODEL add the OpenAI-compatible engine)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VadAudioPreparer } from '../../src/analysis/audio/prepare.js';
import { BYTES_PER_SECOND, WAV_HEADER_BYTES } from '../../src/analysis/audio/pcm.js';
import { SileroVad } from '../../src/analysis/audio/vad.js';
import { ChunkedTranscriber } from '../../src/analysis/transcribe/chunked.js';
import type { TranscriptionEngine } from '../../src/analysis/transcribe/index.js';
import { Limiter } from '../../src/analysis/transcribe/limiter.js';
import { OpenAiTranscriptionEngine } from '../../src/analysis/transcribe/openai.js';
import { WhisperCppEngine } from '../../src/analysis/transcribe/whisper-cpp.js';
import { SystemClock } from '../../src/core/clock.js';
import { packageRoot } from '../../src/core/paths.js';
import { memoryPartials } from '../../src/core/stage.js';
import { ok } from '../../src/core/result.js';
import { wordErrors } from './wer.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const speechDir = path.join(packageRoot(), '..', 'shared', 'corpus', 'speech');
const JFK_REFERENCE =
  'And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.';
const LOADER_TEST_MODEL = path.join(speechDir, 'models', 'for-tests-ggml-tiny.en.bin');

interface Clip {
  readonly file: string;
  readonly reference: string;
}

function corpusClips(): Clip[] {
  const fleurs = path.join(speechDir, 'fleurs-en');
  const clips = readdirSync(fleurs)
    .filter((f) => f.endsWith('.ogg'))
    .sort()
    .map((f) => ({
      file: path.join(fleurs, f),
      reference: readFileSync(path.join(fleurs, f.replace(/\.ogg$/, '.txt')), 'utf8'),
    }));
  return [...clips, { file: path.join(speechDir, 'jfk.wav'), reference: JFK_REFERENCE }];
}

const signal = new AbortController().signal;
const vad = new SileroVad();

function transcriber(engine: TranscriptionEngine, workDir: string): ChunkedTranscriber {
  return new ChunkedTranscriber({
    engines: [engine],
    preparer: new VadAudioPreparer({ ffmpegPath: process.env['FFMPEG_PATH'] ?? 'ffmpeg', vad, workDir }),
    maxChunkSec: 45,
    limiter: new Limiter(1),
  });
}

/** An engine that only reads its chunk's length: what the pipeline costs without any recognition. */
const lengthEngine: TranscriptionEngine = {
  name: 'none (decode + VAD + chunk files only)',
  transcribe: async (file) => {
    const fh = await open(file, 'r');
    const { size } = await fh.stat();
    await fh.close();
    const sec = (size - WAV_HEADER_BYTES) / BYTES_PER_SECOND;
    // The file name keeps each chunk's text distinct: equal texts on both sides of a cut would be stitched as a repeat.
    const text = `${path.basename(file)} lasts ${sec.toFixed(2)} s`;
    return ok({ language: null, segments: [{ start: 0, end: sec, speaker: null, text }] });
  },
};

async function runCorpus(engine: TranscriptionEngine, clips: readonly Clip[], workDir: string) {
  const t = transcriber(engine, workDir);
  let errors = 0;
  let words = 0;
  const t0 = performance.now();
  for (const c of clips) {
    const r = await t.transcribe(c.file, { signal, progress: () => {}, partials: memoryPartials('b', {}) });
    if (!r.ok) throw r.error;
    const e = wordErrors(r.value.segments.map((s) => s.text).join(' '), c.reference);
    errors += e.errors;
    words += e.words;
  }
  const ms = performance.now() - t0;
  const audioSec = clips.reduce((n, c) => n + durationOf(c.file), 0);
  return { rtf: ms / 1000 / audioSec, audioSec, wer: errors / words };
}

function durationOf(file: string): number {
  const out = execFileSync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration',
    '-of',
    'csv=p=0',
    file,
  ]);
  return Number(out.toString().trim());
}

async function longRecording(hours: number, workDir: string): Promise<void> {
  // Speech (espeak-ng) then a pause, looped by ffmpeg to the length asked for: VAD finds real speech and silences.
  const say = path.join(workDir, 'say.wav');
  execFileSync('espeak-ng', [
    '-w',
    say,
    'This is a long recording made to measure memory while it is transcribed in chunks.',
  ]);
  const unit = path.join(workDir, 'unit.wav');
  execFileSync('ffmpeg', [
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-i',
    say,
    '-af',
    'apad=pad_dur=2.5',
    '-ar',
    '16000',
    '-ac',
    '1',
    unit,
  ]);
  const long = path.join(workDir, 'long.wav');
  const t0 = performance.now();
  execFileSync('ffmpeg', [
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-stream_loop',
    '-1',
    '-i',
    unit,
    '-t',
    String(hours * 3600),
    '-c',
    'copy',
    long,
  ]);
  const made = (performance.now() - t0) / 1000;
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const progress: string[] = [];
  const t1 = performance.now();
  const r = await transcriber(lengthEngine, workDir).transcribe(long, {
    signal,
    progress: (_f, m) => {
      if (m !== undefined) progress.push(m);
    },
    partials: memoryPartials('b', {}),
  });
  clearInterval(sampler);
  if (!r.ok) throw r.error;
  const secs = (performance.now() - t1) / 1000;
  const covered = r.value.segments.reduce((n, s) => n + (s.end - s.start), 0);
  console.log(
    `long recording: ${hours} h (${made.toFixed(0)} s to generate, WAV) → ${progress.at(-1) ?? '?'} chunks, ` +
      `${(covered / 3600).toFixed(2)} h of speech chunks, ${secs.toFixed(0)} s (RTF ${(secs / (hours * 3600)).toFixed(4)}), ` +
      `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB)`,
  );
}

async function main(): Promise<void> {
  if (!existsSync(speechDir)) {
    console.log(`speech corpus not found at ${speechDir}: nothing to measure`);
    return;
  }
  const workDir = await mkdtemp(path.join(tmpdir(), 'bench-stt-'));
  try {
    const clips = corpusClips();
    const base = await runCorpus(lengthEngine, clips, workDir);
    console.log(`corpus: ${clips.length} clips, ${base.audioSec.toFixed(1)} s of audio`);
    console.log(`baseline  ${lengthEngine.name}: RTF ${base.rtf.toFixed(4)}`);
    // The loader-test model is accepted (it times the binding) but its words are noise, so it is never the default.
    const model = arg('--model');
    if (model === undefined) console.log('whisper-cpp: not measured (pass --model <ggml file>)');
    else {
      const threads = Number(arg('--threads') ?? '2');
      const w = new WhisperCppEngine({ modelPath: model, threads });
      try {
        const r = await runCorpus(w, clips, workDir);
        const real = path.resolve(model) !== LOADER_TEST_MODEL;
        console.log(
          `whisper-cpp ${path.basename(model)} (${threads} threads): RTF ${r.rtf.toFixed(3)} ` +
            `(${(r.rtf / base.rtf).toFixed(0)}× baseline), ` +
            (real
              ? `WER ${(r.wer * 100).toFixed(1)}%`
              : 'WER not measured: the loader-test model has meaningless weights'),
        );
      } finally {
        w.close();
      }
    }
    const baseUrl = process.env['AUTOINTEL_STT_BASE_URL'];
    if (baseUrl !== undefined && baseUrl !== '') {
      const o = new OpenAiTranscriptionEngine({
        baseUrl,
        apiKey: process.env['AUTOINTEL_STT_API_KEY'],
        model: process.env['AUTOINTEL_STT_MODEL'] ?? 'whisper-1',
        clock: new SystemClock(),
      });
      const r = await runCorpus(o, clips, workDir);
      console.log(
        `${o.name}: RTF ${r.rtf.toFixed(3)} (${(r.rtf / base.rtf).toFixed(0)}× baseline), WER ${(r.wer * 100).toFixed(1)}%`,
      );
    }
    const hours = Number(arg('--long-hours') ?? '0');
    if (hours > 0) await longRecording(hours, workDir);
  } finally {
    await vad.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
