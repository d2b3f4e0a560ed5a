import { describe, expect, it } from 'vitest';
import { EnglishParser } from './document.js';
import { findEntities } from './entities.js';
import { loadNerModel } from './ner/model.js';
import { defaultNerModelPath } from './ner/paths.js';
import { attributeQuotes, findQuotedSpeech, mergeRepeatedQuotes } from './quotes.js';

const parser = new EnglishParser();
const model = loadNerModel(defaultNerModelPath());

/** Quotes of `text` with their speakers, through the same steps the analyser takes. */
function speakers(text: string): [string, string | null][] {
  const doc = parser.parse(text, { segments: null, lineBreaksEndSentences: true });
  const persons = findEntities(doc, model)
    .filter((e) => e.type === 'person')
    .map((e) => ({ name: e.text, mentions: e.mentions }));
  const quotes = mergeRepeatedQuotes(text, attributeQuotes(text, findQuotedSpeech(doc), persons));
  return quotes.map((q) => [text.slice(q.start, q.end), q.speaker]);
}

// Sentences from the New York Times article in the shared corpus (nytimes-1) and wordings of the same shape.
const intro =
  'Eric Reeves, one of the leading American academic voices on Sudan, said he was appalled that the government was lifting sanctions.';

describe('quote attribution', () => {
  it('"…," said X — linked to the entity\'s full name', () => {
    const text = `${intro} “There is no reason to believe the guys in charge have changed their stripes,” said Mr. Reeves, a senior fellow at Harvard University.`;
    expect(speakers(text)).toEqual([
      ['There is no reason to believe the guys in charge have changed their stripes,', 'Eric Reeves'],
    ]);
  });

  it('"…," X said', () => {
    const text = `${intro} “These guys are the worst of the worst and nothing has changed,” Mr. Reeves said on Friday.`;
    expect(speakers(text)[0]).toEqual([
      'These guys are the worst of the worst and nothing has changed,',
      'Eric Reeves',
    ]);
  });

  it('"…," he said — the pronoun resolves to the person named last', () => {
    const text = `${intro} “These guys are the worst of the worst and nothing has changed,” he said.`;
    expect(speakers(text)[0]![1]).toBe('Eric Reeves');
  });

  it('X said: "…" (colon introduction)', () => {
    const text = `Analysts were divided. Tasos Georgelis said: “We lost two days of business and nobody called us back.”`;
    expect(speakers(text)).toEqual([
      ['We lost two days of business and nobody called us back.', 'Tasos Georgelis'],
    ]);
  });

  it('according to X, "…"', () => {
    const text = `According to Eric Reeves, “the guys in charge have not changed their stripes at all.”`;
    expect(speakers(text)[0]![1]).toBe('Eric Reeves');
  });

  it('leaves a quote without attribution unattributed', () => {
    const text = `${intro} The sign read “no reason to believe the guys in charge have changed” in large letters.`;
    expect(speakers(text)[0]![1]).toBeNull();
  });

  it('merges a quote repeated in the text into one item that keeps the speaker', () => {
    const text = `“There is no reason to believe the guys in charge have changed their stripes.” ${intro} “There is no reason to believe the guys in charge have changed their stripes,” said Mr. Reeves, a senior fellow at Harvard University.`;
    const got = speakers(text);
    expect(got).toHaveLength(1);
    expect(got[0]![1]).toBe('Eric Reeves');
  });
});
