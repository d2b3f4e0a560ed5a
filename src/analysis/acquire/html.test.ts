import { describe, expect, it } from 'vitest';
import { extractArticle } from './html.js';

const para = (n: number): string =>
  Array.from(
    { length: n },
    (_, i) =>
      `<p>Paragraph ${i} explains the finding in plain words, with enough text for a reader to follow along and keep reading.</p>`,
  ).join('');

describe('extractArticle', () => {
  it('separates paragraphs by a blank line and list items by a newline', () => {
    const a = extractArticle(
      `<html lang="en-GB"><head><title>T</title></head><body><article><h1>Head</h1>${para(6)}<ul><li>one</li><li>two</li></ul></article></body></html>`,
    );
    expect(a.language).toBe('en');
    expect(a.languageSource).toBe('html-lang');
    expect(a.text).toContain('Paragraph 0 explains');
    expect(a.text).toContain('keep reading.\n\nParagraph 1');
    expect(a.text).toMatch(/one\ntwo/);
    expect(a.text).not.toMatch(/ {2}|\n{3}/);
  });

  it('falls back to og:locale, then to detection, when <html lang> is missing', () => {
    const og = extractArticle(
      `<html><head><meta property="og:locale" content="fr_FR"><title>x</title></head><body>${para(5)}</body></html>`,
    );
    expect(og).toMatchObject({ language: 'fr', languageSource: 'og-locale' });
    const detected = extractArticle(
      `<html><head><title>x</title></head><body><article>${'<p>Die Bundesregierung hat am Mittwoch einen Gesetzentwurf beschlossen, der die Rechte der Verbraucher stärken soll und neue Pflichten vorsieht.</p>'.repeat(5)}</article></body></html>`,
    );
    expect(detected).toMatchObject({ language: 'de', languageSource: 'detected' });
  });

  it('counts embedded media and caption tracks', () => {
    const a = extractArticle(
      '<html><body><video src="a.mp4"><track kind="captions" src="a.vtt"></video><audio><source src="b.mp3"></audio></body></html>',
    );
    expect(a.media).toEqual({ elements: 2, textTracks: 1 });
  });

  it('falls back to the body text when Readability finds no article', () => {
    const a = extractArticle(
      '<html><head><title>Short</title></head><body><p>Just one short line.</p></body></html>',
    );
    expect(a.title).toBe('Short');
    expect(a.text).toBe('Just one short line.');
  });
});
