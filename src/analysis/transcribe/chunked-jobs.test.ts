// The chunk-job path of the chunked transcriber on the SQLite chunk store and the embedded chunk queue: audio through
// the store, each chunk once, absolute times, progress, resume without the media, failures, cleanup.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  audioReadingEngine,
  scriptedChunks,
  scriptedPreparer,
  type TranscriptionLog,
} from '../../../test/support/chunk-jobs.js';
import { SystemClock } from '../../core/clock.js';
import { PermanentError } from '../../core/errors.js';
import { memoryPartials } from '../../core/stage.js';
import type { AudioPreparer } from '../audio/prepare.js';
import { SqliteChunkAudioStore } from '../../store/sqlite/sqlite-chunk-audio.js';
import { SqliteWorkflowStore } from '../../store/sqlite/sqlite-store.js';
import { ChunkedTranscriber } from './chunked.js';
import { EmbeddedChunkQueue } from './chunk-queue.js';
import { chunkJobHandler } from './chunk-worker.js';
import type { TranscriptionEngine } from './index.js';
import { Limiter } from './limiter.js';

const clock = new SystemClock();
/** How many chunks a progress message says are done (results arrive in batches, so counts may skip). */
const done = (m: string | undefined): number => Number(/^transcribing (\d+)\//.exec(m ?? '')?.[1] ?? -1);
const SEC = 30;

describe('ChunkedTranscriber with chunk jobs (SQLite store, embedded queue)', () => {
  let dir: string;
  let workflows: SqliteWorkflowStore;
  let store: SqliteChunkAudioStore;
  const queues: EmbeddedChunkQueue[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'autointel-chunk-jobs-'));
    workflows = new SqliteWorkflowStore({ filename: path.join(dir, 'db.sqlite') });
    await workflows.migrate();
    store = new SqliteChunkAudioStore({ filename: path.join(dir, 'db.sqlite') });
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop({ graceMs: 0 })));
    await store.close();
    await workflows.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A consuming queue in "this process" with its own engine (worker `by`). */
  async function worker(engine: TranscriptionEngine, size = 3): Promise<EmbeddedChunkQueue> {
    const limiter = new Limiter(size);
    const q = new EmbeddedChunkQueue({ limiter, clock });
    await q.start(chunkJobHandler({ engines: [engine], store, ffmpegPath: 'ffmpeg', clock, workDir: dir }), {
      concurrency: size,
    });
    queues.push(q);
    return q;
  }

  const owner = (preparer: AudioPreparer, queue: EmbeddedChunkQueue) =>
    new ChunkedTranscriber({
      engines: [audioReadingEngine('owner-direct', { entries: [] })],
      preparer,
      maxChunkSec: 45,
      limiter: new Limiter(1),
      jobs: { queue, store, format: 'wav', ffmpegPath: 'ffmpeg', clock, pollMs: 10 },
    });

  it('stores the audio, transcribes every speech chunk once through the store, stitches absolute times, cleans up', async () => {
    const log: TranscriptionLog = { entries: [] };
    const queue = await worker(audioReadingEngine('w1', log));
    const chunks = scriptedChunks(40, SEC, [5]);
    const preparer = scriptedPreparer(chunks, path.join(dir, 'media'));
    const progress: string[] = [];
    const outputs: Record<string, unknown> = {};
    const r = await owner(preparer, queue).transcribe('/media/talk.m4a', {
      signal: new AbortController().signal,
      progress: (_f, m) => m !== undefined && progress.push(m),
      partials: memoryPartials('transcribe', outputs),
      workflowId: 'wf-1',
    });
    if (!r.ok) throw r.error;
    // The engine heard each chunk's own samples: the audio went through the store intact, each chunk once.
    expect(log.entries.map((e) => e.chunk).sort((a, b) => a - b)).toEqual(
      [...Array(40).keys()].filter((i) => i !== 5),
    );
    expect(r.value.segments).toHaveLength(39);
    expect(r.value.segments[12]).toEqual({ start: 391, end: 393, speaker: null, text: 'chunk 13 heard.' });
    expect(progress).toContain('transcribing 0/39');
    expect(progress.at(-1)).toBe('transcribing 39/39');
    expect(Object.keys(outputs).filter((k) => k.startsWith('transcribe#chunk-'))).toHaveLength(39);
    // The stage is done with the chunk audio: none is left in the store.
    expect(await store.list('wf-1')).toEqual([]);
  });

  it('GIVEN the owning run dies mid-transcription WHEN a run without the media resumes THEN it finishes from the stored audio and transcribes no chunk twice', async () => {
    const log: TranscriptionLog = { entries: [] };
    const queue = await worker(audioReadingEngine('w1', log, { delayMs: 15 }), 2);
    const chunks = scriptedChunks(40, SEC);
    const outputs: Record<string, unknown> = {};
    const dying = new AbortController();
    const first = owner(scriptedPreparer(chunks, path.join(dir, 'media')), queue).transcribe(
      '/media/talk.m4a',
      {
        signal: dying.signal,
        progress: (_f, m) => {
          if (done(m) >= 10) dying.abort(new Error('worker died'));
        },
        partials: memoryPartials('transcribe', outputs),
        workflowId: 'wf-2',
      },
    );
    // The stage's signal fired (as on a lost lease): the run stops where it is, and its process with it.
    await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    await queue.stop({ graceMs: 0 });
    const finished = new Set((await store.list('wf-2')).filter((c) => c.hasResult).map((c) => c.index));
    expect(finished.size).toBeGreaterThanOrEqual(10);
    expect(finished.size).toBeLessThan(40);

    // Another machine: no media, its own queue.
    const mediaGone = scriptedPreparer(chunks, path.join(dir, 'elsewhere'), { mediaGone: true });
    const queue2 = await worker(audioReadingEngine('w2', log), 2);
    const r = await owner(mediaGone, queue2).transcribe('/media/talk.m4a', {
      signal: new AbortController().signal,
      progress: () => {},
      partials: memoryPartials('transcribe', outputs),
      workflowId: 'wf-2',
    });
    if (!r.ok) throw r.error;
    expect(mediaGone.calls).toEqual([]);
    const heardBy = (by: string): number[] =>
      log.entries
        .filter((e) => e.by === by)
        .map((e) => e.chunk)
        .sort((a, b) => a - b);
    // Exactly the unfinished chunks were transcribed again; every finished one was taken from the store.
    expect(heardBy('w2')).toEqual([...Array(40).keys()].filter((i) => !finished.has(i)));
    expect(heardBy('w1')).toEqual(expect.arrayContaining([...finished]));
    expect(r.value.segments.map((s) => s.start)).toEqual([...Array(40).keys()].map((i) => i * SEC + 1));
    expect(r.value.segments.map((s) => s.text)).toEqual(
      [...Array(40).keys()].map((i) => `chunk ${i} heard.`),
    );
  });

  it('fails the stage with the reason of a chunk that failed permanently, and drops the chunks', async () => {
    const log: TranscriptionLog = { entries: [] };
    const queue = await worker(
      audioReadingEngine('w1', log, {
        fail: (i) => (i === 3 ? new PermanentError('stt.rejected', 'the provider refused the audio') : null),
      }),
    );
    const r = await owner(
      scriptedPreparer(scriptedChunks(6, SEC), path.join(dir, 'media')),
      queue,
    ).transcribe('/media/talk.m4a', {
      signal: new AbortController().signal,
      progress: () => {},
      partials: memoryPartials('transcribe', {}),
      workflowId: 'wf-3',
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({ code: 'transcribe.engines_failed', retryable: false });
      expect(r.error.message).toMatch(/chunk 3.*stt\.rejected/);
    }
    expect(await store.list('wf-3')).toEqual([]);
  });

  it('GIVEN the workflow is cancelled mid-transcription THEN the stage stops, drops its waiting jobs and its chunk audio', async () => {
    const log: TranscriptionLog = { entries: [] };
    const queue = await worker(audioReadingEngine('w1', log, { delayMs: 20 }), 1);
    const cancel = new AbortController();
    const run = owner(scriptedPreparer(scriptedChunks(20, SEC), path.join(dir, 'media')), queue).transcribe(
      '/media/talk.m4a',
      {
        signal: cancel.signal,
        progress: (_f, m) => {
          if (done(m) >= 2)
            cancel.abort(Object.assign(new Error('cancelled'), { code: 'workflow.cancel_requested' }));
        },
        partials: memoryPartials('transcribe', {}),
        workflowId: 'wf-5',
      },
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(await store.list('wf-5')).toEqual([]);
    const heardAtCancel = log.entries.length;
    await new Promise((r) => setTimeout(r, 200));
    // At most the chunk running at the cancel finishes; the waiting ones were dropped.
    expect(log.entries.length).toBeLessThanOrEqual(heardAtCancel + 1);
    expect(log.entries.length).toBeLessThan(20);
  });

  it('GIVEN the workers are busy with another recording THEN waiting past the idle timeout is not a stall', async () => {
    const log: TranscriptionLog = { entries: [] };
    const limiter = new Limiter(1);
    const queue = new EmbeddedChunkQueue({ limiter, clock });
    queues.push(queue);
    const real = chunkJobHandler({
      engines: [audioReadingEngine('w1', log)],
      store,
      ffmpegPath: 'ffmpeg',
      clock,
      workDir: dir,
    });
    // Another recording's chunk holds the only slot for 600 ms, six idle timeouts.
    await queue.start(
      async (job, signal) => {
        if (job.workflowId === 'wf-other') await new Promise((r) => setTimeout(r, 600));
        else await real(job, signal);
      },
      { concurrency: 1 },
    );
    await queue.enqueue([{ workflowId: 'wf-other', index: 0 }]);
    const t = new ChunkedTranscriber({
      engines: [audioReadingEngine('x', { entries: [] })],
      preparer: scriptedPreparer(scriptedChunks(3, SEC), path.join(dir, 'media')),
      maxChunkSec: 45,
      limiter: new Limiter(1),
      jobs: { queue, store, format: 'wav', ffmpegPath: 'ffmpeg', clock, pollMs: 10, idleTimeoutMs: 100 },
    });
    const r = await t.transcribe('/media/talk.m4a', {
      signal: new AbortController().signal,
      progress: () => {},
      partials: memoryPartials('transcribe', {}),
      workflowId: 'wf-6',
    });
    if (!r.ok) throw r.error;
    expect(r.value.segments).toHaveLength(3);
  });

  it('GIVEN no worker takes the jobs WHEN the idle timeout passes THEN the stage fails retryably and keeps the audio', async () => {
    const idle = new EmbeddedChunkQueue({ limiter: new Limiter(1), clock });
    queues.push(idle);
    const t = new ChunkedTranscriber({
      engines: [audioReadingEngine('x', { entries: [] })],
      preparer: scriptedPreparer(scriptedChunks(3, SEC), path.join(dir, 'media')),
      maxChunkSec: 45,
      limiter: new Limiter(1),
      jobs: {
        queue: idle,
        store,
        format: 'wav',
        ffmpegPath: 'ffmpeg',
        clock,
        pollMs: 10,
        idleTimeoutMs: 100,
      },
    });
    const r = await t.transcribe('/media/talk.m4a', {
      signal: new AbortController().signal,
      progress: () => {},
      partials: memoryPartials('transcribe', {}),
      workflowId: 'wf-4',
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'transcribe.chunks_stalled', retryable: true });
    expect((await store.list('wf-4')).map((c) => c.hasAudio)).toEqual([true, true, true]);
  });
});
