// Benchmark of the check-worthiness ranker: leave-one-debate-out MAP / P@10 / P@30 on CT19 against baselines
// measured in the same run, or (--eval) the shipped model on any file in the CT19 format.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { groupCt19Documents, readCt19Csv } from '../../src/analysis/analyse/checkworthiness/csv.js';
import type { Ct19Document } from '../../src/analysis/analyse/checkworthiness/csv.js';
import { defaultFeatureConfig } from '../../src/analysis/analyse/checkworthiness/features.js';
import { loadCheckworthinessRanker } from '../../src/analysis/analyse/checkworthiness/index.js';
import { summariseRanking } from '../../src/analysis/analyse/checkworthiness/metrics.js';
import type { RankedDocument, RankingSummary } from '../../src/analysis/analyse/checkworthiness/metrics.js';
import { DEFAULT_TRAIN_OPTIONS, seededRandom } from '../../src/analysis/analyse/checkworthiness/model.js';
import { SentenceAnalyser } from '../../src/analysis/analyse/checkworthiness/nlp.js';
import {
  defaultModelPath,
  defaultTrainingCsvPath,
} from '../../src/analysis/analyse/checkworthiness/paths.js';
import { leaveOneDocumentOut, prepareDocuments } from '../../src/analysis/analyse/checkworthiness/train.js';

/** Debates are named after their format in CT19 file names; everything else is a speech or press event. */
const DEBATE_FILE = /(dem|gop|\dpres|vice_pres)\.tsv$/;

const f3 = (x: number): string => x.toFixed(3);

function printSummary(label: string, s: RankingSummary): void {
  console.log(`${label}MAP ${f3(s.map)}`);
  console.log(`${label}P@10 ${f3(s.p10)}`);
  console.log(`${label}P@30 ${f3(s.p30)}`);
}

function randomBaseline(docs: readonly Ct19Document[], trials: number): RankingSummary {
  const rand = seededRandom(7);
  const runs = Array.from({ length: trials }, () =>
    summariseRanking(
      docs.map((d) => ({
        id: d.fileName,
        scores: d.rows.map(() => rand()),
        labels: d.rows.map((r) => r.label),
      })),
    ),
  );
  const mean = (pick: (s: RankingSummary) => number): number =>
    runs.reduce((a, s) => a + pick(s), 0) / trials;
  return { map: mean((s) => s.map), p10: mean((s) => s.p10), p30: mean((s) => s.p30), perDocument: [] };
}

/** "Has a number" heuristic: sentences with a digit or a number word first, longer ones first within each group. */
function numberHeuristic(docs: readonly Ct19Document[]): RankingSummary {
  const numberish = /\d|\b(percent|million|billion|trillion|thousand|hundred)\b/i;
  return summariseRanking(
    docs.map((d) => ({
      id: d.fileName,
      scores: d.rows.map((r) => (numberish.test(r.text) ? 1 : 0) + Math.min(r.text.length, 999) / 1000),
      labels: d.rows.map((r) => r.label),
    })),
  );
}

function loadDocuments(csvPath: string): { docs: Ct19Document[]; sha256: string } {
  const text = readFileSync(csvPath, 'utf8');
  return {
    docs: groupCt19Documents(readCt19Csv(text)),
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}

function evalShipped(csvPath: string): number {
  const { docs, sha256 } = loadDocuments(csvPath);
  const model = JSON.parse(readFileSync(defaultModelPath(), 'utf8')) as {
    training: { data: { sha256: string } };
  };
  if (model.training.data.sha256 === sha256) {
    console.log(
      'NOTE: this file is the one the shipped model was trained on; these are training-set scores.',
    );
  }
  const ranker = loadCheckworthinessRanker();
  console.log(`model ${ranker.version}; ${docs.length} documents from ${path.basename(csvPath)}`);
  const ranked: RankedDocument[] = docs.map((d) => ({
    id: d.fileName,
    scores: ranker.score(
      d.rows.map((r) => ({ text: r.text, speaker: r.speaker.trim() === '' ? null : r.speaker })),
    ),
    labels: d.rows.map((r) => r.label),
  }));
  const s = summariseRanking(ranked);
  printSummary('', s);
  for (const d of s.perDocument) console.log(`AP ${f3(d.ap)}  ${d.id}`);
  return 0;
}

/** Wall-clock and CPU milliseconds of `fn` (CPU time is less distorted by other processes on a busy machine). */
function timed(fn: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/**
 * Scoring time of the shipped ranker on a ~700-sentence transcript (about 10,000 words), the analyser's deep-depth
 * case: the first call in a fresh ranker (cold JIT) and the median of later calls, with the time spent in
 * wink-nlp analysis shown separately.
 */
function scoringSpeed(docs: readonly Ct19Document[]): void {
  const rows = docs.flatMap((d) => d.rows).slice(0, 700);
  const sentences = rows.map((r) => ({ text: r.text, speaker: r.speaker }));
  const words = rows.reduce((a, r) => a + r.text.split(/\s+/).length, 0);
  let ranker: ReturnType<typeof loadCheckworthinessRanker> | undefined;
  const load = timed(() => (ranker = loadCheckworthinessRanker()));
  if (ranker === undefined) return;
  const r = ranker;
  const cold = timed(() => r.score(sentences));
  const warm: { wall: number; cpu: number }[] = [];
  const analyseOnly: { wall: number; cpu: number }[] = [];
  const analyser = new SentenceAnalyser();
  for (let i = 0; i < 5; i++) {
    warm.push(timed(() => r.score(sentences)));
    analyseOnly.push(timed(() => sentences.forEach((s) => analyser.analyse(s.text))));
  }
  const median = (xs: { wall: number; cpu: number }[], k: 'wall' | 'cpu'): string =>
    ([...xs.map((x) => x[k])].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0).toFixed(0);
  console.log(
    `scoring ${sentences.length} sentences (${words} words), wall/CPU ms: load ${load.wall.toFixed(0)}/${load.cpu.toFixed(0)}, ` +
      `first call ${cold.wall.toFixed(0)}/${cold.cpu.toFixed(0)}, then median ${median(warm, 'wall')}/${median(warm, 'cpu')} ` +
      `(wink-nlp analysis alone ${median(analyseOnly, 'wall')}/${median(analyseOnly, 'cpu')})`,
  );
}

function crossValidate(csvPath: string): number {
  const started = performance.now();
  const { docs } = loadDocuments(csvPath);
  const config = defaultFeatureConfig();
  const prepared = prepareDocuments(docs, new SentenceAnalyser(), config);
  const featurised = performance.now();
  const ranked = leaveOneDocumentOut(prepared, config, DEFAULT_TRAIN_OPTIONS);
  const done = performance.now();
  const s = summariseRanking(ranked);
  console.log(
    `leave-one-document-out over ${docs.length} documents, ${prepared.reduce((a, d) => a + d.labels.length, 0)} sentences`,
  );
  printSummary('', s);
  const debates = summariseRanking(ranked.filter((d) => DEBATE_FILE.test(d.id)));
  const speeches = summariseRanking(ranked.filter((d) => !DEBATE_FILE.test(d.id)));
  printSummary(`debates (${debates.perDocument.length} files) `, debates);
  printSummary(`speeches and press events (${speeches.perDocument.length} files) `, speeches);
  printSummary('baseline random (mean of 200 seeded shuffles) ', randomBaseline(docs, 200));
  printSummary('baseline has-a-number ', numberHeuristic(docs));
  console.log('per-file AP (ranker | positives/sentences)');
  for (const d of s.perDocument) {
    const doc = ranked.find((r) => r.id === d.id);
    const pos = doc?.labels.filter((l) => l === 1).length ?? 0;
    console.log(`AP ${f3(d.ap)}  P@10 ${f3(d.p10)}  ${d.id}  (${pos}/${doc?.labels.length ?? 0})`);
  }
  scoringSpeed(docs);
  console.log(
    `time: features ${((featurised - started) / 1000).toFixed(1)} s, 19-fold training ${((done - featurised) / 1000).toFixed(1)} s`,
  );
  return 0;
}

function main(argv: readonly string[]): number {
  const evalAt = argv.indexOf('--eval');
  if (evalAt >= 0) {
    const file = argv[evalAt + 1];
    if (file === undefined) {
      console.error('usage: run.js [--csv training.csv] [--speed] | --eval file.csv');
      return 2;
    }
    return evalShipped(path.resolve(file));
  }
  const csvAt = argv.indexOf('--csv');
  const csv = csvAt >= 0 ? argv[csvAt + 1] : undefined;
  if (argv.includes('--speed')) {
    scoringSpeed(loadDocuments(csv === undefined ? defaultTrainingCsvPath() : path.resolve(csv)).docs);
    return 0;
  }
  return crossValidate(csv === undefined ? defaultTrainingCsvPath() : path.resolve(csv));
}

process.exitCode = main(process.argv.slice(2));
