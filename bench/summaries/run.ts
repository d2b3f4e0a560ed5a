// Summary quality: ROUGE-1/2/L F1 of the analyser's summary against Lead-3 and a plain TextRank from the same run,
// on BBC News (extractive references), XSum (one-sentence abstractive references) and QMSum meetings; plus the
// repeat pairs per summary and the page furniture that reaches the report from the 32 shared article pages.
// Usage: npm run build && node dist/bench/summaries/run.js [--limit N]
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AcquiredContent } from '../../src/analysis/acquire/types.js';
import { readQmsumMeetings, textContent } from '../analysis/transcripts.js';
import { Analyser } from '../../src/analysis/analyse/analyser.js';
import { contentTerms, EnglishParser } from '../../src/analysis/analyse/document.js';
import { repeatPairs } from '../../src/analysis/analyse/redundancy.js';
import { rankSentences } from '../../src/analysis/analyse/textrank.js';
import { packageRoot } from '../../src/core/paths.js';
import { isMissing } from '../../src/analysis/report.js';
import { rouge, type RougeScores } from './rouge.js';
import { furnitureReport } from './furniture.js';

const corpus = path.resolve(packageRoot(), '..', 'shared', 'corpus');

interface Sample {
  readonly id: string;
  readonly content: AcquiredContent;
  /** Where the body starts: BBC articles open with their headline line, which Lead-3 skips. */
  readonly bodyStart: number;
  readonly reference: string;
}

const contentOf = (id: string, text: string): AcquiredContent => textContent(id, text, null);

const jsonl = (file: string): Record<string, string>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, string>);

function bbc(limit: number): Sample[] {
  return jsonl(path.join(corpus, 'summaries', 'bbc-dev.jsonl'))
    .slice(0, limit)
    .map((r) => {
      const text = r['article']!.trim();
      const nl = text.indexOf('\n');
      return {
        id: r['id']!,
        content: contentOf(r['id']!, text),
        bodyStart: nl < 0 ? 0 : nl,
        reference: r['summary']!,
      };
    });
}

function xsum(limit: number): Sample[] {
  return jsonl(path.join(corpus, 'summaries', 'xsum-dev.jsonl'))
    .slice(0, limit)
    .map((r) => ({
      id: r['id']!,
      content: contentOf(r['id']!, r['document']!.trim()),
      bodyStart: 0,
      reference: r['summary']!,
    }));
}

function meetings(limit: number): Sample[] {
  return readQmsumMeetings(path.join(corpus, 'meetings'), limit)
    .map((m) => ({ id: m.file, content: m.content, bodyStart: 0, reference: m.reference }))
    .filter((s) => s.reference !== '');
}

interface Row {
  name: string;
  scores: RougeScores[];
  repeats: number[];
  words: number[];
}

const mean = (xs: readonly number[]): number =>
  xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;

function evaluate(
  label: string,
  samples: readonly Sample[],
  analyser: Analyser,
  parser: EnglishParser,
  withChapters = false,
): void {
  const names = ['Lead-3', 'TextRank', 'autointel', 'autointel TL;DR only'];
  if (withChapters) names.push('autointel chapter summaries');
  const chapterCounts: number[] = [];
  const rows: Row[] = names.map((name) => ({
    name,
    scores: [],
    repeats: [],
    words: [],
  }));
  const add = (row: Row, sentences: readonly string[], reference: string): void => {
    const text = sentences.join(' ');
    row.scores.push(rouge(text, reference));
    row.repeats.push(repeatPairs(sentences));
    row.words.push(text.split(/\s+/).filter((w) => w !== '').length);
  };
  for (const s of samples) {
    const out = analyser.analyse(s.content, { depth: 'standard', llmConfigured: false });
    const summary = isMissing(out.sections.summary) ? [] : out.sections.summary.items;
    const doc = parser.parse(s.content.text, {
      segments: s.content.segments,
      lineBreaksEndSentences:
        s.content.segments === null || s.content.segments.some((x) => x.speaker !== null),
    });
    const sentence = (i: number): string =>
      s.content.text.slice(doc.sentences[i]!.start, doc.sentences[i]!.end);
    const body = doc.sentences.filter((x) => x.start >= s.bodyStart).map((x) => x.index);
    add(rows[0]!, body.slice(0, 3).map(sentence), s.reference);
    // Plain TextRank: as many sentences as the analyser shows (TL;DR included), by centrality alone.
    const { scores } = rankSentences(doc.sentences.map((x) => contentTerms(doc, x)));
    const k = Math.max(1, summary.length);
    const top = [...body]
      .sort((a, b) => scores[b]! - scores[a]! || a - b)
      .slice(0, k)
      .sort((a, b) => a - b);
    add(rows[1]!, top.map(sentence), s.reference);
    add(
      rows[2]!,
      summary.map((x) => x.text),
      s.reference,
    );
    const tldr = summary.find((x) => x.tldr === true) ?? summary[0];
    add(rows[3]!, tldr === undefined ? [] : [tldr.text], s.reference);
    if (withChapters) {
      // The comprehensive report's chapters, each with its own summary: read in order, they summarise the whole.
      const deep = analyser.analyse(s.content, { depth: 'comprehensive', llmConfigured: false });
      const chapters = deep.sections.chapters;
      const items = chapters === undefined || isMissing(chapters) ? [] : chapters.items;
      chapterCounts.push(items.length);
      add(
        rows[4]!,
        items.flatMap((c) => (c.summary ?? []).map((x) => x.text)),
        s.reference,
      );
    }
  }
  const pct = (x: number): string => (100 * x).toFixed(2);
  process.stdout.write(
    `\n${label} (${samples.length} documents)\n\n| system | ROUGE-1 F1 | ROUGE-2 F1 | ROUGE-L F1 | repeat pairs / summary | words |\n|---|---:|---:|---:|---:|---:|\n`,
  );
  const lead = rows[0]!;
  for (const r of rows) {
    const r2 = mean(r.scores.map((x) => x.r2));
    process.stdout.write(
      `| ${r.name} | ${pct(mean(r.scores.map((x) => x.r1)))} | ${pct(r2)} | ${pct(mean(r.scores.map((x) => x.rl)))} | ` +
        `${mean(r.repeats).toFixed(3)} | ${mean(r.words).toFixed(0)} |\n`,
    );
    void lead;
  }
  if (withChapters)
    process.stdout.write(
      `chapters per meeting: mean ${mean(chapterCounts).toFixed(1)}, min ${Math.min(...chapterCounts)}, max ${Math.max(...chapterCounts)}\n`,
    );
  const ours = rows[2]!;
  const r2Ratio = mean(ours.scores.map((x) => x.r2)) / Math.max(1e-9, mean(lead.scores.map((x) => x.r2)));
  process.stdout.write(
    `autointel ROUGE-2 / Lead-3 ROUGE-2 = ${r2Ratio.toFixed(3)}; summaries with a repeat pair: ${ours.repeats.filter((x) => x > 0).length}\n`,
  );
}

function main(argv: readonly string[]): void {
  if (argv.includes('--furniture-only')) {
    furnitureReport(path.join(corpus, 'articles'), new Analyser());
    return;
  }
  const at = argv.indexOf('--limit');
  const limit = at >= 0 ? Number(argv[at + 1]) : Infinity;
  if (!existsSync(corpus)) {
    process.stdout.write(
      `The shared corpus is not at ${corpus}: this benchmark needs its summaries/, meetings/ and articles/.\n`,
    );
    process.exitCode = 2;
    return;
  }
  const analyser = new Analyser();
  const parser = new EnglishParser();
  process.stdout.write(
    'Summary benchmark: ROUGE F1 (%, lower-cased tokens, no stemming); Lead-3 and TextRank from the same run.\n',
  );
  evaluate('BBC News dev (extractive references)', bbc(limit), analyser, parser);
  evaluate('XSum dev (one-sentence abstractive references)', xsum(limit), analyser, parser);
  evaluate('QMSum meetings (whole-meeting reference summaries)', meetings(limit), analyser, parser, true);
  furnitureReport(path.join(corpus, 'articles'), analyser);
}

main(process.argv.slice(2));
