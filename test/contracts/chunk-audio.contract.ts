// The ChunkAudioStore contract: every adapter (SQLite, PostgreSQL) passes the same suite, including the purge of a
// finished workflow by the workflow store sharing its database.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChunkAudioStore, ChunkError } from '../../src/store/chunk-audio.js';
import type { WorkflowLeaseStore } from '../../src/store/store.js';

export interface ChunkAudioFixture {
  readonly chunks: ChunkAudioStore;
  /** The workflow store on the same database: its purge must take the chunks along. */
  readonly workflows: WorkflowLeaseStore;
  cleanup(): Promise<void>;
}

const T = Date.UTC(2026, 4, 1, 10);
const wav = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) % 256));
const failure: ChunkError = {
  code: 'transcribe.engines_failed',
  message: 'every engine failed on chunk 1: openai: stt.rate_limited',
  userMessage: 'The speech-to-text service is busy.',
  retryable: true,
  retryAfterMs: 30_000,
};

export function describeChunkAudioStoreContract(name: string, make: () => Promise<ChunkAudioFixture>): void {
  describe(`${name} (ChunkAudioStore contract)`, () => {
    const withStore = (fn: (f: ChunkAudioFixture) => Promise<void>) => async () => {
      const f = await make();
      try {
        await fn(f);
      } finally {
        await f.cleanup();
      }
    };

    it(
      'returns the audio bytes exactly as put, null for an unknown chunk, and lists chunks in index order',
      withStore(async ({ chunks }) => {
        const wf = randomUUID();
        const big = wav(300_000);
        await chunks.put({ workflowId: wf, index: 2 }, { format: 'flac', data: big }, T);
        await chunks.put({ workflowId: wf, index: 0 }, { format: 'wav', data: wav(10) }, T);
        const got = await chunks.get({ workflowId: wf, index: 2 });
        expect(got?.audio?.format).toBe('flac');
        expect(got?.audio?.data.equals(big)).toBe(true);
        expect(got).toMatchObject({ index: 2, hasAudio: true, hasResult: false, result: null, error: null });
        expect(await chunks.get({ workflowId: wf, index: 1 })).toBeNull();
        expect(await chunks.get({ workflowId: randomUUID(), index: 2 })).toBeNull();
        expect((await chunks.list(wf)).map((c) => c.index)).toEqual([0, 2]);
        expect(await chunks.list(randomUUID())).toEqual([]);
      }),
    );

    it(
      'keeps the first result, drops the audio with it, and ignores a later put or error for that chunk',
      withStore(async ({ chunks }) => {
        const key = { workflowId: randomUUID(), index: 5 };
        expect(await chunks.saveResult(key, { text: 'nobody' }, T)).toBe(false);
        await chunks.put(key, { format: 'wav', data: wav(64) }, T);
        const first = {
          engine: 'A',
          language: 'en',
          segments: [{ start: 1, end: 2, speaker: null, text: 'é 🚀' }],
        };
        expect(await chunks.saveResult(key, first, T + 1)).toBe(true);
        expect(await chunks.saveResult(key, { engine: 'B', segments: [] }, T + 2)).toBe(false);
        expect(await chunks.saveError(key, failure, T + 3)).toBe(false);
        await chunks.put(key, { format: 'wav', data: wav(32) }, T + 4);
        const got = await chunks.get(key);
        expect(got).toMatchObject({
          hasAudio: false,
          hasResult: true,
          audio: null,
          result: first,
          error: null,
        });
        expect(await chunks.list(key.workflowId)).toEqual([
          { index: 5, hasAudio: false, hasResult: true, error: null },
        ]);
      }),
    );

    it(
      'results() returns the results of the asked chunks that have one, and nothing of other workflows',
      withStore(async ({ chunks }) => {
        const wf = randomUUID();
        const other = randomUUID();
        for (const index of [0, 1, 2, 3]) {
          await chunks.put({ workflowId: wf, index }, { format: 'wav', data: wav(8) }, T);
        }
        await chunks.put({ workflowId: other, index: 1 }, { format: 'wav', data: wav(8) }, T);
        await chunks.saveResult({ workflowId: wf, index: 1 }, { text: 'one' }, T);
        await chunks.saveResult({ workflowId: wf, index: 3 }, { text: 'three' }, T);
        await chunks.saveResult({ workflowId: other, index: 1 }, { text: 'elsewhere' }, T);
        expect([...(await chunks.results(wf, [0, 1, 3])).entries()].sort()).toEqual([
          [1, { text: 'one' }],
          [3, { text: 'three' }],
        ]);
        expect((await chunks.results(wf, [])).size).toBe(0);
        expect((await chunks.list(wf)).map((c) => c.hasResult)).toEqual([false, true, false, true]);
      }),
    );

    it(
      'records a failure, clears it on request, and a fresh put clears it too',
      withStore(async ({ chunks }) => {
        const key = { workflowId: randomUUID(), index: 1 };
        expect(await chunks.saveError(key, failure, T)).toBe(false);
        await chunks.put(key, { format: 'flac', data: wav(16) }, T);
        expect(await chunks.saveError(key, failure, T + 1)).toBe(true);
        expect((await chunks.list(key.workflowId))[0]?.error).toEqual(failure);
        await chunks.clearError(key);
        expect((await chunks.get(key))?.error).toBeNull();
        await chunks.saveError(key, { ...failure, retryable: false }, T + 2);
        await chunks.put(key, { format: 'flac', data: wav(8) }, T + 3);
        expect(await chunks.get(key)).toMatchObject({ error: null, hasAudio: true });
      }),
    );

    it(
      'deleteWorkflow removes only that workflow’s chunks',
      withStore(async ({ chunks }) => {
        const a = randomUUID();
        const b = randomUUID();
        for (const index of [0, 1, 2])
          await chunks.put({ workflowId: a, index }, { format: 'wav', data: wav(4) }, T);
        await chunks.put({ workflowId: b, index: 0 }, { format: 'wav', data: wav(4) }, T);
        expect(await chunks.deleteWorkflow(a)).toBe(3);
        expect(await chunks.list(a)).toEqual([]);
        expect(await chunks.list(b)).toHaveLength(1);
        expect(await chunks.deleteWorkflow(a)).toBe(0);
      }),
    );

    it(
      'purging a finished workflow deletes its chunks; a live workflow keeps them',
      withStore(async ({ chunks, workflows }) => {
        const request = {
          url: 'https://example.com/talk.mp3',
          depth: 'standard' as const,
          requesterId: null,
          guildId: null,
          channelId: null,
          interactionId: null,
          origin: 'cli' as const,
          delivery: {},
        };
        const done = randomUUID();
        const live = randomUUID();
        await workflows.createWorkflow({ id: done, request, now: T });
        await workflows.createWorkflow({ id: live, request, now: T });
        const claimed = await workflows.claim(done, { owner: 'w', now: T, leaseMs: 60_000 });
        if (claimed?.runId == null) throw new Error('claim failed');
        await chunks.put({ workflowId: done, index: 0 }, { format: 'wav', data: wav(4) }, T);
        await chunks.put({ workflowId: live, index: 0 }, { format: 'wav', data: wav(4) }, T);
        await workflows.fail(
          { workflowId: done, runId: claimed.runId },
          { now: T + 1, error: { code: 'x', message: 'x' } },
        );
        expect(await workflows.purgeFinishedBefore(T + 10)).toBe(1);
        expect(await chunks.list(done)).toEqual([]);
        expect(await chunks.list(live)).toHaveLength(1);
      }),
    );

    it(
      'refuses a malformed key instead of storing it',
      withStore(async ({ chunks }) => {
        await expect(
          chunks.put({ workflowId: '', index: 0 }, { format: 'wav', data: wav(1) }, T),
        ).rejects.toThrow(/workflowId/);
        await expect(
          chunks.put({ workflowId: randomUUID(), index: -1 }, { format: 'wav', data: wav(1) }, T),
        ).rejects.toThrow(/index/);
      }),
    );
  });
}
