// Trains the check-worthiness ranker on the whole CT19 training split, with the configuration chosen by
// leave-one-document-out selection (bench/checkworthiness), and writes models/checkworthiness.json.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { groupCt19Documents, readCt19Csv } from '../src/analysis/analyse/checkworthiness/csv.js';
import { SentenceAnalyser } from '../src/analysis/analyse/checkworthiness/nlp.js';
import { defaultModelPath, defaultTrainingCsvPath } from '../src/analysis/analyse/checkworthiness/paths.js';
import { SHIPPED_CANDIDATE, findCandidate } from '../src/analysis/analyse/checkworthiness/selection.js';
import {
  buildModelFile,
  prepareDocuments,
  trainOnPrepared,
} from '../src/analysis/analyse/checkworthiness/train.js';

function option(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

function main(argv: readonly string[]): number {
  if (argv.includes('--help')) {
    console.log(
      'usage: train-checkworthiness.js [--csv CT19-T1-Training.csv] [--out models/checkworthiness.json] ' +
        `[--candidate NAME (default ${SHIPPED_CANDIDATE})]`,
    );
    return 0;
  }
  const csvPath = path.resolve(option(argv, '--csv') ?? defaultTrainingCsvPath());
  const outPath = path.resolve(option(argv, '--out') ?? defaultModelPath());
  const text = readFileSync(csvPath, 'utf8');
  const rows = readCt19Csv(text);
  const documents = groupCt19Documents(rows);
  const candidate = findCandidate(option(argv, '--candidate') ?? SHIPPED_CANDIDATE);
  const { config, options } = candidate;
  const prepared = prepareDocuments(documents, new SentenceAnalyser(), config);
  const weights = trainOnPrepared(prepared, config, options);
  const model = buildModelFile({
    weights,
    config,
    options,
    candidate: candidate.name,
    data: {
      file: path.basename(csvPath),
      sha256: createHash('sha256').update(text).digest('hex'),
      documents: documents.length,
      sentences: rows.length,
      positives: rows.filter((r) => r.label === 1).length,
    },
  });
  mkdirSync(path.dirname(outPath), { recursive: true });
  const json = JSON.stringify(model) + '\n';
  writeFileSync(outPath, json);
  console.log(
    `wrote ${outPath}: ${model.version} (${candidate.name}), ${(json.length / 1024).toFixed(0)} KiB, ` +
      `${rows.length} sentences / ${documents.length} documents / ${model.training.data.positives} positive`,
  );
  console.log(
    `strongest named features: ${model.topDenseWeights
      .slice(0, 12)
      .map(([n, w]) => `${n} ${w}`)
      .join(', ')}`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
