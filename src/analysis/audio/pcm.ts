// 16 kHz mono 16-bit PCM on disk: WAV slices for one chunk and streamed float windows, never the whole file in memory.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

export const SAMPLE_RATE = 16_000;
export const BYTES_PER_SAMPLE = 2;
export const BYTES_PER_SECOND = SAMPLE_RATE * BYTES_PER_SAMPLE;
export const WAV_HEADER_BYTES = 44;

/** The 44-byte RIFF header of a 16 kHz mono s16le WAV holding `dataBytes` of samples. */
export function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(BYTES_PER_SECOND, 28);
  h.writeUInt16LE(BYTES_PER_SAMPLE, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/**
 * Writes samples [startSec, endSec) of the raw PCM file `rawPath` as a WAV file at `outPath`, copying in bounded
 * blocks so a chunk of any length costs a fixed amount of memory.
 */
export async function writeWavSlice(
  rawPath: string,
  startSec: number,
  endSec: number,
  outPath: string,
): Promise<number> {
  const from = Math.max(0, Math.round(startSec * SAMPLE_RATE)) * BYTES_PER_SAMPLE;
  const to = Math.max(from, Math.round(endSec * SAMPLE_RATE) * BYTES_PER_SAMPLE);
  const src = await open(rawPath, 'r');
  const dst = await open(outPath, 'w');
  try {
    const size = (await src.stat()).size;
    const end = Math.min(to, size - (size % BYTES_PER_SAMPLE));
    const dataBytes = Math.max(0, end - from);
    await dst.write(wavHeader(dataBytes), 0, WAV_HEADER_BYTES, 0);
    const block = Buffer.alloc(1 << 20);
    let pos = from;
    let out = WAV_HEADER_BYTES;
    while (pos < end) {
      const n = Math.min(block.length, end - pos);
      const { bytesRead } = await src.read(block, 0, n, pos);
      if (bytesRead === 0) break;
      await dst.write(block, 0, bytesRead, out);
      pos += bytesRead;
      out += bytesRead;
    }
    return dataBytes;
  } finally {
    await src.close();
    await dst.close();
  }
}

/** Streams the raw PCM file as consecutive float windows of `windowSamples` (the last one zero-padded). */
export async function* floatWindows(
  rawPath: string,
  windowSamples: number,
  signal?: AbortSignal,
): AsyncGenerator<Float32Array> {
  const stream = createReadStream(rawPath, { highWaterMark: windowSamples * BYTES_PER_SAMPLE * 64 });
  let carry = Buffer.alloc(0);
  const windowBytes = windowSamples * BYTES_PER_SAMPLE;
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      let buf = carry.length === 0 ? piece : Buffer.concat([carry, piece]);
      let at = 0;
      while (buf.length - at >= windowBytes) {
        yield toFloat(buf, at, windowSamples);
        at += windowBytes;
      }
      carry = Buffer.from(buf.subarray(at));
      buf = Buffer.alloc(0);
    }
    if (carry.length >= BYTES_PER_SAMPLE) {
      const w = new Float32Array(windowSamples);
      w.set(toFloat(carry, 0, Math.floor(carry.length / BYTES_PER_SAMPLE)));
      yield w;
    }
  } finally {
    stream.destroy();
  }
}

function toFloat(buf: Buffer, offset: number, samples: number): Float32Array {
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = buf.readInt16LE(offset + i * BYTES_PER_SAMPLE) / 32768;
  return out;
}
