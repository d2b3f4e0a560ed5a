import { describe, expect, it } from 'vitest';
import { EnglishParser } from './document.js';
import { indexLexicon } from './lexicon.js';
import { findRhetoric } from './rhetoric.js';

const parser = new EnglishParser();
const lexicon = indexLexicon();
const hits = (text: string) =>
  findRhetoric(parser.parse(text, { segments: null, lineBreaksEndSentences: true }), lexicon).map((h) => ({
    kind: h.kind,
    cue: h.cue,
    detail: h.detail,
    slice: text.slice(h.start, h.end),
  }));

describe('rhetoric lexicon', () => {
  it('finds a bandwagon cue with its exact span, preferring the longest phrase', () => {
    const found = hits('Everyone knows the plan failed.');
    expect(found).toEqual([
      { kind: 'fallacy_cue', cue: 'Everyone knows', detail: 'bandwagon', slice: 'Everyone knows' },
    ]);
  });

  it('matches cues written with contractions through their expanded form', () => {
    const found = hits("If we don't act before it's too late, we lose.");
    expect(found.filter((h) => h.detail === 'appeal to fear').map((h) => h.slice)).toEqual([
      "If we don't act",
      "before it's too late",
    ]);
  });

  it('tells the hedge "may" from the month May', () => {
    expect(hits('Prices may rise.').map((h) => h.kind)).toEqual(['hedge']);
    expect(hits('We met in May.')).toEqual([]);
  });

  it('reports hedges, absolutes, loaded language and slippery slope cues', () => {
    const kinds = hits(
      'Perhaps this is a disaster. They never listen. This will lead to ruin, and experts say so.',
    ).map((h) => `${h.kind}:${h.detail ?? ''}`);
    expect(kinds).toEqual([
      'hedge:',
      'loaded_language:',
      'absolute:',
      'fallacy_cue:slippery slope',
      'fallacy_cue:appeal to authority',
    ]);
  });
});
