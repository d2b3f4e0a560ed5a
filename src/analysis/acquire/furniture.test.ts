import { describe, expect, it } from 'vitest';
import { datelinePrefix, findTextFurniture, furnitureOfLine, mergeFurniture } from './furniture.js';

// Lines are taken from pages of Mozilla Readability's test suite (Apache-2.0), as kept in the shared corpus, and
// from the New York Times page described in issue 12.
describe('furnitureOfLine', () => {
  it.each([
    ['Advertisement', 'advertisement'],
    ['Continue reading the main story', 'related'],
    ['Read more:', 'related'],
    ['[Bardo museum houses amazing Roman treasures]', 'related'],
    ['Photo', 'caption'],
    ['Gallery: Xbox One X', 'caption'],
    ['Credit Harry Campbell', 'credit'],
    ['JIM WATSON/AFP/Getty Images', 'credit'],
    ['[What you need to know to start the day: Get New York Today in your inbox.]', 'promo'],
    ['SIGN UP FOR OUR NEWSLETTER', 'promo'],
    ['Share', 'share'],
    ['Comments (74 posted)', 'share'],
    ['By Nathan Willis', 'byline'],
    ['By Jonathan Corbet and Jake Edge', 'byline'],
    ['Heba Habib contributed to this report.', 'byline'],
    ['March 25, 2015', 'dateline'],
    ['Updated: Dec. 22, 2016 10:45 a.m. ET', 'dateline'],
  ])('%s → %s', (line, kind) => {
    expect(furnitureOfLine(line)).toBe(kind);
  });

  it.each([
    'When you sign up for Facebook, it encourages you to upload your list of contacts so that the site can "find your friends."',
    'Related to each other: for example, a caching server and a web server',
    'The G40 figures fled to the compound after their homes were attacked, the source told Reuters and a local paper on Wednesday evening in Harare, where many more are hiding.',
    'By then the sanctions had failed.',
    'Photo of the year',
    'Sudan is one of the poorest, most isolated and most violent countries in Africa.',
  ])('leaves prose alone: %s', (line) => {
    expect(furnitureOfLine(line)).toBeNull();
  });
});

describe('datelinePrefix and findTextFurniture', () => {
  it('finds the dateline at a paragraph start only, leaving the sentence it opens', () => {
    expect(datelinePrefix('LONDON — After nearly 20 years of hostile relations')).toBe('LONDON — '.length);
    expect(datelinePrefix('WASHINGTON (AP) — The Senate voted')).toBe('WASHINGTON (AP) — '.length);
    expect(datelinePrefix('After nearly 20 years — of hostile relations')).toBe(0);
    const text =
      'Photo\n\nLONDON — After nearly 20 years, officials said.\n\nAdvertisement\n\nThe end came — LATE — on Friday.';
    expect(findTextFurniture(text).map((r) => [r.kind, text.slice(r.start, r.end)])).toEqual([
      ['caption', 'Photo'],
      ['dateline', 'LONDON — '],
      ['advertisement', 'Advertisement'],
    ]);
  });

  it('merges overlapping ranges, the earlier kind winning', () => {
    expect(
      mergeFurniture(
        [{ start: 0, end: 10, kind: 'caption' }],
        [
          { start: 5, end: 12, kind: 'credit' },
          { start: 20, end: 25, kind: 'promo' },
        ],
      ),
    ).toEqual([
      { start: 0, end: 12, kind: 'caption' },
      { start: 20, end: 25, kind: 'promo' },
    ]);
  });
});
