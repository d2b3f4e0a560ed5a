// Builds the configured speech-to-text chain (AUTOINTEL_STT order) and says, per engine, whether it can run and why not.
import { existsSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Config, SttEngineName } from '../../config/config.js';
import { VadAudioPreparer } from '../audio/prepare.js';
import { SileroVad } from '../audio/vad.js';
import type { ChunkAudioStore } from '../../store/chunk-audio.js';
import { EmbeddedChunkQueue, type ChunkJobHandler, type ChunkJobQueue } from './chunk-queue.js';
import { chunkJobHandler } from './chunk-worker.js';
import { ChunkedTranscriber } from './chunked.js';
import type { TranscriptionEngine } from './index.js';
import { Limiter } from './limiter.js';
import { OpenAiTranscriptionEngine } from './openai.js';
import { WhisperCppEngine } from './whisper-cpp.js';

export type SttConfig = Pick<
  Config,
  | 'stt'
  | 'sttBaseUrl'
  | 'sttApiKey'
  | 'sttModel'
  | 'sttMaxUploadBytes'
  | 'sttTimeoutMs'
  | 'sttConcurrency'
  | 'sttChunkSeconds'
  | 'whisperModel'
  | 'whisperThreads'
  | 'ffmpegPath'
>;

export interface SttEngineStatus {
  readonly name: SttEngineName;
  readonly usable: boolean;
  /** What it is when usable; what is missing and how to supply it when not. */
  readonly detail: string;
}

/** Configuration-level readiness of each engine named in AUTOINTEL_STT (no process is started). */
export function sttStatuses(config: SttConfig): SttEngineStatus[] {
  return config.stt.map((name): SttEngineStatus => {
    switch (name) {
      case 'captions':
        return {
          name,
          usable: true,
          detail: 'published captions, taken by the acquire stage when a source has them',
        };
      case 'whisper-cpp':
        if (config.whisperModel === undefined) {
          return {
            name,
            usable: false,
            detail:
              'AUTOINTEL_WHISPER_MODEL is not set (run `autointel models pull base.en` and point it at the file)',
          };
        }
        if (!existsSync(config.whisperModel)) {
          return { name, usable: false, detail: `model file not found: ${config.whisperModel}` };
        }
        return { name, usable: true, detail: `${config.whisperModel}, ${config.whisperThreads} thread(s)` };
      case 'openai':
        if (config.sttBaseUrl === undefined) {
          return { name, usable: false, detail: 'AUTOINTEL_STT_BASE_URL is not set' };
        }
        return {
          name,
          usable: true,
          detail: `${new URL(config.sttBaseUrl).host}, model ${config.sttModel}${
            config.sttApiKey === undefined ? ', no API key' : ''
          }`,
        };
    }
  });
}

export interface Transcription {
  /** The chunked chain over every usable engine, or null when none is (media then says no transcript was made). */
  readonly engine: TranscriptionEngine | null;
  readonly statuses: readonly SttEngineStatus[];
  /**
   * Chunk jobs, when a chunk store was given and an engine is usable: the queue the workflow's transcription stage
   * puts chunks on, and the handler a worker consumes them with (`queue.start(handler, …)`).
   */
  readonly chunkJobs: { readonly queue: ChunkJobQueue; readonly handler: ChunkJobHandler } | null;
  close(): Promise<void>;
}

export interface TranscriptionDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly workDir?: string;
  /**
   * Where chunk audio and results go so any process can transcribe any chunk; with `queue` (BullMQ) every worker
   * takes chunks, without it they run in this process (bounded by AUTOINTEL_STT_CONCURRENCY). Absent: chunks run
   * in-process from the local audio, as the CLI does.
   */
  readonly chunks?: { readonly store: ChunkAudioStore; readonly queue?: ChunkJobQueue };
}

export function createTranscription(config: SttConfig, deps: TranscriptionDeps): Transcription {
  const statuses = sttStatuses(config);
  const engines: TranscriptionEngine[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  for (const s of statuses) {
    if (!s.usable) {
      if (s.name !== 'captions')
        deps.logger.info({ engine: s.name, why: s.detail }, 'speech-to-text engine off');
      continue;
    }
    if (s.name === 'whisper-cpp' && config.whisperModel !== undefined) {
      const w = new WhisperCppEngine({ modelPath: config.whisperModel, threads: config.whisperThreads });
      engines.push(w);
      closers.push(() => w.close());
    } else if (s.name === 'openai' && config.sttBaseUrl !== undefined) {
      engines.push(
        new OpenAiTranscriptionEngine({
          baseUrl: config.sttBaseUrl,
          apiKey: config.sttApiKey,
          model: config.sttModel,
          clock: deps.clock,
          maxUploadBytes: config.sttMaxUploadBytes,
          timeoutMs: config.sttTimeoutMs,
        }),
      );
    }
  }
  if (engines.length === 0)
    return { engine: null, statuses, chunkJobs: null, close: () => Promise.resolve() };
  const vad = new SileroVad();
  closers.push(() => vad.close());
  const limiter = new Limiter(config.sttConcurrency);
  const chunkJobs =
    deps.chunks === undefined
      ? null
      : {
          queue:
            deps.chunks.queue ?? new EmbeddedChunkQueue({ limiter, clock: deps.clock, logger: deps.logger }),
          handler: chunkJobHandler({
            engines,
            store: deps.chunks.store,
            ffmpegPath: config.ffmpegPath,
            clock: deps.clock,
            logger: deps.logger,
            ...(deps.workDir === undefined ? {} : { workDir: deps.workDir }),
          }),
        };
  const engine = new ChunkedTranscriber({
    engines,
    preparer: new VadAudioPreparer({
      ffmpegPath: config.ffmpegPath,
      vad,
      ...(deps.workDir === undefined ? {} : { workDir: deps.workDir }),
    }),
    maxChunkSec: config.sttChunkSeconds,
    ...(engines.some((e) => e instanceof OpenAiTranscriptionEngine)
      ? { maxUploadBytes: config.sttMaxUploadBytes }
      : {}),
    limiter,
    logger: deps.logger,
    ...(chunkJobs === null || deps.chunks === undefined
      ? {}
      : {
          jobs: {
            queue: chunkJobs.queue,
            store: deps.chunks.store,
            // FLAC: lossless, about 40 % of the 16-bit WAV's bytes on speech (README: chunk jobs).
            format: 'flac',
            ffmpegPath: config.ffmpegPath,
            clock: deps.clock,
          },
        }),
  });
  return {
    engine,
    statuses,
    chunkJobs,
    close: async () => {
      for (const c of closers) await c();
    },
  };
}
