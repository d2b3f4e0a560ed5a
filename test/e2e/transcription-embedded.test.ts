// The composition root in embedded mode, with speech-to-text: one `autointel bot`-style app on SQLite (no Redis)
// analyses a direct audio link (half a minute of FLEURS speech served locally). Its chunks go through the SQLite chunk
// store as FLAC and the in-process chunk queue; each is sent to the OpenAI-compatible engine once, the transcript has
// each chunk's text at its absolute time, and the chunk rows are gone when the stage is done.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEmulator } from '@autointel/discord-emulator';
import type { AudioChunk } from '../../src/analysis/audio/chunker.js';
import { loadConfig } from '../../src/config/config.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { startApp, type RunningApp } from '../../src/main.js';
import { sqliteStorePath } from '../../src/store/sqlite/sqlite-store.js';
import { speechToolsAvailable } from '../analysis/speech-support.js';
import { corpusAvailable } from '../support/corpus.js';
import { HEARD_AT, heardText, startSpeechServers, type SpeechServers } from '../support/speech-servers.js';

const ready =
  corpusAvailable('embedded transcription suite', 'speech', 'fleurs-en', 'fleurs-en-002.ogg') &&
  speechToolsAvailable('embedded transcription suite', ['ffmpeg']);

describe.skipIf(!ready)('transcription in embedded mode, through startApp', () => {
  let dir = '';
  let servers: SpeechServers;
  let emu: DiscordEmulator;
  let app: RunningApp | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'autointel-stt-embedded-'));
    servers = await startSpeechServers(dir, 3, 50);
    emu = await DiscordEmulator.start({ clock: new SystemClock() });
  });
  afterAll(async () => {
    await app?.stop();
    await emu?.close();
    await servers?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('transcribes every speech chunk once through the SQLite chunk store and cleans it up', async () => {
    const guild = emu.createGuild({ name: 'Talks' });
    const channel = emu.createChannel({ guildId: guild.id, name: 'reports' });
    const webhook = emu.createWebhook({ channelId: channel.id, name: 'autointel' });
    const dataDir = path.join(dir, 'data');
    const config = loadConfig({
      DISCORD_TOKEN: emu.application.botToken,
      DISCORD_APPLICATION_ID: emu.application.id,
      DISCORD_API_BASE: emu.apiBase,
      DISCORD_WEBHOOK: webhook.url,
      AUTOINTEL_DATA_DIR: dataDir,
      AUTOINTEL_ALLOW_PRIVATE_NETWORKS: 'true',
      AUTOINTEL_STT: 'openai',
      AUTOINTEL_STT_BASE_URL: `${servers.sttBase}/embedded/v1`,
      AUTOINTEL_STT_CHUNK_SECONDS: '10',
      AUTOINTEL_STT_CONCURRENCY: '2',
      PORT: '0',
      LOG_LEVEL: 'warn',
    });
    const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
    app = await startApp(config, { role: 'worker', worker: true, logger, pacing: {} });
    const started = await app.engine.start({
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
    const deadline = Date.now() + 60_000;
    let w = await app.store.getWorkflow(id);
    while (w?.status !== 'completed' && w?.status !== 'failed') {
      if (Date.now() > deadline) throw new Error(`still ${w?.status}: ${w?.progress?.message}`);
      await delay(100);
      w = await app.store.getWorkflow(id);
    }
    expect(w.lastError).toBeNull();
    expect(w.status).toBe('completed');
    const checkpoints = await app.store.getCheckpoints(id);
    const plan = (checkpoints['transcribe#plan'] as { chunks: AudioChunk[] }).chunks;
    const speech = plan.filter((c) => c.speech);
    // The chunk-job path ran: it writes this fenced marker before storing any chunk audio.
    expect(checkpoints['transcribe#storing-audio']).toBe(true);
    expect(speech.length).toBeGreaterThanOrEqual(2);
    expect(servers.calls.map((c) => c.chunk).sort((a, b) => a - b)).toEqual(speech.map((c) => c.index));
    const transcribed = checkpoints['transcribe'] as {
      content: { segments: { start: number; text: string }[] };
    };
    expect(transcribed.content.segments.map((s) => [s.start, s.text])).toEqual(
      speech.map((c) => [Math.round((c.start + HEARD_AT) * 1000) / 1000, heardText(c.index)]),
    );
    const db = new Database(sqliteStorePath(dataDir), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM chunk_audio').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});
