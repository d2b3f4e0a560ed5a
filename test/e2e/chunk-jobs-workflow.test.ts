// The whole workflow on PostgreSQL + Redis with chunk jobs: two worker "processes" (each its own engine, workflow
// queue, chunk queue and connections) run one media workflow through the real pipeline; its transcription stage puts
// one BullMQ job per chunk, both workers transcribe them while the owning run waits with its lease kept alive (the
// wait outlasts the lease several times), and the stored transcript has every chunk once, at its time.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcquiredContent } from '../../src/analysis/acquire/types.js';
import { InProcessAnalysisRunner } from '../../src/analysis/analyse/in-process.js';
import { createAnalysisPipeline } from '../../src/analysis/pipeline.js';
import { chunkJobHandler } from '../../src/analysis/transcribe/chunk-worker.js';
import { ChunkedTranscriber } from '../../src/analysis/transcribe/chunked.js';
import { Limiter } from '../../src/analysis/transcribe/limiter.js';
import { SystemClock } from '../../src/core/clock.js';
import { ok } from '../../src/core/result.js';
import { PostgresChunkAudioStore } from '../../src/store/postgres/postgres-chunk-audio.js';
import { PostgresWorkflowStore } from '../../src/store/postgres/postgres-store.js';
import { BullmqChunkQueue } from '../../src/workflow/bullmq-chunk-queue.js';
import { BullmqQueue } from '../../src/workflow/bullmq-queue.js';
import { WorkflowEngine } from '../../src/workflow/engine.js';
import {
  audioReadingEngine,
  scriptedChunks,
  scriptedPreparer,
  type TranscriptionLog,
} from '../support/chunk-jobs.js';
import {
  checkPostgres,
  checkRedis,
  createTestSchema,
  uniqueRedisPrefix,
  type TestSchema,
} from '../support/services.js';
import { memoryLogger, RecordingNotifier } from '../workflow/support.js';

const pgCheck = await checkPostgres();
const redisCheck = await checkRedis();
const skipReason = !pgCheck.available ? pgCheck.reason : !redisCheck.available ? redisCheck.reason : null;
if (skipReason !== null) console.warn(`scale-out chunk jobs workflow suite skipped: ${skipReason}`);

const clock = new SystemClock();
const CHUNKS = 24;
const SEC = 30;
const LEASE_MS = 1500;

const media = (source: string): AcquiredContent => ({
  kind: 'media',
  source,
  finalUrl: source,
  title: 'A long talk',
  byline: null,
  siteName: null,
  publishedTime: null,
  language: 'en',
  text: '',
  segments: null,
  media: { durationSec: CHUNKS * SEC, captions: 'none', audioPath: '/media/long-talk.m4a' },
  notes: [],
  contentHash: createHash('sha256').update(source).digest('hex'),
  fetchedAt: 0,
});

describe.skipIf(skipReason !== null)('a media workflow whose chunks two workers share', () => {
  let schema: TestSchema;
  let dir: string;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    schema = await createTestSchema(pgCheck.url);
    dir = mkdtempSync(path.join(tmpdir(), 'autointel-chunk-wf-'));
  });
  afterAll(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes with each chunk transcribed once by one of the two workers, and the owning run kept its lease', async () => {
    const prefix = uniqueRedisPrefix();
    const log: TranscriptionLog = { entries: [] };
    const { logger, lines } = memoryLogger();

    const worker = async (name: string) => {
      const store = new PostgresWorkflowStore({
        connectionString: pgCheck.url,
        schema: schema.schema,
        maxConnections: 4,
      });
      await store.migrate();
      const chunkStore = new PostgresChunkAudioStore({
        connectionString: pgCheck.url,
        schema: schema.schema,
      });
      const chunkQueue = new BullmqChunkQueue({ redisUrl: redisCheck.url, prefix, lockMs: LEASE_MS, clock });
      const queue = new BullmqQueue({
        redisUrl: redisCheck.url,
        prefix,
        store,
        owner: name,
        leaseMs: LEASE_MS,
        clock,
        reconcileIntervalMs: 0,
      });
      const transcriber = new ChunkedTranscriber({
        engines: [audioReadingEngine(`${name}-in-process`, { entries: [] })],
        preparer: scriptedPreparer(scriptedChunks(CHUNKS, SEC), path.join(dir, name)),
        maxChunkSec: 45,
        limiter: new Limiter(1),
        jobs: {
          queue: chunkQueue,
          store: chunkStore,
          format: 'wav',
          ffmpegPath: 'ffmpeg',
          clock,
          pollMs: 25,
        },
      });
      const notifier = new RecordingNotifier({ store, clock });
      const engine = new WorkflowEngine({
        store,
        queue,
        pipeline: createAnalysisPipeline({
          acquirer: { acquire: (url) => Promise.resolve(ok(media(url))) },
          analysis: new InProcessAnalysisRunner(),
          transcription: transcriber,
        }),
        notifier,
        clock,
        logger: logger.child({ worker: name }),
        owner: name,
        leaseMs: LEASE_MS,
        retry: { baseMs: 100, maxMs: 1000, maxAttempts: 3 },
        limits: { perUserPerHour: 0, perGuildConcurrent: 10 },
        freshnessMs: 0,
        retentionMs: 86_400_000,
        progressIntervalMs: 0,
      });
      await chunkQueue.start(
        chunkJobHandler({
          engines: [audioReadingEngine(name, log, { delayMs: 400 })],
          store: chunkStore,
          ffmpegPath: 'ffmpeg',
          clock,
          workDir: path.join(dir, `${name}-chunks`),
        }),
        { concurrency: 2 },
      );
      await engine.resumeAll();
      closers.push(async () => {
        await engine.stop({ graceMs: 0 });
        await chunkQueue.close({ graceMs: 0 });
        await queue.close({ graceMs: 0 });
        await chunkStore.close();
        await store.close();
      });
      return { engine, store, notifier, chunkStore };
    };

    const a = await worker('worker-a');
    const b = await worker('worker-b');
    const started = await a.engine.start({
      url: 'https://media.example/long-talk.m4a',
      depth: 'standard',
      requesterId: 'u1',
      guildId: null,
      channelId: null,
      interactionId: 'i-1',
      origin: 'cli',
      delivery: {},
    });
    if (started.kind !== 'started') throw new Error(`not started: ${started.kind}`);
    const id = started.workflow.id;
    const deadline = Date.now() + 50_000;
    for (;;) {
      const w = await a.store.getWorkflow(id);
      if (w?.status === 'completed' || w?.status === 'failed') break;
      if (Date.now() > deadline) throw new Error(`workflow still ${w?.status} (${w?.progress?.message})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const w = await a.store.getWorkflow(id);
    expect(w?.lastError ?? null).toBeNull();
    expect(w?.status).toBe('completed');
    // One claim ran the whole workflow: the wait for chunks (24 × 400 ms over 4 slots ≈ 2.4 s) outlasted the 1.5 s lease,
    // which the workflow queue's heartbeat kept alive.
    expect(w?.attempts).toBe(1);
    expect(lines().some((l) => l.msg === 'lease lost to another run; stopping')).toBe(false);

    const all = [...Array(CHUNKS).keys()];
    const by = (name: string) => log.entries.filter((e) => e.by === name).map((e) => e.chunk);
    expect(log.entries.map((e) => e.chunk).sort((x, y) => x - y)).toEqual(all);
    expect(by('worker-a').length).toBeGreaterThan(0);
    expect(by('worker-b').length).toBeGreaterThan(0);

    const checkpoints = await a.store.getCheckpoints(id);
    const transcribed = checkpoints['transcribe'] as {
      content: { segments: { start: number; end: number; text: string }[] };
      engine: string;
    };
    expect(transcribed.engine).toBe('scripted');
    expect(transcribed.content.segments.map((s) => [s.start, s.text])).toEqual(
      all.map((i) => [i * SEC + 1, `chunk ${i} heard.`]),
    );
    const progress = [...a.notifier.progressCalls, ...b.notifier.progressCalls].map(
      (r) => r.progress?.message,
    );
    expect(progress).toContain(`transcribing ${CHUNKS}/${CHUNKS}`);
    expect(await a.chunkStore.list(id)).toEqual([]);
  });
});
