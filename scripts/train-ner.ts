// Trains the named-entity tagger on the CoNLL++ training split, reports dev F1, and writes models/ner.bin.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConll, scoreEntities } from '../src/analysis/analyse/ner/conll.js';
import { parseModel, serialiseModel } from '../src/analysis/analyse/ner/model.js';
import { conllPath, defaultNerModelPath } from '../src/analysis/analyse/ner/paths.js';
import {
  DEFAULT_NER_TRAIN_OPTIONS,
  docCapsOf,
  headerFor,
  trainNer,
} from '../src/analysis/analyse/ner/train.js';

function option(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

function main(argv: readonly string[]): number {
  if (argv.includes('--help')) {
    console.log(
      'usage: train-ner.js [--train conllpp_train.txt] [--dev conllpp_dev.txt] [--out models/ner.bin] [--epochs N]',
    );
    return 0;
  }
  const trainPath = path.resolve(option(argv, '--train') ?? conllPath('train'));
  const devPath = path.resolve(option(argv, '--dev') ?? conllPath('dev'));
  const outPath = path.resolve(option(argv, '--out') ?? defaultNerModelPath());
  const epochs = Number(option(argv, '--epochs') ?? DEFAULT_NER_TRAIN_OPTIONS.epochs);
  const options = { ...DEFAULT_NER_TRAIN_OPTIONS, epochs };
  const train = parseConll(readFileSync(trainPath, 'utf8'));
  console.log(`training on ${train.length} sentences from ${path.basename(trainPath)}`);
  const rows = trainNer(train, options, (l) => console.log(l));
  // The dev split scores the model as it will be shipped (pruned and quantised), not the in-memory weights.
  let file = serialiseModel(headerFor(rows, options, path.basename(trainPath), null), rows);
  const dev = parseConll(readFileSync(devPath, 'utf8'));
  const caps = docCapsOf(dev);
  const model = parseModel(file);
  const predicted = dev.map((s) => model.tag(s.tokens, caps.get(s.doc)!));
  const { overall } = scoreEntities(
    dev.map((s) => s.tags),
    predicted,
  );
  const devF1 = Math.round(overall.f1 * 10000) / 10000;
  file = serialiseModel(headerFor(rows, options, path.basename(trainPath), devF1), rows);
  mkdirSync(path.dirname(outPath), { recursive: true });
  writeFileSync(outPath, file);
  console.log(
    `dev entity F1 ${devF1.toFixed(4)}; ${rows.size} weight rows, ${(file.length / 1e6).toFixed(2)} MB → ${outPath}`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
