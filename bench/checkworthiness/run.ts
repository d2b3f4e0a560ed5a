// Benchmark of the check-worthiness ranker: nested leave-one-document-out MAP / P@10 / P@30 on CT19, with the spread
// across documents and baselines measured in the same run, or (--eval) the shipped model on any file in CT19 format.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { positiveArg } from '../args.js';
import { groupCt19Documents, readCt19Csv } from '../../src/analysis/analyse/checkworthiness/csv.js';
import type { Ct19Document } from '../../src/analysis/analyse/checkworthiness/csv.js';
import { loadCheckworthinessRanker } from '../../src/analysis/analyse/checkworthiness/index.js';
import { summariseRanking } from '../../src/analysis/analyse/checkworthiness/metrics.js';
import type { RankedDocument, RankingSummary } from '../../src/analysis/analyse/checkworthiness/metrics.js';
import { seededRandom } from '../../src/analysis/analyse/checkworthiness/model.js';
import { SentenceAnalyser } from '../../src/analysis/analyse/checkworthiness/nlp.js';
import {
  defaultModelPath,
  defaultTrainingCsvPath,
} from '../../src/analysis/analyse/checkworthiness/paths.js';
import {
  CANDIDATES,
  SHIPPED_CANDIDATE,
  findCandidate,
  nestedLeaveOneDocumentOut,
  sampleSd,
} from '../../src/analysis/analyse/checkworthiness/selection.js';
import { analyseDocuments } from '../../src/analysis/analyse/checkworthiness/train.js';

/** Debates are named after their format in CT19 file names; everything else is a speech or press event. */
const DEBATE_FILE = /(dem|gop|\dpres|vice_pres)\.tsv$/;

const f3 = (x: number): string => x.toFixed(3);

function printSummary(label: string, s: RankingSummary): void {
  console.log(`${label}MAP ${f3(s.map)}`);
  console.log(`${label}P@10 ${f3(s.p10)}`);
  console.log(`${label}P@30 ${f3(s.p30)}`);
}

/** Per-document AP of a random order, averaged over seeded shuffles (its expectation is about the positive rate). */
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
  const avg = (pick: (s: RankingSummary) => number): number => runs.reduce((a, s) => a + pick(s), 0) / trials;
  return {
    map: avg((s) => s.map),
    p10: avg((s) => s.p10),
    p30: avg((s) => s.p30),
    perDocument: docs.map((d, i) => ({
      id: d.fileName,
      ap: avg((s) => s.perDocument[i]?.ap ?? 0),
      p10: avg((s) => s.perDocument[i]?.p10 ?? 0),
      p30: avg((s) => s.perDocument[i]?.p30 ?? 0),
    })),
  };
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

/**
 * One line of figures for a ranking: MAP with the spread of per-document AP (sample sd, min, max), MAP over the
 * debates and over the speeches, and the precision means.
 */
function printSpread(label: string, s: RankingSummary): void {
  const aps = s.perDocument.map((d) => d.ap);
  const debates = s.perDocument.filter((d) => DEBATE_FILE.test(d.id)).map((d) => d.ap);
  const speeches = s.perDocument.filter((d) => !DEBATE_FILE.test(d.id)).map((d) => d.ap);
  const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(
    `${label.padEnd(26)} MAP ${f3(s.map)}  sd ${f3(sampleSd(aps))}  min ${f3(Math.min(...aps))}  max ${f3(Math.max(...aps))}` +
      `  | debates (${debates.length}) ${f3(avg(debates))} sd ${f3(sampleSd(debates))}` +
      `  speeches (${speeches.length}) ${f3(avg(speeches))} sd ${f3(sampleSd(speeches))}` +
      `  | P@10 ${f3(s.p10)}  P@30 ${f3(s.p30)}`,
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

function crossValidate(
  csvPath: string,
  candidateNames: readonly string[] | undefined,
  seed: number | undefined,
): number {
  const started = performance.now();
  const { docs } = loadDocuments(csvPath);
  const listed =
    candidateNames === undefined ? CANDIDATES : candidateNames.map((name) => findCandidate(name));
  // Another training seed shows how much of a figure is the luck of one SGD run.
  const candidates =
    seed === undefined ? listed : listed.map((c) => ({ ...c, options: { ...c.options, seed } }));
  if (seed !== undefined) console.log(`training seed ${seed} for every candidate`);
  const analysed = analyseDocuments(docs, new SentenceAnalyser());
  const analysedAt = performance.now();
  const sentences = analysed.reduce((a, d) => a + d.labels.length, 0);
  console.log(
    `CT19 training split: ${docs.length} documents (${docs.filter((d) => DEBATE_FILE.test(d.fileName)).length} debates), ${sentences} sentences`,
  );
  console.log('candidates (in order of preference when they tie within the noise):');
  for (const c of candidates) console.log(`  ${c.name.padEnd(18)} ${c.why}`);
  const result = nestedLeaveOneDocumentOut(analysed, candidates, (m) => console.log(`  trained ${m}`));
  const done = performance.now();

  console.log(
    '\nleave-one-document-out per candidate (not nested: these figures are what selection looks at)',
  );
  for (const r of result.candidates) printSpread(r.candidate.name, summariseRanking(r.lodo));

  const nested = summariseRanking(result.outer);
  console.log(
    '\nnested leave-one-document-out: each document scored by the candidate chosen without it, trained without it',
  );
  printSpread('ranker (nested)', nested);
  printSpread('baseline has-a-number', numberHeuristic(docs));
  printSpread('baseline random (200 runs)', randomBaseline(docs, 200));
  const counts = new Map<string, number>();
  for (const d of result.outer) counts.set(d.chosen, (counts.get(d.chosen) ?? 0) + 1);
  console.log(
    `chosen in the ${result.outer.length} outer folds: ${[...counts].map(([n, k]) => `${n} ×${k}`).join(', ')}`,
  );
  console.log(
    `chosen over all ${docs.length} documents: ${result.chosenOnAll}` +
      (result.chosenOnAll === SHIPPED_CANDIDATE
        ? ' (the shipped configuration)'
        : ` — differs from the shipped configuration ${SHIPPED_CANDIDATE}; retrain with --candidate ${result.chosenOnAll}`),
  );
  console.log(
    '\nper-file AP (nested ranker, candidate chosen without the file and its inner MAP | has-a-number | positives/sentences)',
  );
  const numbers = numberHeuristic(docs);
  nested.perDocument.forEach((d, i) => {
    const doc = result.outer[i];
    const pos = doc?.labels.filter((l) => l === 1).length ?? 0;
    console.log(
      `AP ${f3(d.ap)}  P@10 ${f3(d.p10)}  ${(doc?.chosen ?? '').padEnd(18)} ${f3(doc?.innerMap[result.candidates.findIndex((r) => r.candidate.name === doc.chosen)] ?? 0)}` +
        ` | ${f3(numbers.perDocument[i]?.ap ?? 0)}  ` +
        `${DEBATE_FILE.test(d.id) ? 'debate ' : 'speech '} ${d.id}  (${pos}/${doc?.labels.length ?? 0})`,
    );
  });
  console.log(`MAP ${f3(nested.map)}`);
  console.log();
  scoringSpeed(docs);
  console.log(
    `time: analysis ${((analysedAt - started) / 1000).toFixed(1)} s, ${candidates.length} candidates × ` +
      `${(docs.length * (docs.length + 1)) / 2} trainings ${((done - analysedAt) / 1000).toFixed(0)} s`,
  );
  return 0;
}

function main(argv: readonly string[]): number {
  const evalAt = argv.indexOf('--eval');
  if (evalAt >= 0) {
    const file = argv[evalAt + 1];
    if (file === undefined) {
      console.error(
        'usage: run.js [--csv training.csv] [--candidates a,b] [--seed N] [--speed] | --eval file.csv',
      );
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
  const candidatesAt = argv.indexOf('--candidates');
  const names =
    candidatesAt >= 0 ? (argv[candidatesAt + 1] ?? '').split(',').filter((x) => x !== '') : undefined;
  const seed = argv.includes('--seed') ? positiveArg('seed', 1) : undefined;
  return crossValidate(csv === undefined ? defaultTrainingCsvPath() : path.resolve(csv), names, seed);
}

process.exitCode = main(process.argv.slice(2));
