import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SentenceAnalyser, defaultModelPath, loadCheckworthinessRanker } from './index.js';
import type { ClaimCandidate } from './index.js';

const CLAIM = 'Unemployment fell from 10 percent to 4.7 percent under my administration.';
const SMALL_TALK = "Thank you very much, it's great to be here.";

describe('loadCheckworthinessRanker (shipped model)', () => {
  const ranker = loadCheckworthinessRanker();

  it('ranks a statistical claim above small talk, whichever comes first', () => {
    const a = ranker.score([
      { text: SMALL_TALK, speaker: 'SPEAKER' },
      { text: CLAIM, speaker: 'SPEAKER' },
    ]);
    expect(a[1]).toBeGreaterThan(a[0] as number);
    const b = ranker.score([
      { text: CLAIM, speaker: null },
      { text: SMALL_TALK, speaker: null },
    ]);
    expect(b[0]).toBeGreaterThan(b[1] as number);
  });

  it('returns one score in [0, 1] per sentence, in input order, and nothing for nothing', () => {
    const sentences: ClaimCandidate[] = [
      { text: 'Good evening.', speaker: 'HOST' },
      { text: 'What is your plan for jobs?', speaker: 'HOST' },
      { text: 'We created 15 million jobs since 2010.', speaker: 'CANDIDATE' },
      { text: 'I think that is wonderful.', speaker: 'CANDIDATE' },
    ];
    const scores = ranker.score(sentences);
    expect(scores).toHaveLength(4);
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);
    expect(Math.max(...scores)).toBe(scores[2]);
    expect(ranker.score([])).toEqual([]);
  });

  it('gives the same scores from pre-computed analyses as from text', () => {
    const sentences: ClaimCandidate[] = [
      { text: CLAIM, speaker: 'A' },
      { text: 'Is that true?', speaker: 'B' },
    ];
    const analyser = new SentenceAnalyser();
    expect(
      ranker.score(
        sentences,
        sentences.map((s) => analyser.analyse(s.text)),
      ),
    ).toEqual(ranker.score(sentences));
    expect(() => ranker.score(sentences, [])).toThrow(RangeError);
  });

  it('has a content-derived version', () => {
    expect(ranker.version).toMatch(/^cw\d+-[0-9a-f]{12}$/);
  });
});

describe('loadCheckworthinessRanker (bad files)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-model-'));

  it('refuses a model trained on another feature set', () => {
    const model = JSON.parse(readFileSync(defaultModelPath(), 'utf8')) as {
      features: { featureSetVersion: number };
    };
    model.features.featureSetVersion += 1;
    const file = path.join(dir, 'other.json');
    writeFileSync(file, JSON.stringify(model));
    expect(() => loadCheckworthinessRanker(file)).toThrow(
      expect.objectContaining({ code: 'checkworthiness.model_mismatch' }),
    );
  });

  it('refuses a model that switches off a feature group this code does not know', () => {
    const model = JSON.parse(readFileSync(defaultModelPath(), 'utf8')) as {
      features: { disabledGroups: string[] };
    };
    model.features.disabledGroups.push('colour');
    const file = path.join(dir, 'group.json');
    writeFileSync(file, JSON.stringify(model));
    expect(() => loadCheckworthinessRanker(file)).toThrow(
      expect.objectContaining({ code: 'checkworthiness.model_mismatch' }),
    );
  });

  it('reads a file written before feature groups existed as one with none switched off', () => {
    const model = JSON.parse(readFileSync(defaultModelPath(), 'utf8')) as {
      features: { disabledGroups?: string[] };
    };
    expect(model.features.disabledGroups?.length).toBeGreaterThan(0);
    delete model.features.disabledGroups;
    const file = path.join(dir, 'older.json');
    writeFileSync(file, JSON.stringify(model));
    const sentences: ClaimCandidate[] = [
      { text: 'What is your plan?', speaker: 'HOST' },
      { text: CLAIM, speaker: 'A' },
      { text: SMALL_TALK, speaker: 'A' },
    ];
    // The switched-off groups were never trained, so their weights are 0 and computing them changes no score.
    const older = loadCheckworthinessRanker(file).score(sentences);
    const shipped = loadCheckworthinessRanker().score(sentences);
    older.forEach((s, i) => expect(s).toBeCloseTo(shipped[i] as number, 6));
  });

  it('reports a missing or malformed file with a stable code', () => {
    expect(() => loadCheckworthinessRanker(path.join(dir, 'absent.json'))).toThrow(
      expect.objectContaining({ code: 'checkworthiness.model_unreadable' }),
    );
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{"format":"something else"}');
    expect(() => loadCheckworthinessRanker(file)).toThrow(
      expect.objectContaining({ code: 'checkworthiness.model_invalid' }),
    );
  });
});
