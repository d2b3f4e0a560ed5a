// The composition root in scale-out mode, with speech-to-text: two `autointel worker` apps (startApp, role worker) on
// one PostgreSQL + Redis, each with its own OpenAI-compatible STT endpoint, analyse a direct audio link (a minute of
// FLEURS speech served locally). The owning worker downloads and cuts the audio, stores the chunks as FLAC in
// PostgreSQL and puts one BullMQ job per chunk; both workers' engines get chunks, each chunk is sent to an engine
// once, and the stored transcript has each chunk's text at its absolute time.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
import { corpusAvailable } from '../support/corpus.js';
import { HEARD_AT, heardText, startSpeechServers, type SpeechServers } from '../support/speech-servers.js';
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

describe.skipIf(skipReason !== null)('transcription in scale-out, through startApp', () => {
  let dir = '';
  let servers: SpeechServers;
  let schema: TestSchema;
  let emu: DiscordEmulator;
  let databaseUrl = '';
  const apps: RunningApp[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'autointel-stt-scale-'));
    servers = await startSpeechServers(dir, 6, 300);
    emu = await DiscordEmulator.start({ clock: new SystemClock() });
    schema = await createTestSchema();
    databaseUrl = `${postgresTestUrl()}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;
  });

  afterAll(async () => {
    for (const a of apps.splice(0)) await a.stop();
    await emu?.close();
    await servers?.close();
    await schema?.drop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
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
        AUTOINTEL_STT_BASE_URL: `${servers.sttBase}/${w}/v1`,
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
      url: servers.mediaUrl,
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
    // The chunk-job path ran: it writes this fenced marker before storing any chunk audio.
    expect(checkpoints['transcribe#storing-audio']).toBe(true);
    expect(speech.length).toBeGreaterThanOrEqual(4);
    // Each speech chunk went to an engine exactly once, and both workers' engines had a share.
    const calls = servers.calls;
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
      speech.map((c) => [Math.round((c.start + HEARD_AT) * 1000) / 1000, heardText(c.index)]),
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
