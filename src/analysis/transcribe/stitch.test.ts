import { describe, expect, it } from 'vitest';
import { stitch } from './stitch.js';

const seg = (start: number, end: number, text: string) => ({ start, end, speaker: null, text });

describe('stitch', () => {
  it('shifts each chunk to absolute time and clamps overshoot to the chunk', () => {
    const out = stitch([
      { start: 0, end: 30, segments: [seg(0, 4, 'One.'), seg(25, 31, 'Two.')] },
      { start: 30, end: 60, segments: [seg(1, 3, 'Three.')] },
    ]);
    expect(out).toEqual([seg(0, 4, 'One.'), seg(25, 30, 'Two.'), seg(31, 33, 'Three.')]);
  });

  it('removes words repeated at the start of the next chunk', () => {
    const out = stitch([
      { start: 0, end: 30, segments: [seg(20, 30, 'ask not what your country can do')] },
      { start: 30, end: 60, segments: [seg(0, 4, 'your country can do for you'), seg(5, 8, 'Ask what.')] },
    ]);
    expect(out.map((s) => s.text)).toEqual(['ask not what your country can do', 'for you', 'Ask what.']);
  });

  it('keeps a short common word that merely happens to repeat', () => {
    const out = stitch([
      { start: 0, end: 30, segments: [seg(20, 29, 'and then the')] },
      { start: 30, end: 60, segments: [seg(0, 2, 'the end')] },
    ]);
    expect(out.map((s) => s.text)).toEqual(['and then the', 'the end']);
  });

  it('ignores repeats far from the seam', () => {
    const out = stitch([
      { start: 0, end: 30, segments: [seg(0, 10, 'good morning everyone')] },
      { start: 30, end: 60, segments: [seg(12, 15, 'good morning everyone')] },
    ]);
    expect(out).toHaveLength(2);
  });

  it('keeps a phrase that opens a chunk when the previous chunk fell silent long before the cut', () => {
    const out = stitch([
      { start: 0, end: 30, segments: [seg(2, 6, 'thank you very much')] },
      { start: 30, end: 60, segments: [seg(0, 2, 'thank you very much')] },
    ]);
    expect(out).toHaveLength(2);
  });
});
