import { afterEach, describe, expect, it } from 'vitest';
import type { AcquiredContent } from '../acquire/types.js';
import { AnalysisPool } from './pool.js';

const content = (text: string): AcquiredContent => ({
  kind: 'text',
  source: 'inline',
  finalUrl: 'inline',
  title: null,
  byline: null,
  siteName: null,
  publishedTime: null,
  language: 'en',
  text,
  segments: null,
  media: null,
  notes: [],
  contentHash: 'x',
  fetchedAt: 0,
});

const article =
  'The city council approved the new budget on Monday. The budget raises spending on schools by ten percent. ' +
  'Critics say the budget ignores roads. The mayor said schools come first. Roads will be repaired next year.';

let pool: AnalysisPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('AnalysisPool', () => {
  it('runs the analysis on a worker thread and reports progress', async () => {
    pool = new AnalysisPool({ size: 1 });
    const progress: number[] = [];
    const out = await pool.analyse(
      content(article),
      { depth: 'standard', llmConfigured: false },
      { onProgress: (f) => progress.push(f) },
    );
    expect(out.wordCount).toBeGreaterThan(30);
    expect('items' in out.sections.summary).toBe(true);
    expect(progress.at(-1)).toBe(1);
  });

  it('rejects at once when aborted and still serves the next job on a fresh worker', async () => {
    pool = new AnalysisPool({ size: 1 });
    const controller = new AbortController();
    const long = Array.from({ length: 400 }, () => article).join('\n');
    const running = pool.analyse(
      content(long),
      { depth: 'deep', llmConfigured: false },
      { signal: controller.signal },
    );
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    const out = await pool.analyse(content(article), { depth: 'standard', llmConfigured: false });
    expect(out.depth).toBe('standard');
  });

  it('refuses a size outside 1–16, naming the option', () => {
    expect(() => new AnalysisPool({ size: 0 })).toThrow(/'size'.*received 0/);
  });
});
