import { describe, expect, it } from 'vitest';
import { extractArticle, type ExtractedArticle } from './html.js';

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

// Fragments below are copied from pages of Mozilla Readability's test suite (Apache-2.0), as kept in the shared corpus.
const page = (fragment: string): string =>
  `<html lang="en"><head><title>T</title></head><body><article>${para(3)}${fragment}${para(3)}</article></body></html>`;
const furnitureText = (a: ExtractedArticle): [string, string][] =>
  a.furniture.map((f) => [f.kind, a.text.slice(f.start, f.end)]);

describe('extractArticle: page furniture', () => {
  it('marks a figcaption with its credit as a caption, keeps it in the text, and spaces the credit (nytimes)', () => {
    const a = extractArticle(
      page(
        '<figure><img src="x.jpg"><figcaption class="caption" itemprop="caption description"> <span class="caption-text">United Nations peacekeepers at a refugee camp in Sudan on Monday.</span> <span class="credit" itemprop="copyrightHolder"> <span class="visually-hidden">Credit</span> Ashraf Shazly/Agence France-Presse — Getty Images </span> </figcaption></figure>',
      ),
    );
    expect(a.text).toContain(
      'United Nations peacekeepers at a refugee camp in Sudan on Monday. Credit Ashraf Shazly/Agence France-Presse — Getty Images',
    );
    expect(furnitureText(a)).toContainEqual([
      'caption',
      'United Nations peacekeepers at a refugee camp in Sudan on Monday. Credit Ashraf Shazly/Agence France-Presse — Getty Images',
    ]);
  });

  it('separates adjacent inline elements that only layout kept apart ("CreditChang W. Lee")', () => {
    const a = extractArticle(
      page(
        '<p><span class="credit"><span>Credit</span><span>Chang W. Lee/The New York Times</span></span></p>',
      ),
    );
    expect(a.text).toContain('Credit Chang W. Lee/The New York Times');
    expect(a.text).not.toContain('CreditChang');
    expect(furnitureText(a)).toContainEqual(['credit', 'Credit Chang W. Lee/The New York Times']);
    // Inline markup inside a word or before lower case stays joined.
    const b = extractArticle(
      page('<p>The <b>un</b>believable <a href="/x">link</a>s of the matter are long.</p>'),
    );
    expect(b.text).toContain('The unbelievable links of the matter are long.');
  });

  it('marks a newsletter section by its classes (citylab)', () => {
    const a = extractArticle(
      page(
        '<section class="c-newsletter c-newsletter--promo c-newsletter--cta"><h2 class="c-newsletter__title">Cities are changing fast. Keep up with the <b>CityLab Daily</b> newsletter.</h2><label class="c-newsletter__cta">The best way to follow issues you care about.</label></section>',
      ),
    );
    expect(furnitureText(a)).toContainEqual([
      'promo',
      'Cities are changing fast. Keep up with the CityLab Daily newsletter.\n\nThe best way to follow issues you care about.',
    ]);
  });

  it('marks a figcaption by its tag alone (bbc) and an ad slot by its class token', () => {
    const a = extractArticle(
      page(
        '<figure><figcaption class="media-caption"><span class="media-caption__text">Kenya is getting ready to welcome the US president</span></figcaption></figure><div class="ad-slot">Buy now and save on everything</div><div class="masthead">The masthead text is ordinary prose here.</div>',
      ),
    );
    const found = furnitureText(a);
    expect(found).toContainEqual(['caption', 'Kenya is getting ready to welcome the US president']);
    expect(found).toContainEqual(['advertisement', 'Buy now and save on everything']);
    expect(found.map(([, t]) => t)).not.toContain('The masthead text is ordinary prose here.');
  });

  it('marks a related-links list under "Read more:" and the contributor line by their wording (wapo)', () => {
    const a = extractArticle(
      page(
        '<p>Heba Habib contributed to this report.</p><p><b>Read more:</b></p><p><a href="/a">Tunisia’s Islamists get a sobering lesson in governing</a></p><p><a href="/b">Tunisia sends most foreign fighters to Islamic State in Syria</a></p>',
      ),
    );
    const found = furnitureText(a);
    expect(found).toContainEqual(['byline', 'Heba Habib contributed to this report.']);
    expect(found).toContainEqual(['related', 'Read more:']);
    expect(found).toContainEqual(['related', 'Tunisia’s Islamists get a sobering lesson in governing']);
    expect(found).toContainEqual([
      'related',
      'Tunisia sends most foreign fighters to Islamic State in Syria',
    ]);
  });

  it('marks a byline, a dated line and a comments link (lwn)', () => {
    const a = extractArticle(
      page(
        '<div class="FeatureByline"> By <b>Nathan Willis</b> <br/>March 25, 2015 </div><p>QGIS is a free-software geographic information system tool that many people use for maps.</p><p><a href="/Articles/637755/#Comments">Comments (5 posted)</a></p><h2 class="SummaryHL">Development activity in LibreOffice and OpenOffice</h2><div class="FeatureByline"> By <b>Jonathan Corbet</b> <br/>March 25, 2015 </div>',
      ),
    );
    const found = furnitureText(a);
    expect(found).toContainEqual(['share', 'Comments (5 posted)']);
    // Readability takes the first byline into the metadata; the second stays in the text, marked.
    expect(found).toContainEqual(['byline', 'By Jonathan Corbet\nMarch 25, 2015']);
  });
});
