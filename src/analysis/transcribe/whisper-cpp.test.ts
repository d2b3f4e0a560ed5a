// The parent side of the whisper.cpp engine against a stand-in child: messages, a crashed child, abort, restart.
// (The real binding runs in test/analysis/whisper-cpp.test.ts.)
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test/support/corpus.js';
import { WhisperCppEngine } from './whisper-cpp.js';

const childScript = pathToFileURL(path.join(repoRoot, 'dist', 'test', 'support', 'fake-whisper-child.js'));
// Any existing file passes the model check; the stand-in child never reads it.
const engine = new WhisperCppEngine({
  modelPath: path.join(repoRoot, 'package.json'),
  threads: 3,
  childScript,
});
const ctx = () => ({ signal: new AbortController().signal, progress: () => {} });
afterAll(() => engine.close());

describe('WhisperCppEngine (parent side)', () => {
  it('sends the chunk to the child and returns its timed segments', async () => {
    const r = await engine.transcribe('/tmp/chunk-1.wav', ctx());
    expect(r).toEqual({
      ok: true,
      value: {
        language: 'en',
        segments: [{ start: 0.5, end: 1.5, speaker: null, text: 'heard chunk-1.wav with 3 threads in auto' }],
      },
    });
  });

  it('names the engine after the model file', () => {
    expect(new WhisperCppEngine({ modelPath: '/models/ggml-base.en.bin', threads: 1 }).name).toBe(
      'whisper.cpp base.en',
    );
  });

  it('GIVEN the child dies mid-chunk THEN the chunk fails as retryable and the next chunk gets a new child', async () => {
    const r = await engine.transcribe('/tmp/crash-2.wav', ctx());
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'stt.whisper_crashed', retryable: true });
    const again = await engine.transcribe('/tmp/chunk-3.wav', ctx());
    expect(again.ok).toBe(true);
  });

  it('an abort stops the running chunk in the child', async () => {
    const controller = new AbortController();
    const pending = engine.transcribe('/tmp/slow-4.wav', { signal: controller.signal, progress: () => {} });
    setTimeout(() => controller.abort(new Error('cancelled')), 50);
    await expect(pending).rejects.toThrow('cancelled');
    expect((await engine.transcribe('/tmp/chunk-5.wav', ctx())).ok).toBe(true);
  });

  it('rejects bad options at construction', () => {
    expect(() => new WhisperCppEngine({ modelPath: 'm.bin', threads: 0 })).toThrow(/threads/);
    expect(() => new WhisperCppEngine({ modelPath: ' ', threads: 1 })).toThrow(/modelPath/);
  });
});
