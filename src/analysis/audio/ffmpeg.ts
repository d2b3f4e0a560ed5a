// Decodes any media file to 16 kHz mono 16-bit PCM on disk with ffmpeg: the one format every later step reads.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { PermanentError, RetryLaterError, type AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { BYTES_PER_SECOND, SAMPLE_RATE } from './pcm.js';

export interface DecodedAudio {
  readonly rawPath: string;
  readonly durationSec: number;
}

/** Runs `ffmpeg -i input → rawPath` (s16le, 16 kHz, mono). ffmpeg streams, so memory stays flat for any length. */
export async function decodeToPcm(
  ffmpegPath: string,
  input: string,
  rawPath: string,
  signal: AbortSignal,
): Promise<Result<DecodedAudio, AppError>> {
  const args = [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-i',
    input,
    '-vn',
    '-ac',
    '1',
    '-ar',
    String(SAMPLE_RATE),
    '-f',
    's16le',
    '-acodec',
    'pcm_s16le',
    rawPath,
  ];
  const outcome = await new Promise<{ code: number | null; stderr: string; spawnError: Error | null }>(
    (resolve) => {
      let stderr = '';
      const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'], signal });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => {
        if (stderr.length < 4000) stderr += d;
      });
      child.on('error', (e) => resolve({ code: null, stderr, spawnError: e }));
      child.on('close', (code) => resolve({ code, stderr, spawnError: null }));
    },
  );
  signal.throwIfAborted();
  if (outcome.spawnError !== null) return err(ffmpegSpawnError(outcome.spawnError, ffmpegPath));
  if (outcome.code !== 0) {
    return err(
      new PermanentError('audio.decode_failed', `ffmpeg exited ${outcome.code}: ${outcome.stderr.trim()}`, {
        userMessage: 'The audio could not be decoded.',
      }),
    );
  }
  const bytes = (await stat(rawPath)).size;
  return ok({ rawPath, durationSec: bytes / BYTES_PER_SECOND });
}

/** Why ffmpeg could not be started: not installed (permanent), or a transient failure to spawn it. */
export function ffmpegSpawnError(e: Error, ffmpegPath: string): AppError {
  return (e as NodeJS.ErrnoException).code === 'ENOENT'
    ? new PermanentError('audio.ffmpeg_missing', `ffmpeg not found at ${ffmpegPath}`, {
        userMessage: 'ffmpeg is not installed on the server, so the audio could not be transcribed.',
      })
    : new RetryLaterError('audio.ffmpeg_failed', e.message, { cause: e });
}
