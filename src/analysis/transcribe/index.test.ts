import { describe, expect, it } from 'vitest';
import { ok } from '../../core/result.js';
import { NO_TRANSCRIPT_NOTE } from '../acquire/index.js';
import type { AcquiredContent } from '../acquire/types.js';
import { transcribe, type TranscriptionEngine } from './index.js';

const base: AcquiredContent = {
  kind: 'media',
  source: 'https://v.example/x',
  finalUrl: 'https://v.example/x',
  title: 'A talk',
  byline: null,
  siteName: null,
  publishedTime: null,
  language: null,
  text: '',
  segments: null,
  media: { durationSec: 60, captions: 'none', audioPath: '/tmp/audio.m4a' },
  notes: [],
  contentHash: 'e3b0',
  fetchedAt: 0,
};
const ctx = { signal: new AbortController().signal, progress: () => {} };

describe('transcribe', () => {
  it('without an engine leaves media without text and says no transcript could be made', async () => {
    const r = await transcribe(base, null, ctx);
    expect(r).toEqual({ ok: true, value: { kind: 'unchanged', notes: [NO_TRANSCRIPT_NOTE] } });
  });

  it('passes text content through untouched', async () => {
    const article = { ...base, kind: 'article' as const, text: 'Hello.', media: null };
    expect(await transcribe(article, null, ctx)).toEqual({
      ok: true,
      value: { kind: 'unchanged', notes: [] },
    });
  });

  it('with an engine builds the text from timed segments that point into it', async () => {
    const engine: TranscriptionEngine = {
      name: 'test-engine 1',
      transcribe: () =>
        Promise.resolve(
          ok({
            language: 'en',
            segments: [
              { start: 0, end: 2, speaker: 'A', text: ' Hello there. ' },
              { start: 2, end: 4, speaker: 'B', text: 'General Kenobi.' },
            ],
          }),
        ),
    };
    const r = await transcribe({ ...base, notes: [NO_TRANSCRIPT_NOTE] }, engine, ctx);
    if (!r.ok || r.value.kind !== 'transcribed') throw new Error('expected a transcript');
    const c = r.value.content;
    expect(c.text).toBe('Hello there.\nGeneral Kenobi.');
    expect(c.segments?.map((s) => c.text.slice(s.charStart, s.charEnd))).toEqual([
      'Hello there.',
      'General Kenobi.',
    ]);
    expect(c.notes).toEqual(['Transcribed by test-engine 1.']);
    expect(c.contentHash).not.toBe(base.contentHash);
  });

  it('an engine that hears no speech leaves no text and says so, instead of an empty transcript', async () => {
    const engine: TranscriptionEngine = {
      name: 'quiet-engine',
      transcribe: () =>
        Promise.resolve(ok({ language: null, segments: [{ start: 0, end: 1, speaker: null, text: ' ' }] })),
    };
    const r = await transcribe(base, engine, ctx);
    expect(r).toEqual({
      ok: true,
      value: { kind: 'unchanged', notes: [NO_TRANSCRIPT_NOTE, 'quiet-engine found no speech in the audio.'] },
    });
  });

  it('names the engines that actually produced the text when the chain reports them', async () => {
    const engine: TranscriptionEngine = {
      name: 'whisper.cpp base.en → openai-compatible',
      transcribe: () =>
        Promise.resolve(
          ok({
            language: 'en',
            engine: 'openai-compatible whisper-1',
            segments: [{ start: 0, end: 1, speaker: null, text: 'Hi.' }],
          }),
        ),
    };
    const r = await transcribe(base, engine, ctx);
    expect(r.ok && r.value.kind === 'transcribed' && r.value.engine).toBe('openai-compatible whisper-1');
  });
});
