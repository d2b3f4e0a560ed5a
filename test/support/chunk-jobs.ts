// Test doubles for chunk jobs: a scripted recording whose chunk WAVs carry their chunk index in the samples, and an
// engine that reads it back from whatever file it is handed — so a chunk's audio is proven to travel through the
// chunk store intact, and every transcription is logged (by whom, which chunk).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { AudioChunk } from '../../src/analysis/audio/chunker.js';
import { wavHeader } from '../../src/analysis/audio/pcm.js';
import type { AudioPreparer } from '../../src/analysis/audio/prepare.js';
import type { TranscriptionEngine } from '../../src/analysis/transcribe/index.js';
import { PermanentError } from '../../src/core/errors.js';
import { err, ok } from '../../src/core/result.js';

/** `n` chunks of `chunkSec` seconds; those in `silent` carry no speech. */
export function scriptedChunks(n: number, chunkSec: number, silent: readonly number[] = []): AudioChunk[] {
  return Array.from({ length: n }, (_, index) => ({
    index,
    start: index * chunkSec,
    end: (index + 1) * chunkSec,
    speech: !silent.includes(index),
    forced: false,
  }));
}

export interface ScriptedPreparer extends AudioPreparer {
  /** Every prepare() call: the audio path and whether a plan was passed in. */
  readonly calls: { readonly audioPath: string; readonly withPlan: boolean }[];
}

/**
 * A recording on disk in `dir`: each chunk's WAV is 0.1 s of 16-bit samples all equal to index + 1. With
 * `mediaGone` it behaves as a machine without the work directory: prepare() fails as ffmpeg would on a missing file.
 */
export function scriptedPreparer(
  chunks: readonly AudioChunk[],
  dir: string,
  options: { readonly mediaGone?: boolean } = {},
): ScriptedPreparer {
  const calls: ScriptedPreparer['calls'] = [];
  return {
    calls,
    prepare(audioPath, o) {
      calls.push({ audioPath, withPlan: o.plan !== undefined });
      if (options.mediaGone === true) {
        return Promise.resolve(
          err(new PermanentError('audio.decode_failed', `${audioPath}: No such file or directory`)),
        );
      }
      const plan = o.plan ?? chunks;
      const last = plan[plan.length - 1];
      return Promise.resolve(
        ok({
          durationSec: last?.end ?? 0,
          chunks: plan,
          chunkFile: async (c: AudioChunk) => {
            await mkdir(dir, { recursive: true });
            const file = path.join(dir, `prepared-${c.index}.wav`);
            const samples = Buffer.alloc(3200);
            for (let i = 0; i < 1600; i++) samples.writeInt16LE(c.index + 1, i * 2);
            await writeFile(file, Buffer.concat([wavHeader(samples.length), samples]));
            return file;
          },
          dispose: () => Promise.resolve(),
        }),
      );
    },
  };
}

export interface TranscriptionLog {
  /** One entry per finished transcription: which engine instance (worker) heard which chunk. */
  readonly entries: { readonly by: string; readonly chunk: number }[];
  /** One entry per transcription begun (finished or not). */
  readonly started?: { readonly by: string; readonly chunk: number }[];
}

/**
 * An engine that hears the chunk index in the samples and says it at 1–3 s into the chunk. `delayMs` makes each
 * chunk take a while (so several workers get a share); `fail(i)` scripts a failure.
 */
export function audioReadingEngine(
  by: string,
  log: TranscriptionLog,
  options: { readonly delayMs?: number; readonly fail?: (index: number) => PermanentError | null } = {},
): TranscriptionEngine {
  return {
    name: 'scripted',
    async transcribe(file, ctx) {
      const data = await readFile(file);
      const index = data.readInt16LE(44) - 1;
      log.started?.push({ by, chunk: index });
      if (options.delayMs !== undefined) await delay(options.delayMs, undefined, { signal: ctx.signal });
      log.entries.push({ by, chunk: index });
      const f = options.fail?.(index) ?? null;
      if (f !== null) return err(f);
      return ok({
        language: 'en',
        segments: [{ start: 1, end: 3, speaker: null, text: `chunk ${index} heard.` }],
      });
    },
  };
}
