// Every corpus article and a full debate transcript, analysed end to end: valid reports whose spans hold their items.
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCt19Transcripts } from '../../bench/analysis/ct19.js';
import { readQmsumMeetings } from '../../bench/analysis/transcripts.js';
import { corpusAvailable, corpusDir } from '../support/corpus.js';
import { defaultTrainingCsvPath } from '../../src/analysis/analyse/checkworthiness/paths.js';
import { createAcquirer } from '../../src/analysis/acquire/index.js';
import type { AcquiredContent } from '../../src/analysis/acquire/types.js';
import { InProcessAnalysisRunner } from '../../src/analysis/analyse/in-process.js';
import { createAnalysisPipeline } from '../../src/analysis/pipeline.js';
import { isMissing, type Report, type Span } from '../../src/analysis/report.js';
import { runPipeline } from '../../src/cli/analyze.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { ok } from '../../src/core/result.js';
import type { Depth } from '../../src/core/stage.js';

const articlesDir = path.join(corpusDir, 'articles');
const articles = corpusAvailable('corpus articles analysed end to end', 'articles')
  ? readdirSync(articlesDir).sort()
  : [];

const clock = new SystemClock();
const logger = createLogger({ level: 'silent' });
const runner = new InProcessAnalysisRunner();
let workDir = '';

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'autointel-corpus-'));
});
afterAll(async () => {
  await runner.close();
  await rm(workDir, { recursive: true, force: true });
});

async function acquireFile(file: string): Promise<AcquiredContent> {
  const acquirer = createAcquirer({
    clock,
    logger,
    allowPrivateNetworks: false,
    maxBytes: 20 * 1024 * 1024,
    ytDlpPath: 'yt-dlp',
    ffmpegPath: 'ffmpeg',
    workDir,
    allowLocalFiles: true,
  });
  const r = await acquirer.acquire(file, { signal: new AbortController().signal });
  if (!r.ok) throw r.error;
  return r.value;
}

async function analyse(content: AcquiredContent, depth: Depth): Promise<Report> {
  const pipeline = createAnalysisPipeline({
    acquirer: { acquire: () => Promise.resolve(ok(content)) },
    analysis: runner,
  });
  const r = await runPipeline(pipeline, content.source, depth, {
    clock,
    logger,
    signal: new AbortController().signal,
  });
  if (!r.ok) throw r.error;
  return r.value;
}

const items = <T>(s: { items: T[] } | { missing: { reason: string } } | undefined): T[] =>
  s !== undefined && !isMissing(s) ? s.items : [];
const words = (s: string): string[] =>
  s
    .toLowerCase()
    .replace(/['’]s\b/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');

/** Every span lies inside the text, and the text at each span is the item it claims to be. */
function expectSpansHoldItems(report: Report, text: string): number {
  let checked = 0;
  const at = (span: Span): string => {
    expect(span.start).toBeGreaterThanOrEqual(0);
    expect(span.end).toBeLessThanOrEqual(text.length);
    expect(span.start).toBeLessThan(span.end);
    checked++;
    return text.slice(span.start, span.end);
  };
  const s = report.sections;
  for (const i of items(s.summary).filter((x) => x.tldr === true)) {
    // The TL;DR line is its sentence shortened: every word of it comes from the span.
    const source = new Set(words(at(i.span)));
    for (const w of words(i.text)) expect(source).toContain(w);
  }
  for (const i of [
    ...items(s.summary).filter((x) => x.tldr !== true),
    ...items(s.keyPoints),
    ...items(s.claims),
    ...items(s.quotes),
  ]) {
    expect(at(i.span)).toBe(i.text);
  }
  for (const t of items(s.topics)) {
    for (const span of t.spans) {
      // Occurrences share the label's lemmas, so each starts like the label does (inflection may differ).
      const got = words(at(span));
      const want = words(t.label);
      expect(got.length).toBe(want.length);
      expect(got[0]!.slice(0, 3)).toBe(want[0]!.slice(0, 3));
    }
  }
  for (const e of items(s.entities)) {
    expect(e.count).toBeGreaterThanOrEqual(e.spans.length);
    const name = new Set(words(e.text));
    for (const span of e.spans) for (const w of words(at(span))) expect(name).toContain(w);
  }
  for (const r of items(s.rhetoric)) {
    expect(at(r.span)).toBe(r.cue);
    expect(r.sentence).toContain(r.cue);
  }
  for (const x of [...items(s.sentiment), ...items(s.sentimentArc), ...items(s.chapters)]) at(x.span);
  return checked;
}

describe.skipIf(articles.length === 0)('corpus articles at deep depth', () => {
  it.each(articles)('%s: a valid report whose every span points at its item', async (name) => {
    const content = await acquireFile(path.join(articlesDir, name, 'source.html'));
    const report = await analyse(content, 'deep');
    expect(report.depth).toBe('deep');
    expect(report.source.contentHash).toBe(content.contentHash);
    const checked = expectSpansHoldItems(report, content.text);
    expect(checked).toBeGreaterThan(0);
    const english = content.language === null || content.language.startsWith('en');
    if (!english) {
      expect(report.sections.entities).toEqual({
        missing: { reason: `wink-nlp English model; text is ${content.language}` },
      });
      expect(isMissing(report.sections.rhetoric)).toBe(true);
    } else {
      expect(items(report.sections.summary).length).toBeGreaterThan(0);
      expect(report.sections.claims).toBeDefined();
    }
  });
});

describe.skipIf(!articles.includes('wikipedia'))('corpus article at comprehensive depth', () => {
  it('wikipedia: chapters cover the text in order and the sections it cannot fill say why', async () => {
    const content = await acquireFile(path.join(articlesDir, 'wikipedia', 'source.html'));
    const report = await analyse(content, 'comprehensive');
    expectSpansHoldItems(report, content.text);
    const chapters = items(report.sections.chapters);
    expect(chapters.length).toBeGreaterThan(1);
    for (let i = 1; i < chapters.length; i++) {
      expect(chapters[i]!.span.start).toBeGreaterThanOrEqual(chapters[i - 1]!.span.end);
    }
    expect(chapters.every((c) => c.title.trim() !== '')).toBe(true);
    // No ClaimReview on the page, no API key, no index here: the section says which sources were searched.
    const fc = report.sections.factChecks;
    if (fc === undefined || isMissing(fc)) throw new Error('expected the fact-check section');
    expect(fc.items).toEqual([]);
    expect(fc.sources.map((s) => s.status)).toEqual(['searched', 'not_configured', 'skipped']);
    expect(isMissing(report.sections.crossReferences)).toBe(true);
  });
});

const csv = defaultTrainingCsvPath();
describe.skipIf(
  !corpusAvailable('CT19 debate transcript at deep depth', 'checkworthiness', 'CT19-T1-Training.csv'),
)('debate transcript from CT19 at deep depth', () => {
  it('keeps speakers and times on claims and quotes, with spans that hold their text', async () => {
    const [debate] = loadCt19Transcripts(csv);
    const content = debate!.content;
    const report = await analyse(content, 'deep');
    expectSpansHoldItems(report, content.text);
    const speakers = new Set(content.segments!.map((s) => s.speaker));
    const quotes = items(report.sections.quotes);
    expect(quotes.length).toBeGreaterThan(0);
    for (const q of quotes) {
      expect(speakers).toContain(q.speaker);
      expect(q.span.startTime).toBeTypeOf('number');
    }
    const claims = report.sections.claims;
    if (claims && !isMissing(claims)) {
      expect(claims.items.length).toBeGreaterThan(0);
      for (const c of claims.items) {
        expect(speakers).toContain(c.speaker);
        expect(c.span.startTime).toBeTypeOf('number');
      }
      const scores = claims.items.map((c) => c.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    }
  });
});

const meetingsDir = path.join(corpusDir, 'meetings');
describe.skipIf(!corpusAvailable('QMSum meeting at comprehensive depth', 'meetings'))(
  'a QMSum meeting transcript at comprehensive depth',
  () => {
    it('keeps speaker turns through the analysis and gives each chapter its own summary and speakers', async () => {
      const { file, content } = readQmsumMeetings(meetingsDir, 1)[0]!;
      const report = await analyse(content, 'comprehensive');
      expectSpansHoldItems(report, content.text);
      const speakerAt = (offset: number): string | null =>
        content.segments!.find((s) => s.charStart <= offset && offset < s.charEnd)?.speaker ?? null;
      // Every summary sentence and key point names the speaker whose turn it is.
      const said = [...items(report.sections.summary), ...items(report.sections.keyPoints)];
      expect(said.length).toBeGreaterThan(0);
      for (const x of said) expect(x.span.speaker).toBe(speakerAt(x.span.start));

      const chapters = items(report.sections.chapters);
      expect(chapters.length).toBeGreaterThan(3);
      const seen: string[] = [];
      for (const c of chapters) {
        expect(c.summary?.length ?? 0).toBeGreaterThan(0);
        for (const x of c.summary ?? []) {
          // Inside its chapter, quoted exactly, spoken by the turn's speaker, and never repeated across chapters.
          expect(x.span.start).toBeGreaterThanOrEqual(c.span.start);
          expect(x.span.end).toBeLessThanOrEqual(c.span.end);
          expect(content.text.slice(x.span.start, x.span.end)).toBe(x.text);
          expect(x.span.speaker).toBe(speakerAt(x.span.start));
          expect(seen).not.toContain(x.text);
          seen.push(x.text);
        }
        const inChapter = new Set(
          content
            .segments!.filter((s) => s.charStart < c.span.end && s.charEnd > c.span.start)
            .map((s) => s.speaker),
        );
        expect(c.speakers?.length ?? 0).toBeGreaterThan(0);
        for (const name of c.speakers ?? []) expect(inChapter).toContain(name);
      }
      process.stdout.write(
        `meeting ${file}: ${chapters.length} chapters, ${seen.length} chapter-summary sentences, ` +
          `${new Set(content.segments!.map((s) => s.speaker)).size} speakers\n`,
      );
    });
  },
);
