// Turns a media file into bounded speech chunks: ffmpeg to 16 kHz mono PCM on disk, Silero VAD, cuts in silences;
// each chunk becomes a small WAV only when an engine is about to read it.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { planChunks, type AudioChunk } from './chunker.js';
import { decodeToPcm } from './ffmpeg.js';
import { writeWavSlice } from './pcm.js';
import type { SileroVad } from './vad.js';
import { VAD_WINDOW_SEC } from './vad.js';

export interface PreparedAudio {
  readonly durationSec: number;
  readonly chunks: readonly AudioChunk[];
  /** Writes `chunk` as a 16 kHz mono WAV and returns its path; the caller may delete it once read. */
  chunkFile(chunk: AudioChunk): Promise<string>;
  /** Deletes every temporary file. */
  dispose(): Promise<void>;
}

export interface PrepareOptions {
  readonly maxChunkSec: number;
  readonly signal: AbortSignal;
  /** A plan saved by an earlier run of the same workflow: reused as is so resumed chunk numbers still match. */
  readonly plan?: readonly AudioChunk[];
}

/** The port the chunked transcriber reads audio through (a scripted one in tests). */
export interface AudioPreparer {
  prepare(audioPath: string, options: PrepareOptions): Promise<Result<PreparedAudio, AppError>>;
}

export interface VadAudioPreparerOptions {
  readonly ffmpegPath: string;
  readonly vad: SileroVad;
  /** Where decoded audio is kept while a recording is transcribed; defaults to the OS temp dir. */
  readonly workDir?: string;
}

export class VadAudioPreparer implements AudioPreparer {
  readonly #options: VadAudioPreparerOptions;

  constructor(options: VadAudioPreparerOptions) {
    if (options.ffmpegPath.trim() === '') throw new TypeError('ffmpegPath must not be empty');
    this.#options = options;
  }

  async prepare(audioPath: string, options: PrepareOptions): Promise<Result<PreparedAudio, AppError>> {
    const base = this.#options.workDir ?? tmpdir();
    await mkdir(base, { recursive: true });
    const dir = await mkdtemp(path.join(base, 'autointel-audio-'));
    const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
    try {
      const decoded = await decodeToPcm(
        this.#options.ffmpegPath,
        audioPath,
        path.join(dir, 'audio.s16le'),
        options.signal,
      );
      if (!decoded.ok) {
        await dispose();
        return err(decoded.error);
      }
      let chunks = options.plan;
      if (chunks === undefined) {
        const probs = await this.#options.vad.probabilities(decoded.value.rawPath, options.signal);
        if (!probs.ok) {
          await dispose();
          return err(probs.error);
        }
        chunks = planChunks(probs.value, VAD_WINDOW_SEC, decoded.value.durationSec, {
          maxChunkSec: options.maxChunkSec,
        });
      }
      const rawPath = decoded.value.rawPath;
      return ok({
        durationSec: decoded.value.durationSec,
        chunks,
        chunkFile: async (chunk) => {
          const file = path.join(dir, `chunk-${chunk.index}.wav`);
          await writeWavSlice(rawPath, chunk.start, chunk.end, file);
          return file;
        },
        dispose,
      });
    } catch (e: unknown) {
      await dispose();
      throw e;
    }
  }
}
