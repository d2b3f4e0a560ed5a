import { describe, expect, it } from 'vitest';
import { planChunks } from './chunker.js';

const W = 0.1;
/** Probabilities from a description: `speech(sec)` and `silence(sec)` runs in order. */
function probs(...runs: [kind: 'speech' | 'silence', sec: number][]): Float32Array {
  const out: number[] = [];
  for (const [kind, sec] of runs)
    for (let i = 0; i < Math.round(sec / W); i++) out.push(kind === 'speech' ? 0.9 : 0.05);
  return Float32Array.from(out);
}

describe('planChunks', () => {
  it('keeps a recording shorter than the limit whole', () => {
    const p = probs(['speech', 20]);
    expect(planChunks(p, W, 20, { maxChunkSec: 30 })).toEqual([
      { index: 0, start: 0, end: 20, speech: true, forced: false },
    ]);
  });

  it('cuts in the middle of a silence, never beyond the limit, and covers the recording without gaps', () => {
    // Speech 0–25, silence 25–26, speech 26–50, silence 50–50.6, speech 50.6–70.
    const p = probs(['speech', 25], ['silence', 1], ['speech', 24], ['silence', 0.6], ['speech', 19.4]);
    const chunks = planChunks(p, W, 70, { maxChunkSec: 30 });
    expect(chunks.map((c) => [c.start, c.end])).toEqual([
      [0, 25.5],
      [25.5, 50.3],
      [50.3, 70],
    ]);
    expect(chunks.every((c) => c.end - c.start <= 30 && c.speech && !c.forced)).toBe(true);
  });

  it('prefers the longer silence when two are within reach', () => {
    const p = probs(['speech', 18], ['silence', 2], ['speech', 6], ['silence', 0.3], ['speech', 20]);
    const [first] = planChunks(p, W, 46.3, { maxChunkSec: 30 });
    expect(first?.end).toBe(19);
  });

  it('forces a cut at the quietest point when speech never pauses, and says so', () => {
    const p = probs(['speech', 70]);
    p[250] = 0.6; // the least speech-like window between 15 s and 30 s
    const chunks = planChunks(p, W, 70, { maxChunkSec: 30 });
    expect(chunks[0]).toMatchObject({ start: 0, end: 25.05, forced: true });
    expect(chunks.every((c) => c.end - c.start <= 30)).toBe(true);
  });

  it('marks chunks without speech so no engine is asked to transcribe silence', () => {
    const p = probs(['speech', 10], ['silence', 40], ['speech', 10]);
    const chunks = planChunks(p, W, 60, { maxChunkSec: 25 });
    expect(chunks.map((c) => c.speech)).toContain(false);
    expect(chunks[0]?.speech).toBe(true);
    expect(chunks.at(-1)?.speech).toBe(true);
  });

  it('rejects a non-positive chunk length', () => {
    expect(() => planChunks(new Float32Array(1), W, 1, { maxChunkSec: 0 })).toThrow(/maxChunkSec/);
  });
});
