import { describe, expect, it } from 'vitest';
import { writePdf } from '../../../test/support/minimal-pdf.js';
import { extractPdfText, isPdfBytes, tidyPageText } from './pdf.js';

const signal = new AbortController().signal;

describe('extractPdfText (pdf.js in a worker thread)', () => {
  it('reads every page and records where each page sits in the text', async () => {
    const bytes = writePdf({
      title: 'Three pages',
      pages: [
        { lines: ['The first page talks about rivers.', 'Rivers flow to the sea.'] },
        { lines: ['The second page is about mountains (and valleys).'] },
        { lines: ['Page three closes with deserts.'] },
      ],
    });
    expect(isPdfBytes(bytes)).toBe(true);
    const r = await extractPdfText(bytes, { signal, maxChars: 100_000 });
    if (!r.ok) throw r.error;
    const { text, pages, title, notes } = r.value;
    expect(title).toBe('Three pages');
    expect(notes).toEqual([]);
    expect(pages.map((p) => p.page)).toEqual([1, 2, 3]);
    expect(text.slice(pages[0]!.charStart, pages[0]!.charEnd)).toBe(
      'The first page talks about rivers.\nRivers flow to the sea.',
    );
    expect(text.slice(pages[1]!.charStart, pages[1]!.charEnd)).toBe(
      'The second page is about mountains (and valleys).',
    );
    expect(text.slice(pages[2]!.charStart, pages[2]!.charEnd)).toBe('Page three closes with deserts.');
  });

  it('reads non-Latin text through the font’s ToUnicode map', async () => {
    const bytes = writePdf({
      unicode: true,
      pages: [{ lines: ['Москва — столица России.'] }, { lines: ['東京は日本の首都です。', 'Αθήνα'] }],
    });
    const r = await extractPdfText(bytes, { signal, maxChars: 100_000 });
    if (!r.ok) throw r.error;
    expect(r.value.text).toBe('Москва — столица России.\n\n東京は日本の首都です。\nΑθήνα');
    expect(r.value.pages.map((p) => [p.page, p.charStart])).toEqual([
      [1, 0],
      [2, 26],
    ]);
  });

  it('says plainly that a scanned PDF without a text layer cannot be read', async () => {
    const bytes = writePdf({ pages: [{ image: true }, { image: true }] });
    const r = await extractPdfText(bytes, { signal, maxChars: 100_000 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('acquire.no_text_layer');
    expect(r.error.userMessage).toMatch(/no text layer.*scanned.*no text recognition \(OCR\)/);
  });

  it('keeps the text pages of a partly scanned PDF and names the pages it skipped', async () => {
    const bytes = writePdf({
      pages: [{ lines: ['Typed cover letter.'] }, { image: true }, { lines: ['Typed annex.'] }],
    });
    const r = await extractPdfText(bytes, { signal, maxChars: 100_000 });
    if (!r.ok) throw r.error;
    expect(r.value.pages.map((p) => p.page)).toEqual([1, 3]);
    expect(r.value.notes).toEqual([expect.stringMatching(/^Page 2 has no text layer/)]);
  });

  it('stops at the text cap and says which pages were read', async () => {
    const pages = Array.from({ length: 6 }, (_, i) => ({ lines: [`Page ${i + 1} ${'word '.repeat(20)}`] }));
    const r = await extractPdfText(writePdf({ pages }), { signal, maxChars: 250 });
    if (!r.ok) throw r.error;
    expect(r.value.pages.length).toBeLessThan(6);
    expect(r.value.notes.at(-1)).toMatch(/^Only pages 1–\d of 6 were read/);
  });

  it('refuses bytes that are not a PDF as a permanent failure', async () => {
    const r = await extractPdfText(Buffer.from('%PDF-1.7\nthis is not really a pdf'), {
      signal,
      maxChars: 1000,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('acquire.pdf_failed');
  });

  it('terminates the worker at the deadline', async () => {
    const pages = Array.from({ length: 400 }, (_, i) => ({ lines: [`Page ${i + 1}`] }));
    const r = await extractPdfText(writePdf({ pages }), { signal, maxChars: 1_000_000, timeoutMs: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('acquire.timeout');
      expect(r.error.userMessage).toMatch(/too complex to read within/);
    }
  });

  it('stops when the caller aborts', async () => {
    const r = await extractPdfText(writePdf({ pages: [{ lines: ['x'] }] }), {
      signal: AbortSignal.abort(new Error('cancelled')),
      maxChars: 1000,
    });
    expect(r.ok).toBe(false);
  });
});

describe('tidyPageText', () => {
  it('collapses spaces, rejoins hyphenated line ends and trims blank runs', () => {
    expect(tidyPageText('  An   exam-\nple  of\n\n\n\ntext \u00a0 here ')).toBe('An example of\n\ntext here');
  });
});
