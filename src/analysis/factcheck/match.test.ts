import { describe, expect, it } from 'vitest';
import { MATCH_THRESHOLD, matchClaims, tokens } from './match.js';

describe('matchClaims', () => {
  it('matches a reviewer’s shorter wording contained in our longer sentence', () => {
    const m = matchClaims(
      'Senator Avery told the rally on Tuesday that the state tripled its water tax in 2025.',
      'The state tripled its water tax in 2025.',
    );
    expect(m.matched).toBe(true);
    expect(m.containment).toBe(1);
  });

  it('folds case, plurals and thousands separators', () => {
    expect(
      matchClaims(
        'there are 20000 fewer hospital beds in England',
        'There are 20,000 fewer Hospital Beds in England than ten years ago.',
      ).matched,
    ).toBe(true);
  });

  it('refuses statements that share a topic but not the claim', () => {
    expect(
      matchClaims('The state tripled its water tax in 2025.', 'The state cut its income tax in 2025.')
        .matched,
    ).toBe(false);
    expect(matchClaims('Vaccines are tested for years.', 'Vaccines cause autism.').matched).toBe(false);
  });

  it('refuses a claim and its negation, and accepts a reordered wording', () => {
    expect(
      matchClaims('Vaccines do not cause autism in children.', 'Vaccines cause autism in children.').matched,
    ).toBe(false);
    expect(
      matchClaims("The mayor didn't close the river bridge.", 'The mayor closed the river bridge.').matched,
    ).toBe(false);
    expect(
      matchClaims('In 2025 the state tripled the water tax.', 'The state tripled its water tax in 2025.')
        .matched,
    ).toBe(true);
  });

  it('refuses the same words with different numbers', () => {
    const m = matchClaims(
      'Unemployment rose to 5 percent last year.',
      'Unemployment rose to 10 percent last year.',
    );
    expect(m.containment).toBeGreaterThanOrEqual(MATCH_THRESHOLD);
    expect(m.matched).toBe(false);
  });

  it('needs at least three shared content words, so a two-word overlap never matches', () => {
    expect(matchClaims('Taxes rose.', 'Taxes rose.').matched).toBe(false);
    expect(tokens('It was said that the of and').words.size).toBe(0);
  });
});
