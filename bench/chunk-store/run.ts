// Chunk audio store benchmark: a long recording's speech chunks (FLEURS English, repeated) stored as FLAC and as
// 16-bit WAV in the chunk store — bytes, encode + put per chunk, get + decode per chunk (what each chunk job pays),
// one poll of the chunk states — on SQLite, and on PostgreSQL when DATABASE_URL is set.
//
//   npm run build && node dist/bench/chunk-store/run.js [--hours 3] [--chunk-seconds 45]
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeChunk, encodeChunk } from '../../src/analysis/audio/chunk-codec.js';
import { BYTES_PER_SECOND, wavHeader } from '../../src/analysis/audio/pcm.js';
import { packageRoot } from '../../src/core/paths.js';
import type { ChunkAudioFormat, ChunkAudioStore } from '../../src/store/chunk-audio.js';
import { PostgresChunkAudioStore } from '../../src/store/postgres/postgres-chunk-audio.js';
import { PostgresWorkflowStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteChunkAudioStore } from '../../src/store/sqlite/sqlite-chunk-audio.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import { positiveArg } from '../args.js';

const hours = positiveArg('hours', 3);
const chunkSec = positiveArg('chunk-seconds', 45);
const fleurs = path.join(packageRoot(), '..', 'shared', 'corpus', 'speech', 'fleurs-en');
const signal = new AbortController().signal;

interface Figures {
  readonly store: string;
  readonly format: ChunkAudioFormat;
  readonly chunks: number;
  readonly megabytes: number;
  readonly ofWav: number;
  readonly encodePutMs: number;
  readonly getDecodeMs: number;
  readonly pollMs: number;
}

async function measure(
  name: string,
  store: ChunkAudioStore,
  format: ChunkAudioFormat,
  speech: Buffer,
  dir: string,
): Promise<Figures> {
  const chunkBytes = Math.floor(chunkSec * BYTES_PER_SECOND);
  const chunks = Math.ceil((hours * 3600) / chunkSec);
  const workflowId = `bench-${format}`;
  const file = path.join(dir, 'chunk.wav');
  let stored = 0;
  let wav = 0;
  const t0 = performance.now();
  for (let i = 0; i < chunks; i++) {
    const from = ((i * chunkBytes) % (speech.length - chunkBytes)) & ~1;
    const pcm = speech.subarray(from, from + chunkBytes);
    await writeFile(file, Buffer.concat([wavHeader(pcm.length), pcm]));
    const audio = await encodeChunk(format, file, { ffmpegPath: 'ffmpeg', signal });
    if (!audio.ok) throw audio.error;
    await store.put({ workflowId, index: i }, audio.value, Date.now());
    stored += audio.value.data.length;
    wav += pcm.length + 44;
  }
  const encodePutMs = (performance.now() - t0) / chunks;
  const sample = Math.min(chunks, 30);
  const t1 = performance.now();
  for (let i = 0; i < sample; i++) {
    const row = await store.get({ workflowId, index: i });
    if (row?.audio == null) throw new Error(`chunk ${i} missing`);
    const d = await decodeChunk(row.audio, path.join(dir, 'decoded.wav'), { ffmpegPath: 'ffmpeg', signal });
    if (!d.ok) throw d.error;
  }
  const getDecodeMs = (performance.now() - t1) / sample;
  const t2 = performance.now();
  for (let i = 0; i < 20; i++) await store.list(workflowId);
  const pollMs = (performance.now() - t2) / 20;
  await store.deleteWorkflow(workflowId);
  return {
    store: name,
    format,
    chunks,
    megabytes: Math.round(stored / 1e5) / 10,
    ofWav: Math.round((stored / wav) * 1000) / 1000,
    encodePutMs: Math.round(encodePutMs),
    getDecodeMs: Math.round(getDecodeMs),
    pollMs: Math.round(pollMs * 10) / 10,
  };
}

const dir = await mkdtemp(path.join(tmpdir(), 'chunk-store-bench-'));
try {
  const clips = readdirSync(fleurs)
    .filter((f) => f.endsWith('.ogg'))
    .map((f) => path.join(fleurs, f));
  const speech = Buffer.concat(
    clips.map((c) =>
      execFileSync(
        'ffmpeg',
        ['-nostdin', '-loglevel', 'error', '-i', c, '-ac', '1', '-ar', '16000', '-f', 's16le', '-'],
        {
          maxBuffer: 1 << 28,
        },
      ),
    ),
  );
  const results: Figures[] = [];
  const file = path.join(dir, 'autointel.db');
  const sqlite = new SqliteWorkflowStore({ filename: file });
  await sqlite.migrate();
  const sqliteChunks = new SqliteChunkAudioStore({ filename: file });
  for (const format of ['flac', 'wav'] as const)
    results.push(await measure('sqlite', sqliteChunks, format, speech, dir));
  await sqliteChunks.close();
  await sqlite.close();
  const databaseUrl = process.env['DATABASE_URL'];
  if (databaseUrl !== undefined) {
    const pgStore = new PostgresWorkflowStore({ connectionString: databaseUrl });
    await pgStore.migrate();
    const pgChunks = new PostgresChunkAudioStore({ connectionString: databaseUrl });
    for (const format of ['flac', 'wav'] as const)
      results.push(await measure('postgres', pgChunks, format, speech, dir));
    await pgChunks.close();
    await pgStore.close();
  }
  console.log(`chunk audio store: ${hours} h of speech in ${chunkSec} s chunks`);
  console.table(results);
  console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
