import { describe, expect, it } from 'vitest';
import type { TranscriptSegment } from '../acquire/types.js';
import { chunkText, countTokens } from './chunking.js';

const paragraph = (i: number): string =>
  `Paragraph ${i} says something specific about topic ${i}. It adds a second sentence with detail number ${i * 7}.`;

describe('chunkText', () => {
  const text = Array.from({ length: 40 }, (_, i) => paragraph(i)).join('\n\n');

  it('packs whole paragraphs into chunks under the token limit, overlapping by one paragraph', () => {
    const chunks = chunkText(text, null, { maxTokens: 120, overlapUnits: 1 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) {
      expect(countTokens(c.text)).toBeLessThanOrEqual(120 + 4);
      expect(c.text).toBe(text.slice(c.start, c.end));
      expect(c.text.startsWith('Paragraph ')).toBe(true);
    }
    for (let i = 1; i < chunks.length; i++) {
      // The next chunk starts inside the previous one: one paragraph is repeated.
      expect(chunks[i]!.start).toBeLessThan(chunks[i - 1]!.end);
      expect(chunks[i]!.start).toBeGreaterThan(chunks[i - 1]!.start);
    }
    expect(chunks[0]!.start).toBe(0);
    expect(chunks.at(-1)!.end).toBe(text.length);
  });

  it('aligns transcript chunks to segments', () => {
    const segs: TranscriptSegment[] = [];
    let t = '';
    for (let i = 0; i < 30; i++) {
      const s = `Speaker line ${i} talks about the weather and the harvest in some detail. `;
      segs.push({
        start: i * 5,
        end: i * 5 + 5,
        speaker: null,
        text: s,
        charStart: t.length,
        charEnd: t.length + s.length,
      });
      t += s;
    }
    const chunks = chunkText(t, segs, { maxTokens: 60, overlapUnits: 0 });
    const bounds = new Set(segs.flatMap((s) => [s.charStart, s.charEnd]));
    for (const c of chunks) {
      expect(bounds.has(c.start)).toBe(true);
      expect(bounds.has(c.end)).toBe(true);
    }
    // Without overlap the chunks tile the text exactly.
    expect(chunks.map((c) => c.text).join('')).toBe(t);
  });

  it('splits a paragraph longer than a chunk at sentence ends', () => {
    const long = Array.from({ length: 30 }, (_, i) => `Sentence ${i} is here.`).join(' ');
    const chunks = chunkText(long, null, { maxTokens: 40, overlapUnits: 0 });
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(countTokens(c.text)).toBeLessThanOrEqual(40);
    expect(chunks.map((c) => c.text).join('')).toBe(long);
  });
});
