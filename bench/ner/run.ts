// NER quality: entity-level P/R/F1 per type of the shipped model on the CoNLL++ dev split, next to a
// compromise-only baseline (people/places/organisations; it has no MISC) scored in the same run.
// Usage: npm run build && node dist/bench/ner/run.js [--eval file.conll]   (the last line is always "F1 0.xxx")
import { existsSync, readFileSync } from 'node:fs';
import nlp from 'compromise';
import {
  ENTITY_TYPES,
  parseConll,
  scoreEntities,
  type ConllSentence,
  type Prf,
} from '../../src/analysis/analyse/ner/conll.js';
import { loadNerModel } from '../../src/analysis/analyse/ner/model.js';
import { conllPath, defaultNerModelPath } from '../../src/analysis/analyse/ner/paths.js';
import { docCapsOf } from '../../src/analysis/analyse/ner/train.js';

interface CompromiseMatch {
  terms: { offset: { start: number; length: number } }[];
}

/** compromise over the sentence joined with spaces; its matches mapped back to token ranges. */
function compromiseTags(s: ConllSentence): string[] {
  const starts: number[] = [];
  let text = '';
  for (const t of s.tokens) {
    if (text !== '') text += ' ';
    starts.push(text.length);
    text += t;
  }
  const tags = s.tokens.map(() => 'O');
  const doc = nlp(text);
  const kinds: [string, CompromiseMatch[]][] = [
    ['ORG', doc.organizations().json({ offset: true }) as CompromiseMatch[]],
    ['LOC', doc.places().json({ offset: true }) as CompromiseMatch[]],
    ['PER', doc.people().json({ offset: true }) as CompromiseMatch[]],
  ];
  const tokenAt = (offset: number): number => {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1]! <= offset) i++;
    return i;
  };
  for (const [type, matches] of kinds) {
    for (const m of matches) {
      const first = m.terms[0];
      const last = m.terms[m.terms.length - 1];
      if (!first || !last) continue;
      const a = tokenAt(first.offset.start);
      const b = tokenAt(last.offset.start + Math.max(0, last.offset.length - 1));
      if (tags.slice(a, b + 1).some((t) => t !== 'O')) continue;
      for (let i = a; i <= b; i++) tags[i] = `${i === a ? 'B' : 'I'}-${type}`;
    }
  }
  return tags;
}

const pct = (x: number): string => (100 * x).toFixed(1);
const row = (name: string, p: Prf | undefined): string =>
  p === undefined
    ? `| ${name} | – | – | – | 0 |`
    : `| ${name} | ${pct(p.precision)} | ${pct(p.recall)} | ${pct(p.f1)} | ${p.gold} |`;

function main(argv: readonly string[]): void {
  const at = argv.indexOf('--eval');
  const file = at >= 0 ? argv[at + 1] : conllPath('dev');
  if (file === undefined || !existsSync(file)) {
    process.stdout.write(
      `No CoNLL file at ${file ?? '(none given)'}: this benchmark needs the shared corpus's ner/ split or --eval <file>.\n`,
    );
    process.exitCode = 2;
    return;
  }
  const sentences = parseConll(readFileSync(file, 'utf8'));
  const model = loadNerModel(defaultNerModelPath());
  const caps = docCapsOf(sentences);
  const gold = sentences.map((s) => s.tags);
  const t0 = performance.now();
  const ours = scoreEntities(
    gold,
    sentences.map((s) => model.tag(s.tokens, caps.get(s.doc)!)),
  );
  const ms = performance.now() - t0;
  const tokens = sentences.reduce((n, s) => n + s.tokens.length, 0);
  process.stdout.write(
    `NER benchmark on ${file}: ${sentences.length} sentences, ${tokens} tokens; model ${model.version}\n`,
  );
  process.stdout.write(`tagging: ${Math.round(tokens / (ms / 1000))} tokens/s\n\n`);
  if (at < 0) {
    const base = scoreEntities(gold, sentences.map(compromiseTags));
    process.stdout.write(
      '| type | model P | model R | model F1 | compromise P | compromise R | compromise F1 | gold |\n|---|---:|---:|---:|---:|---:|---:|---:|\n',
    );
    for (const t of [...ENTITY_TYPES, 'all'] as const) {
      const a = t === 'all' ? ours.overall : ours.byType[t];
      const b = t === 'all' ? base.overall : base.byType[t];
      const cell = (p: Prf | undefined): string =>
        p === undefined ? '– | – | –' : `${pct(p.precision)} | ${pct(p.recall)} | ${pct(p.f1)}`;
      process.stdout.write(`| ${t} | ${cell(a)} | ${cell(b)} | ${a?.gold ?? b?.gold ?? 0} |\n`);
    }
    process.stdout.write(
      `\nmodel F1 / compromise F1 = ${(ours.overall.f1 / Math.max(1e-9, base.overall.f1)).toFixed(2)}; goal F1 ≥ 0.85 on dev: ${ours.overall.f1 >= 0.85 ? 'met' : 'NOT met'}\n`,
    );
  } else {
    process.stdout.write('| type | P | R | F1 | gold |\n|---|---:|---:|---:|---:|\n');
    for (const t of ENTITY_TYPES) process.stdout.write(`${row(t, ours.byType[t])}\n`);
  }
  process.stdout.write(`F1 ${ours.overall.f1.toFixed(3)}\n`);
}

main(process.argv.slice(2));
