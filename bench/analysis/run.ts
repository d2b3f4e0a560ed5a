// Analysis throughput: words/s and peak RSS per depth on CT19 debate transcripts, against a bare wink-nlp pass.
// Usage: node dist/bench/analysis/run.js [--transcripts N]   (each measurement runs in its own child process)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { Analyser } from '../../src/analysis/analyse/analyser.js';
import type { AcquiredContent } from '../../src/analysis/acquire/types.js';
import { DEPTHS, isDepth } from '../../src/core/stage.js';
import { defaultTrainingCsvPath } from '../../src/analysis/analyse/checkworthiness/paths.js';
import { loadCt19Transcripts, truncateTranscript } from './ct19.js';

const here = fileURLToPath(import.meta.url);
const TARGET_WORDS = 10_000;
const TARGET_MS = 1_500;

interface Measurement {
  readonly run: string;
  readonly words: number;
  readonly ms: number;
  /** CPU time of the same work: on a shared machine it moves far less than wall time. */
  readonly cpuMs: number;
  readonly peakRssMb: number;
}

const countWords = (text: string): number => text.split(/\s+/).filter((w) => w !== '').length;

function inputs(limit: number): { full: AcquiredContent[]; tenK: AcquiredContent } {
  const all = loadCt19Transcripts(defaultTrainingCsvPath()).map((t) => t.content);
  const full = all.slice(0, limit);
  const longest = [...all].sort((a, b) => b.text.length - a.text.length)[0]!;
  return { full, tenK: truncateTranscript(longest, TARGET_WORDS) };
}

/** One measurement, in this (child) process: warm the models up, then time the run. */
function measure(run: string, limit: number): Measurement {
  const { full, tenK } = inputs(limit);
  const warm = truncateTranscript(full[0]!, 500);
  let texts: AcquiredContent[] = full;
  let work: (c: AcquiredContent) => void;
  if (run === 'floor') {
    const nlp = winkNLP(model);
    work = (c) => {
      const doc = nlp.readDoc(c.text);
      doc.sentences().out();
      doc.tokens().out();
    };
  } else {
    const depthName = run.replace(/-10k$/, '');
    if (!isDepth(depthName)) throw new Error(`unknown run ${run}`);
    const analyser = new Analyser();
    work = (c) => void analyser.analyse(c, { depth: depthName, llmConfigured: false });
    if (run.endsWith('-10k')) texts = [tenK, tenK, tenK];
  }
  work(warm);
  let ms = 0;
  let cpuMs = 0;
  const times: [number, number][] = [];
  for (const c of texts) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    work(c);
    const dt = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const dc = (cpu.user + cpu.system) / 1000;
    times.push([dt, dc]);
    ms += dt;
    cpuMs += dc;
  }
  // The 10k run reports the median of three, the others the total over every transcript.
  if (run.endsWith('-10k')) {
    ms = [...times].sort((a, b) => a[0] - b[0])[1]![0];
    cpuMs = [...times].sort((a, b) => a[1] - b[1])[1]![1];
  }
  const words = run.endsWith('-10k')
    ? countWords(tenK.text)
    : texts.reduce((s, c) => s + countWords(c.text), 0);
  return { run, words, ms, cpuMs, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

function main(argv: readonly string[]): void {
  const limitArg = argv.indexOf('--transcripts');
  const limit = limitArg >= 0 ? Number(argv[limitArg + 1]) : 19;
  const child = argv.indexOf('--child');
  if (child >= 0) {
    process.stdout.write(JSON.stringify(measure(argv[child + 1]!, limit)));
    return;
  }
  const runs = ['floor', ...DEPTHS.filter((d) => d !== 'experimental'), 'deep-10k'];
  const results: Measurement[] = runs.map(
    (run) =>
      JSON.parse(
        execFileSync(process.execPath, [here, '--child', run, '--transcripts', String(limit)], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        }),
      ) as Measurement,
  );
  const floor = results[0]!;
  const floorRate = floor.words / (floor.ms / 1000);
  const { full } = inputs(limit);
  process.stdout.write(
    `Analysis benchmark: ${full.length} CT19 debate transcripts, ${floor.words.toLocaleString('en-US')} words; ` +
      `floor = wink-nlp readDoc + sentences + tokens over the same text, same run.\n\n`,
  );
  const floorCpuRate = floor.words / (floor.cpuMs / 1000);
  process.stdout.write(
    '| run | words | wall ms | words/s | × floor | CPU ms | words/CPU-s | × floor (CPU) | peak RSS MB |\n' +
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n',
  );
  for (const r of results) {
    const rate = r.words / (r.ms / 1000);
    const cpuRate = r.words / (r.cpuMs / 1000);
    process.stdout.write(
      `| ${r.run} | ${r.words} | ${r.ms.toFixed(0)} | ${rate.toFixed(0)} | ${(floorRate / rate).toFixed(1)} | ` +
        `${r.cpuMs.toFixed(0)} | ${cpuRate.toFixed(0)} | ${(floorCpuRate / cpuRate).toFixed(1)} | ${r.peakRssMb.toFixed(0)} |\n`,
    );
  }
  const tenK = results.find((r) => r.run === 'deep-10k')!;
  process.stdout.write(
    `\ndeep depth on a ${tenK.words}-word transcript: ${tenK.ms.toFixed(0)} ms wall, ${tenK.cpuMs.toFixed(0)} ms CPU ` +
      `(median of 3); target < ${TARGET_MS} ms: ${tenK.ms < TARGET_MS ? 'met' : 'NOT met'} on wall time, ` +
      `${tenK.cpuMs < TARGET_MS ? 'met' : 'NOT met'} on CPU time.\n`,
  );
}

main(process.argv.slice(2));
