import { describe, expect, it } from 'vitest';
import { isRepeat } from './redundancy.js';
import { selectSummary, summaryLength, tldrLine } from './summary.js';

describe('selectSummary', () => {
  // The repeated pair of issue 12: one sentence appearing twice, worded slightly differently.
  const sentences = [
    'Con Edison said the freeze had cut power to thousands of homes in Queens on Tuesday night.',
    'The freeze cut power to thousands of homes in Queens on Tuesday night, Con Edison said.',
    'Crews worked through the night to restore the lines, and most homes had power by morning.',
    'The utility plans to bury more lines before next winter to avoid repeat outages.',
    'Residents said they had little warning before the lights went out.',
  ];
  const candidates = sentences.map((text, index) => ({ index, text, score: 1 - index * 0.1 }));

  it('never selects two sentences that say the same thing, and puts the best first as a TL;DR', () => {
    const s = selectSummary(candidates, 3);
    expect(s.tldr?.index).toBe(0);
    expect(s.body).toEqual([2, 3, 4]);
    const shown = [s.tldr!.text, ...s.body.map((i) => sentences[i]!)];
    for (let i = 0; i < shown.length; i++)
      for (let j = i + 1; j < shown.length; j++) expect(isRepeat(shown[i]!, shown[j]!)).toBe(false);
  });

  it('returns no TL;DR for no candidates', () => {
    expect(selectSummary([], 3)).toEqual({ tldr: null, body: [] });
  });
});

describe('isRepeat', () => {
  it('takes Jaccard > 0.5 or 80 % containment as a repeat, and different facts about one subject as distinct', () => {
    expect(isRepeat(candidatesText(0), candidatesText(1))).toBe(true);
    expect(
      isRepeat(
        'Sudan will improve access for aid groups.',
        'In return, Sudan will improve access for aid groups, stop supporting rebels in neighboring South Sudan and cooperate with American intelligence agents.',
      ),
    ).toBe(true);
    expect(
      isRepeat('Con Edison cut power in Queens.', 'Con Edison raised its rates in Brooklyn last year.'),
    ).toBe(false);
  });
});

const candidatesText = (i: number): string =>
  [
    'Con Edison said the freeze had cut power to thousands of homes in Queens on Tuesday night.',
    'The freeze cut power to thousands of homes in Queens on Tuesday night, Con Edison said.',
  ][i]!;

describe('summaryLength', () => {
  it('grows with the logarithm of the length, from 3 to 10', () => {
    expect(summaryLength(300)).toBe(3);
    expect(summaryLength(1600)).toBe(6);
    expect(summaryLength(10_000)).toBe(10);
    expect(summaryLength(1_000_000)).toBe(10);
  });
});

describe('tldrLine', () => {
  it('drops a trailing attribution and bracketed asides', () => {
    expect(
      tldrLine(
        'After nearly 20 years of hostile relations, the American government plans to reverse its position on Sudan and lift trade sanctions, Obama administration officials said late Thursday.',
      ),
    ).toBe(
      'After nearly 20 years of hostile relations, the American government plans to reverse its position on Sudan and lift trade sanctions.',
    );
    expect(tldrLine('Quarterly profits at TimeWarner jumped 76% to $1.13bn (£600m) for the quarter.')).toBe(
      'Quarterly profits at TimeWarner jumped 76% to $1.13bn for the quarter.',
    );
  });

  it('cuts a long sentence at its first clause boundary after twelve words', () => {
    const long =
      'The firm, which is now one of the biggest investors in Google, benefited from sales of high-speed internet connections and higher advert sales, which rose sharply in the last three months of the year as more customers signed up.';
    const line = tldrLine(long);
    expect(line.split(/\s+/).length).toBeLessThanOrEqual(30);
    expect(line).toBe(
      'The firm, which is now one of the biggest investors in Google, benefited from sales of high-speed internet connections and higher advert sales.',
    );
  });
});
