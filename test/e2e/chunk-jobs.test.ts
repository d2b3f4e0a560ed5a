// Scale-out transcription on PostgreSQL + Redis: the chunks of one recording are BullMQ jobs that two workers (each
// with its own Redis and PostgreSQL connections) share; each chunk is transcribed once and stitched in place. When
// the run that owns the workflow dies mid-transcription, another run — on a machine without the media — claims it and
// finishes from the stored chunk audio without transcribing a finished chunk again; a worker that dies mid-chunk
// loses that chunk to the other worker once its lock expires.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AudioPreparer } from '../../src/analysis/audio/prepare.js';
import { chunkJobHandler } from '../../src/analysis/transcribe/chunk-worker.js';
import { ChunkedTranscriber } from '../../src/analysis/transcribe/chunked.js';
import { Limiter } from '../../src/analysis/transcribe/limiter.js';
import { SystemClock } from '../../src/core/clock.js';
import { partialKey, type StagePartials } from '../../src/core/stage.js';
import { PostgresChunkAudioStore } from '../../src/store/postgres/postgres-chunk-audio.js';
import { PostgresWorkflowStore } from '../../src/store/postgres/postgres-store.js';
import type { RunLease, WorkflowRequest } from '../../src/store/store.js';
import { BullmqChunkQueue } from '../../src/workflow/bullmq-chunk-queue.js';
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

const pgCheck = await checkPostgres();
const redisCheck = await checkRedis();
const skipReason = !pgCheck.available ? pgCheck.reason : !redisCheck.available ? redisCheck.reason : null;
if (skipReason !== null) console.warn(`scale-out chunk jobs suite skipped: ${skipReason}`);

const clock = new SystemClock();
/** How many chunks a progress message says are done (results arrive in batches, so counts may skip). */
const done = (m: string | undefined): number => Number(/^transcribing (\d+)\//.exec(m ?? '')?.[1] ?? -1);
const CHUNKS = 40;
const SEC = 30;
const LEASE_MS = 2000;
const request: WorkflowRequest = {
  url: 'https://example.com/long-talk.mp3',
  depth: 'standard',
  requesterId: null,
  guildId: null,
  channelId: null,
  interactionId: null,
  origin: 'cli',
  delivery: {},
};

/** The transcription stage's partials as the engine keeps them: fenced checkpoints in the store. */
async function storePartials(store: PostgresWorkflowStore, lease: RunLease): Promise<StagePartials> {
  const outputs = await store.getCheckpoints(lease.workflowId);
  return {
    load: (key) => outputs[partialKey('transcribe', key)],
    save: async (key, value) => {
      const name = partialKey('transcribe', key);
      if (!(await store.saveCheckpoint(lease, name, value, clock.now()))) throw new Error('lease lost');
      outputs[name] = JSON.parse(JSON.stringify(value)) as unknown;
    },
  };
}

describe.skipIf(skipReason !== null)('chunk jobs on BullMQ + PostgreSQL', () => {
  let schema: TestSchema;
  let store: PostgresWorkflowStore;
  let dir: string;
  let prefix: string;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    schema = await createTestSchema(pgCheck.url);
    store = new PostgresWorkflowStore({
      connectionString: pgCheck.url,
      schema: schema.schema,
      maxConnections: 4,
    });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await schema.drop();
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  });

  const chunkStore = (): PostgresChunkAudioStore => {
    const s = new PostgresChunkAudioStore({ connectionString: pgCheck.url, schema: schema.schema });
    closers.push(() => s.close());
    return s;
  };
  const chunkQueue = (): BullmqChunkQueue => {
    const q = new BullmqChunkQueue({ redisUrl: redisCheck.url, prefix, lockMs: 1000, clock });
    closers.push(() => q.close({ graceMs: 0 }));
    return q;
  };
  /** A worker process: its own connections, its own engine, consuming chunk jobs. */
  const startWorker = async (
    by: string,
    log: TranscriptionLog,
    delayMs: number,
  ): Promise<BullmqChunkQueue> => {
    const q = chunkQueue();
    await q.start(
      chunkJobHandler({
        engines: [audioReadingEngine(by, log, { delayMs })],
        store: chunkStore(),
        ffmpegPath: 'ffmpeg',
        clock,
        workDir: path.join(dir, by),
      }),
      { concurrency: 2 },
    );
    return q;
  };
  /** The run that owns the workflow: its own producer connection and chunk store. */
  const owner = (preparer: AudioPreparer): ChunkedTranscriber =>
    new ChunkedTranscriber({
      engines: [audioReadingEngine('owner-in-process', { entries: [] })],
      preparer,
      maxChunkSec: 45,
      limiter: new Limiter(1),
      jobs: {
        queue: chunkQueue(),
        store: chunkStore(),
        format: 'wav',
        ffmpegPath: 'ffmpeg',
        clock,
        pollMs: 20,
      },
    });
  const newWorkflow = async (): Promise<RunLease> => {
    const id = randomUUID();
    await store.createWorkflow({ id, request, now: clock.now() });
    const claimed = await store.claim(id, { owner: 'owner-a', now: clock.now(), leaseMs: LEASE_MS });
    if (claimed?.runId == null) throw new Error('claim failed');
    return { workflowId: id, runId: claimed.runId };
  };
  const setup = (): void => {
    dir = mkdtempSync(path.join(tmpdir(), 'autointel-chunk-e2e-'));
    prefix = uniqueRedisPrefix();
  };
  const all = [...Array(CHUNKS).keys()];
  const chunkOf = (log: TranscriptionLog, by?: string): number[] =>
    log.entries
      .filter((e) => by === undefined || e.by === by)
      .map((e) => e.chunk)
      .sort((a, b) => a - b);

  it('two workers share the chunks of one recording; each chunk is transcribed once and stitched in place', async () => {
    setup();
    const log: TranscriptionLog = { entries: [] };
    await startWorker('w1', log, 25);
    await startWorker('w2', log, 25);
    const lease = await newWorkflow();
    const progress: string[] = [];
    const r = await owner(scriptedPreparer(scriptedChunks(CHUNKS, SEC), path.join(dir, 'media'))).transcribe(
      '/media/long-talk.mp3',
      {
        signal: new AbortController().signal,
        progress: (_f, m) => m !== undefined && progress.push(m),
        partials: await storePartials(store, lease),
        workflowId: lease.workflowId,
      },
    );
    if (!r.ok) throw r.error;
    expect(chunkOf(log)).toEqual(all);
    expect(chunkOf(log, 'w1').length).toBeGreaterThan(0);
    expect(chunkOf(log, 'w2').length).toBeGreaterThan(0);
    expect(r.value.segments.map((s) => [s.start, s.end, s.text])).toEqual(
      all.map((i) => [i * SEC + 1, i * SEC + 3, `chunk ${i} heard.`]),
    );
    expect(progress.at(-1)).toBe(`transcribing ${CHUNKS}/${CHUNKS}`);
    const checkpoints = await store.getCheckpoints(lease.workflowId);
    expect(Object.keys(checkpoints).filter((k) => k.startsWith('transcribe#chunk-'))).toHaveLength(CHUNKS);
    // The stage finished: the workflow's chunk audio is gone from the store.
    expect(await chunkStore().list(lease.workflowId)).toEqual([]);
  });

  it('GIVEN the owning worker dies mid-transcription WHEN another worker without the media claims the workflow THEN it finishes from the stored chunks and no chunk is transcribed twice', async () => {
    setup();
    const log: TranscriptionLog = { entries: [] };
    await startWorker('w1', log, 60);
    await startWorker('w2', log, 60);
    const leaseA = await newWorkflow();
    const dying = new AbortController();
    const runA = owner(scriptedPreparer(scriptedChunks(CHUNKS, SEC), path.join(dir, 'media'))).transcribe(
      '/media/long-talk.mp3',
      {
        signal: dying.signal,
        progress: (_f, m) => {
          if (done(m) >= 10) dying.abort(new Error('owner died'));
        },
        partials: await storePartials(store, leaseA),
        workflowId: leaseA.workflowId,
      },
    );
    await expect(runA).rejects.toMatchObject({ name: 'AbortError' });

    // Its lease runs out; another worker claims the workflow as a new run (the first run can no longer write).
    const claimedB = await store.claim(leaseA.workflowId, {
      owner: 'owner-b',
      now: clock.now() + LEASE_MS + 1,
      leaseMs: 60_000,
    });
    if (claimedB?.runId == null) throw new Error('takeover claim failed');
    const leaseB = { workflowId: leaseA.workflowId, runId: claimedB.runId };
    expect(await store.saveCheckpoint(leaseA, 'transcribe#late', 1, clock.now())).toBe(false);
    const finishedBefore = (await chunkStore().list(leaseA.workflowId)).filter((c) => c.hasResult);
    expect(finishedBefore.length).toBeLessThan(CHUNKS);
    const mediaGone = scriptedPreparer(scriptedChunks(CHUNKS, SEC), path.join(dir, 'b'), { mediaGone: true });
    const r = await owner(mediaGone).transcribe('/media/long-talk.mp3', {
      signal: new AbortController().signal,
      progress: () => {},
      partials: await storePartials(store, leaseB),
      workflowId: leaseB.workflowId,
    });
    if (!r.ok) throw r.error;
    expect(mediaGone.calls).toEqual([]);
    // The workers went on while no run watched; the new run took their results and re-queued nothing finished.
    expect(chunkOf(log)).toEqual(all);
    expect(r.value.segments.map((s) => s.start)).toEqual(all.map((i) => i * SEC + 1));
    expect(r.value.segments.map((s) => s.text)).toEqual(all.map((i) => `chunk ${i} heard.`));
  });

  it('GIVEN a worker dies mid-chunk WHEN its lock expires THEN the other worker transcribes that chunk and the recording completes', async () => {
    setup();
    const log: TranscriptionLog = { entries: [], started: [] };
    const doomed = await startWorker('w1', log, 400);
    await startWorker('w2', log, 20);
    const lease = await newWorkflow();
    let killed = false;
    const r = await owner(scriptedPreparer(scriptedChunks(12, SEC), path.join(dir, 'media'))).transcribe(
      '/media/long-talk.mp3',
      {
        signal: new AbortController().signal,
        progress: (_f, m) => {
          // Once w2 has finished a few, w1 (slow) is surely mid-chunk: it dies without settling its jobs.
          if (!killed && done(m) >= 3) {
            killed = true;
            void doomed.abandon();
          }
        },
        partials: await storePartials(store, lease),
        workflowId: lease.workflowId,
      },
    );
    if (!r.ok) throw r.error;
    expect(killed).toBe(true);
    expect(r.value.segments.map((s) => s.text)).toEqual(
      [...Array(12).keys()].map((i) => `chunk ${i} heard.`),
    );
    // Each chunk finished exactly once: the chunks w1 held when it died (their jobs locked in Redis) came back after
    // the lock expired and were finished by w2 — without that the owning run would still be waiting.
    const heldByW1 = (log.started ?? []).filter((e) => e.by === 'w1').map((e) => e.chunk);
    expect(heldByW1.length).toBeGreaterThan(0);
    expect(chunkOf(log, 'w1')).toEqual([]);
    expect(chunkOf(log)).toEqual([...Array(12).keys()]);
    expect(chunkOf(log, 'w2')).toEqual(expect.arrayContaining(heldByW1));
  });
});
