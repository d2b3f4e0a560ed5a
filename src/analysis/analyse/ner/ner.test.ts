import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EnglishParser } from '../document.js';
import { findEntities } from '../entities.js';
import { entitiesOf, parseConll, scoreEntities, toBio } from './conll.js';
import { loadNerModel, parseModel, serialiseModel } from './model.js';
import { defaultNerModelPath } from './paths.js';
import { headerFor, trainNer } from './train.js';

const tiny = `-DOCSTART- -X- -X- O

EU NNP B-NP I-ORG
rejects VBZ B-VP O
German JJ B-NP I-MISC
call NN I-NP O
. . O O

Peter NNP B-NP I-PER
Blackburn NNP I-NP I-PER
visited VBD B-VP O
London NNP B-NP I-LOC
. . O O
`;

describe('CoNLL reading and scoring', () => {
  it('reads IOB1 tags as BIO and finds entities as exact spans', () => {
    const s = parseConll(tiny);
    expect(s).toHaveLength(2);
    expect(s[1]!.tags).toEqual(['B-PER', 'I-PER', 'O', 'B-LOC', 'O']);
    expect(entitiesOf(s[1]!.tags)).toEqual([
      { start: 0, end: 2, type: 'PER' },
      { start: 3, end: 4, type: 'LOC' },
    ]);
    expect(toBio(['I-PER', 'I-LOC'])).toEqual(['B-PER', 'B-LOC']);
  });

  it('counts an entity only with its exact span and type', () => {
    const gold = [['B-PER', 'I-PER', 'O', 'B-LOC']];
    const { overall, byType } = scoreEntities(gold, [['B-PER', 'O', 'O', 'B-LOC']]);
    expect(overall).toMatchObject({ correct: 1, predicted: 2, gold: 2 });
    expect(byType['PER']!.f1).toBe(0);
    expect(byType['LOC']!.f1).toBe(1);
  });
});

describe('training', () => {
  it('is deterministic and survives the file round trip', () => {
    const data = parseConll(tiny);
    const options = { epochs: 3, buckets: 1 << 12, seed: 5, prune: 0 };
    const a = trainNer(data, options);
    const b = trainNer(data, options);
    const fa = serialiseModel(headerFor(a, options, 'tiny', null), a);
    expect(fa.equals(serialiseModel(headerFor(b, options, 'tiny', null), b))).toBe(true);
    const model = parseModel(fa);
    expect(model.tag(['Peter', 'Blackburn', 'visited', 'London', '.'], new Set())).toEqual(data[1]!.tags);
  });
});

describe.skipIf(!existsSync(defaultNerModelPath()))('the shipped model in the analyser', () => {
  it('types organisations, places and people and merges "Mr. Georgelis" into "Tasos Georgelis"', () => {
    const text =
      'Tasos Georgelis, who owns a diner in New York, lost power for two days. Con Edison said crews were working around the clock. Mr. Georgelis said the Freeze hit his business hard.';
    const doc = new EnglishParser().parse(text, { segments: null, lineBreaksEndSentences: true });
    const found = findEntities(doc, loadNerModel(defaultNerModelPath()));
    const byText = new Map(found.map((e) => [e.text, e]));
    expect(byText.get('Tasos Georgelis')?.type).toBe('person');
    expect(byText.get('Tasos Georgelis')?.mentions).toHaveLength(2);
    expect(byText.has('Georgelis')).toBe(false);
    expect(byText.get('Con Edison')?.type).toBe('organization');
    expect(byText.get('New York')?.type).toBe('location');
  });
});
