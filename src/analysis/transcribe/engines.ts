// Builds the configured speech-to-text chain (AUTOINTEL_STT order) and says, per engine, whether it can run and why not.
import { existsSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Config, SttEngineName } from '../../config/config.js';
import { VadAudioPreparer } from '../audio/prepare.js';
import { SileroVad } from '../audio/vad.js';
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
  close(): Promise<void>;
}

export function createTranscription(
  config: SttConfig,
  deps: { readonly clock: Clock; readonly logger: Logger; readonly workDir?: string },
): Transcription {
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
  if (engines.length === 0) return { engine: null, statuses, close: () => Promise.resolve() };
  const vad = new SileroVad();
  closers.push(() => vad.close());
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
    limiter: new Limiter(config.sttConcurrency),
    logger: deps.logger,
  });
  return {
    engine,
    statuses,
    close: async () => {
      for (const c of closers) await c();
    },
  };
}
