// Encodes one chunk's WAV for the chunk audio store and back: FLAC through ffmpeg (lossless, about half the bytes of
// 16-bit PCM for speech), or the WAV file as is when no ffmpeg should be needed to read it.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { PermanentError, type AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import type { ChunkAudio, ChunkAudioFormat } from '../../store/chunk-audio.js';
import { ffmpegSpawnError } from './ffmpeg.js';
import { SAMPLE_RATE, wavHeader } from './pcm.js';

export interface ChunkCodecOptions {
  readonly ffmpegPath: string;
  readonly signal: AbortSignal;
}

/** The chunk's WAV file (16 kHz mono s16le, as `PreparedAudio.chunkFile` writes it) in `format`. */
export async function encodeChunk(
  format: ChunkAudioFormat,
  wavPath: string,
  o: ChunkCodecOptions,
): Promise<Result<ChunkAudio, AppError>> {
  if (format === 'wav') return ok({ format, data: await readFile(wavPath) });
  const r = await runFfmpeg(
    o.ffmpegPath,
    ['-i', wavPath, '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-c:a', 'flac', '-f', 'flac', 'pipe:1'],
    null,
    o.signal,
    'audio.encode_failed',
  );
  return r.ok ? ok({ format, data: r.value }) : r;
}

/** Writes stored chunk audio to `outPath` as a 16 kHz mono 16-bit WAV file, the input every engine reads. */
export async function decodeChunk(
  audio: ChunkAudio,
  outPath: string,
  o: ChunkCodecOptions,
): Promise<Result<void, AppError>> {
  if (audio.format === 'wav') {
    await writeFile(outPath, audio.data);
    return ok(undefined);
  }
  const pcm = await runFfmpeg(
    o.ffmpegPath,
    [
      '-f',
      'flac',
      '-i',
      'pipe:0',
      '-ac',
      '1',
      '-ar',
      String(SAMPLE_RATE),
      '-f',
      's16le',
      '-acodec',
      'pcm_s16le',
      'pipe:1',
    ],
    audio.data,
    o.signal,
    'audio.decode_failed',
  );
  if (!pcm.ok) return pcm;
  // Our own 44-byte header: ffmpeg's WAV muxer may add chunks that not every engine's reader skips.
  await writeFile(outPath, Buffer.concat([wavHeader(pcm.value.length), pcm.value]));
  return ok(undefined);
}

async function runFfmpeg(
  ffmpegPath: string,
  args: readonly string[],
  input: Buffer | null,
  signal: AbortSignal,
  failCode: string,
): Promise<Result<Buffer, AppError>> {
  const outcome = await new Promise<{
    code: number | null;
    out: Buffer;
    stderr: string;
    spawnError: Error | null;
  }>((resolve) => {
    const parts: Buffer[] = [];
    let stderr = '';
    const child = spawn(ffmpegPath, ['-nostdin', '-hide_banner', '-loglevel', 'error', ...args], {
      stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      signal,
    });
    child.stdout?.on('data', (d: Buffer) => parts.push(d));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      if (stderr.length < 4000) stderr += d;
    });
    // ffmpeg may exit (bad input) before it read everything: the write error is its exit code's business.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
    child.on('error', (e) => resolve({ code: null, out: Buffer.alloc(0), stderr, spawnError: e }));
    child.on('close', (code) => resolve({ code, out: Buffer.concat(parts), stderr, spawnError: null }));
  });
  signal.throwIfAborted();
  if (outcome.spawnError !== null) return err(ffmpegSpawnError(outcome.spawnError, ffmpegPath));
  if (outcome.code !== 0) {
    return err(
      new PermanentError(failCode, `ffmpeg exited ${outcome.code}: ${outcome.stderr.trim()}`, {
        userMessage: 'The audio of a chunk could not be converted.',
      }),
    );
  }
  return ok(outcome.out);
}
