// The pipeline around media: the workflow id reaches the acquirer, downloaded audio is released after the
// transcription stage, and every report item from a timed transcript carries the moment it comes from.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AdjustableClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { ok } from '../core/result.js';
import { memoryPartials, type StageContext } from '../core/stage.js';
import { parseSubtitles } from './acquire/subtitles.js';
import type { AcquiredContent } from './acquire/types.js';
import { InProcessAnalysisRunner } from './analyse/in-process.js';
import { createAnalysisPipeline, type ContentAcquirer } from './pipeline.js';
import { ReportSchema, type Span } from './report.js';

const LINES = [
  'Senator Jane Smith said the budget deficit doubled in 2020.',
  'Everyone knows the deficit matters to every family in the state.',
  'The Treasury in Washington reported the numbers on Friday.',
  'Perhaps the deficit will fall next year if spending on roads is cut.',
  'Critics in Ohio call the plan a disaster for families and schools.',
  'Smith replied that the plan was checked by an independent auditor.',
];
const VTT = `WEBVTT\n\n${LINES.map((l, i) => `00:0${i}:10.000 --> 00:0${i}:15.000\n${l}\n`).join('\n')}`;

function mediaContent(source: string, audioPath: string | null, timed: boolean): AcquiredContent {
  const subs = parseSubtitles(VTT);
  return {
    kind: 'media',
    source,
    finalUrl: source,
    title: 'Budget hearing',
    byline: null,
    siteName: null,
    publishedTime: null,
    language: 'en',
    text: subs.text,
    segments: timed ? subs.segments : null,
    media: { durationSec: 400, captions: timed ? 'manual' : 'none', audioPath },
    notes: [],
    contentHash: createHash('sha256').update(subs.text).digest('hex'),
    fetchedAt: 0,
  };
}

const ctx = (): StageContext => ({
  signal: new AbortController().signal,
  clock: new AdjustableClock(),
  logger: createLogger({ level: 'silent' }),
  progress: () => {},
  partials: memoryPartials('test', {}),
});

async function runAll(acquirer: ContentAcquirer) {
  const pipeline = createAnalysisPipeline({ acquirer, analysis: new InProcessAnalysisRunner() });
  const outputs: Record<string, unknown> = {};
  for (const stage of pipeline.stagesFor('deep')) {
    const outcome = await stage.run(
      { workflowId: 'wf-42', url: 'https://video.example/v', depth: 'deep', outputs },
      ctx(),
    );
    if (outcome.kind === 'failed') throw outcome.error;
    outputs[stage.name] = JSON.parse(JSON.stringify(outcome.output));
  }
  return ReportSchema.parse(outputs['report']);
}

function spansOf(v: unknown, out: Span[] = []): Span[] {
  if (Array.isArray(v)) for (const x of v) spansOf(x, out);
  else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o['start'] === 'number' && typeof o['end'] === 'number') out.push(o as unknown as Span);
    else for (const x of Object.values(o)) spansOf(x, out);
  }
  return out;
}

describe('pipeline with media', () => {
  it('passes the workflow id to the acquirer and releases the audio once transcription is done', async () => {
    const ids: (string | undefined)[] = [];
    const released: (string | null)[] = [];
    const acquirer: ContentAcquirer = {
      acquire: (source, c) => {
        ids.push(c.workflowId);
        return Promise.resolve(ok(mediaContent(source, '/data/media/wf-42-0123abcd/audio/audio.m4a', false)));
      },
      release: (content) => {
        released.push(content.media?.audioPath ?? null);
        return Promise.resolve();
      },
    };
    await runAll(acquirer);
    expect(ids).toEqual(['wf-42']);
    expect(released).toEqual(['/data/media/wf-42-0123abcd/audio/audio.m4a']);
  });

  it('gives every report item from a timed transcript the time it starts at', async () => {
    const report = await runAll({
      acquire: (source) => Promise.resolve(ok(mediaContent(source, null, true))),
    });
    const spans = spansOf(report.sections);
    expect(spans.length).toBeGreaterThan(5);
    const starts = LINES.map((_, i) => i * 60 + 10);
    for (const s of spans) {
      expect(s.startTime, JSON.stringify(s)).toBeDefined();
      expect(starts).toContain(s.startTime);
    }
  });
});
