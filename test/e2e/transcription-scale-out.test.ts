// The composition root in scale-out mode, with speech-to-text: two `autointel worker` apps (startApp, role worker) on
// one PostgreSQL + Redis, each with its own OpenAI-compatible STT endpoint, analyse a direct audio link (a minute of
// FLEURS speech served locally). The owning worker downloads and cuts the audio, stores the chunks as FLAC in
// PostgreSQL and puts one BullMQ job per chunk; both workers' engines get chunks, each chunk is sent to an engine
// once, and the stored transcript has each chunk's text at its absolute time.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEmulator } from '@autointel/discord-emulator';
import type { AudioChunk } from '../../src/analysis/audio/chunker.js';
import { loadConfig } from '../../src/config/config.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { startApp, type RunningApp } from '../../src/main.js';
import { speechToolsAvailable } from '../analysis/speech-support.js';
import { corpusAvailable, corpusDir } from '../support/corpus.js';
import {
  checkPostgres,
  checkRedis,
  createTestSchema,
  postgresTestUrl,
  uniqueRedisPrefix,
  type TestSchema,
} from '../support/services.js';

const pgCheck = await checkPostgres();
const redisCheck = await checkRedis();
const skipReason = !pgCheck.available
  ? pgCheck.reason
  : !redisCheck.available
    ? redisCheck.reason
    : !corpusAvailable('transcription scale-out suite', 'speech', 'fleurs-en', 'fleurs-en-005.ogg') ||
        !speechToolsAvailable('transcription scale-out suite', ['ffmpeg'])
      ? 'the FLEURS clips or ffmpeg are missing'
      : null;
if (skipReason !== null) console.warn(`transcription scale-out suite skipped: ${skipReason}`);

interface SttCall {
  readonly worker: string;
  readonly chunk: number;
  readonly bytes: number;
}

async function readForm(req: IncomingMessage): Promise<FormData> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  const headers = new Headers();
  headers.set('content-type', String(req.headers['content-type']));
  return new Request('http://local/', { method: 'POST', headers, body: Buffer.concat(parts) }).formData();
}

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

describe.skipIf(skipReason !== null)('transcription in scale-out, through startApp', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'autointel-stt-scale-'));
  const calls: SttCall[] = [];
  let schema: TestSchema;
  let emu: DiscordEmulator;
  let media: Server;
  let stt: Server;
  let mediaUrl = '';
  let sttBase = '';
  let databaseUrl = '';
  const apps: RunningApp[] = [];

  beforeAll(async () => {
    // About a minute of real speech: six FLEURS clips in a row, as one WAV file.
    const clips = [0, 1, 2, 3, 4, 5].map((i) =>
      path.join(corpusDir, 'speech', 'fleurs-en', `fleurs-en-00${i}.ogg`),
    );
    const talk = path.join(dir, 'talk.wav');
    execFileSync('ffmpeg', [
      '-nostdin',
      '-loglevel',
      'error',
      ...clips.flatMap((c) => ['-i', c]),
      '-filter_complex',
      `${clips.map((_, i) => `[${i}:a]`).join('')}concat=n=${clips.length}:v=0:a=1`,
      '-ac',
      '1',
      '-ar',
      '16000',
      talk,
    ]);
    const audio = readFileSync(talk);
    media = createServer((req, res) => {
      if (req.url !== '/talk.wav') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(audio.length) });
      res.end(req.method === 'HEAD' ? undefined : audio);
    });
    mediaUrl = `${await listen(media)}/talk.wav`;
    // One STT server, one path per worker: which worker's engine heard which chunk.
    stt = createServer((req, res) => {
      void (async () => {
        const m = /^\/(w[12])\/v1\/audio\/transcriptions$/.exec(req.url ?? '');
        if (req.method !== 'POST' || m?.[1] === undefined) return void res.writeHead(404).end();
        const form = await readForm(req);
        const file = form.get('file');
        const name = file instanceof File ? file.name : '';
        const chunk = Number(/chunk-(\d+)\.wav$/.exec(name)?.[1] ?? -1);
        calls.push({ worker: m[1], chunk, bytes: file instanceof File ? file.size : 0 });
        await delay(300);
        const text = ` chunk ${chunk} heard.`;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            task: 'transcribe',
            language: 'english',
            duration: 1,
            text,
            segments: [{ id: 0, start: 0.25, end: 1.25, text }],
          }),
        );
      })();
    });
    sttBase = await listen(stt);
    emu = await DiscordEmulator.start({ clock: new SystemClock() });
    schema = await createTestSchema();
    databaseUrl = `${postgresTestUrl()}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;
  });

  afterAll(async () => {
    for (const a of apps.splice(0)) await a.stop();
    await emu?.close();
    await new Promise((r) => media?.close(r));
    await new Promise((r) => stt?.close(r));
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shares the chunks of one recording between two workers, each chunk transcribed once, stitched at its time', async () => {
    const guild = emu.createGuild({ name: 'Talks' });
    const channel = emu.createChannel({ guildId: guild.id, name: 'reports' });
    const webhook = emu.createWebhook({ channelId: channel.id, name: 'autointel' });
    const prefix = uniqueRedisPrefix();
    const secret = randomBytes(32).toString('hex');
    const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
    for (const w of ['w1', 'w2']) {
      const dataDir = path.join(dir, w);
      mkdirSync(dataDir, { recursive: true });
      const config = loadConfig({
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisCheck.url,
        AUTOINTEL_QUEUE_PREFIX: prefix,
        AUTOINTEL_SECRET_KEY: secret,
        DISCORD_TOKEN: emu.application.botToken,
        DISCORD_APPLICATION_ID: emu.application.id,
        DISCORD_API_BASE: emu.apiBase,
        DISCORD_WEBHOOK: webhook.url,
        AUTOINTEL_DATA_DIR: dataDir,
        AUTOINTEL_ALLOW_PRIVATE_NETWORKS: 'true',
        AUTOINTEL_STT: 'openai',
        AUTOINTEL_STT_BASE_URL: `${sttBase}/${w}/v1`,
        AUTOINTEL_STT_CHUNK_SECONDS: '10',
        AUTOINTEL_STT_CONCURRENCY: '2',
        AUTOINTEL_LEASE_SECONDS: '5',
        PORT: '0',
        LOG_LEVEL: 'warn',
      });
      apps.push(
        await startApp(config, { role: 'worker', worker: true, logger: logger.child({ w }), pacing: {} }),
      );
    }
    const [first] = apps;
    if (first === undefined) throw new Error('no app');
    const started = await first.engine.start({
      url: mediaUrl,
      depth: 'standard',
      requesterId: 'u1',
      guildId: guild.id,
      channelId: channel.id,
      interactionId: null,
      origin: 'cli',
      delivery: { guildId: guild.id, channelId: channel.id },
    });
    if (started.kind !== 'started') throw new Error(`not started: ${started.kind}`);
    const id = started.workflow.id;
    const deadline = Date.now() + 90_000;
    let w = await first.store.getWorkflow(id);
    while (w?.status !== 'completed' && w?.status !== 'failed') {
      if (Date.now() > deadline) throw new Error(`still ${w?.status}: ${w?.progress?.message}`);
      await delay(200);
      w = await first.store.getWorkflow(id);
    }
    expect(w.lastError).toBeNull();
    expect(w.status).toBe('completed');

    const checkpoints = await first.store.getCheckpoints(id);
    const plan = (checkpoints['transcribe#plan'] as { chunks: AudioChunk[] }).chunks;
    const speech = plan.filter((c) => c.speech);
    expect(speech.length).toBeGreaterThanOrEqual(4);
    // Each speech chunk went to an engine exactly once, and both workers' engines had a share.
    expect(calls.map((c) => c.chunk).sort((a, b) => a - b)).toEqual(speech.map((c) => c.index));
    expect(calls.some((c) => c.worker === 'w1')).toBe(true);
    expect(calls.some((c) => c.worker === 'w2')).toBe(true);
    // The engine got a 16-bit WAV of the chunk's length (decoded back from the stored FLAC).
    for (const c of calls) {
      const chunk = plan.find((p) => p.index === c.chunk);
      if (chunk === undefined) throw new Error(`unknown chunk ${c.chunk}`);
      expect(Math.abs(c.bytes - 44 - (chunk.end - chunk.start) * 32_000)).toBeLessThanOrEqual(2);
    }
    const transcribed = checkpoints['transcribe'] as {
      content: { segments: { start: number; text: string }[] };
    };
    expect(transcribed.content.segments.map((s) => [s.start, s.text])).toEqual(
      speech.map((c) => [Math.round((c.start + 0.25) * 1000) / 1000, `chunk ${c.index} heard.`]),
    );
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const left = await db.query('SELECT count(*)::int AS n FROM chunk_audio WHERE workflow_id = $1', [id]);
      expect(left.rows[0]).toEqual({ n: 0 });
    } finally {
      await db.end();
    }
  });
});
