// Model stage cost: calls, tokens and estimated USD per depth on the shared corpus (articles, summaries, meetings),
// against the pre-flight estimate and the source's own token count measured in the same run. With a real endpoint
// configured it also scores the model TL;DR with ROUGE-1/2/L against the offline summary and Lead-3.
// Usage: node dist/bench/llm/run.js [--docs N] [--depths standard,deep] [--rouge N]
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { extractArticle } from '../../src/analysis/acquire/html.js';
import type { AcquiredContent } from '../../src/analysis/acquire/types.js';
import { InProcessAnalysisRunner } from '../../src/analysis/analyse/in-process.js';
import { countTokens } from '../../src/analysis/llm/chunking.js';
import { createLlmStage, providersFrom } from '../../src/analysis/llm/index.js';
import type { LlmStageOutput } from '../../src/analysis/llm/stage.js';
import { isMissing } from '../../src/analysis/report.js';
import { loadConfig } from '../../src/config/config.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { packageRoot } from '../../src/core/paths.js';
import { memoryPartials, type Depth } from '../../src/core/stage.js';
import { MemoryLlmLedger } from '../../src/store/llm-ledger.js';
import {
  completion,
  groundedAnswer,
  startChatServer,
  type ChatServer,
} from '../../test/support/chat-server.js';

const CORPUS = path.resolve(packageRoot(), '..', 'shared', 'corpus');
/** Used only with the scripted server when no price is configured, so the cost column means something. */
const EXAMPLE_PRICE = { model: 'gpt-4o-mini', inputPerMTok: 0.15, outputPerMTok: 0.6 };

interface Doc {
  readonly corpus: 'articles' | 'xsum' | 'meetings';
  readonly content: AcquiredContent;
  readonly reference: string | null;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function content(text: string, title: string, source: string): AcquiredContent {
  return {
    kind: 'text',
    source,
    finalUrl: source,
    title,
    byline: null,
    siteName: null,
    publishedTime: null,
    language: 'en',
    text,
    segments: null,
    media: null,
    notes: [],
    contentHash: createHash('sha256').update(text).digest('hex'),
    fetchedAt: 0,
  };
}

function loadDocs(limit: number): Doc[] {
  const docs: Doc[] = [];
  const articles = path.join(CORPUS, 'articles');
  for (const name of readdirSync(articles).sort().slice(0, limit)) {
    const html = readFileSync(path.join(articles, name, 'source.html'), 'utf8');
    const a = extractArticle(html);
    if (a.text.trim() !== '')
      docs.push({
        corpus: 'articles',
        content: content(a.text, a.title ?? name, `articles/${name}`),
        reference: null,
      });
  }
  const xsum = readFileSync(path.join(CORPUS, 'summaries', 'xsum-dev.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
  for (const line of xsum.slice(0, limit)) {
    const r = JSON.parse(line) as { id: string; document: string; summary: string };
    docs.push({
      corpus: 'xsum',
      content: content(r.document, `xsum ${r.id}`, `xsum/${r.id}`),
      reference: r.summary,
    });
  }
  const meetings = path.join(CORPUS, 'meetings');
  for (const name of readdirSync(meetings).sort().slice(0, limit)) {
    const m = JSON.parse(readFileSync(path.join(meetings, name), 'utf8')) as {
      meeting_transcripts: { speaker: string; content: string }[];
      general_query_list: { query: string; answer: string }[];
    };
    const text = m.meeting_transcripts.map((t) => `${t.speaker}: ${t.content}`).join('\n\n');
    docs.push({
      corpus: 'meetings',
      content: content(text, name, `meetings/${name}`),
      reference: m.general_query_list[0]?.answer ?? null,
    });
  }
  return docs;
}

// ROUGE-N / ROUGE-L F1 on lower-cased word tokens (no stemming), as percentages.
const words = (s: string): string[] => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
function ngrams(ws: string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= ws.length; i++) {
    const k = ws.slice(i, i + n).join(' ');
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
const f1 = (overlap: number, a: number, b: number): number =>
  overlap === 0 ? 0 : (2 * (overlap / a) * (overlap / b)) / (overlap / a + overlap / b);
function rougeN(cand: string, ref: string, n: number): number {
  const c = ngrams(words(cand), n);
  const r = ngrams(words(ref), n);
  let overlap = 0;
  for (const [k, v] of c) overlap += Math.min(v, r.get(k) ?? 0);
  const cn = [...c.values()].reduce((a, b) => a + b, 0);
  const rn = [...r.values()].reduce((a, b) => a + b, 0);
  return 100 * f1(overlap, cn || 1, rn || 1);
}
function rougeL(cand: string, ref: string): number {
  const a = words(cand);
  const b = words(ref);
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const cur = [0];
    for (let j = 1; j <= b.length; j++)
      cur[j] = x === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    prev = cur;
  }
  return 100 * f1(prev[b.length]!, a.length || 1, b.length || 1);
}
const lead3 = (text: string): string =>
  text
    .split(/(?<=[.!?])\s+/)
    .slice(0, 3)
    .join(' ');

async function main(): Promise<void> {
  if (!existsSync(CORPUS)) {
    process.stdout.write(`bench/llm needs the shared corpus at ${CORPUS}; it is absent, nothing measured.\n`);
    return;
  }
  const limit = Number(arg('docs', '5'));
  const depths = arg('depths', 'standard,deep,comprehensive,experimental').split(',') as Depth[];
  const env = { ...process.env };
  const real = providersFrom(loadConfig(env));
  let server: ChatServer | null = null;
  if (!('providers' in real)) {
    // A scripted model: grounded answers, `usage` as a real server counts it (the prompt sent, the answer written).
    server = await startChatServer((req) => {
      const answer = groundedAnswer(req);
      const prompt = countTokens(req.body.messages.map((m) => m.content).join('\n'));
      return completion(answer, { usage: { prompt, completion: countTokens(answer) } });
    });
    env['AUTOINTEL_LLM_BASE_URL'] = server.url;
    env['AUTOINTEL_LLM_MODEL'] = EXAMPLE_PRICE.model;
    env['AUTOINTEL_LLM_PRICES'] ||=
      `${EXAMPLE_PRICE.model}=${EXAMPLE_PRICE.inputPerMTok}/${EXAMPLE_PRICE.outputPerMTok}`;
    process.stdout.write(
      `No model endpoint is configured (AUTOINTEL_LLM_BASE_URL/AUTOINTEL_LLM_MODEL): calls and tokens below come from a local scripted server that answers every request and reports usage; costs use ${env['AUTOINTEL_LLM_PRICES']} USD per 1M tokens. ROUGE needs a real endpoint and is skipped.\n\n`,
    );
  }
  const config = loadConfig(env);
  const docs = loadDocs(limit);
  const clock = new SystemClock();
  const logger = createLogger({ level: 'silent' });
  process.stdout.write(
    `context window ${config.llmContextWindows[config.llmModel!] ?? config.llmContextTokens} tokens; ${docs.length} documents (${limit} per corpus)\n`,
  );
  process.stdout.write(
    'depth          corpus    docs  calls  prompt_tok  compl_tok  usd_total  usd/doc  actual/estimate  prompt/source  stopped\n',
  );
  const tldrs = new Map<Doc, string>();
  for (const depth of depths) {
    for (const corpus of ['articles', 'xsum', 'meetings'] as const) {
      const group = docs.filter((d) => d.corpus === corpus);
      let calls = 0;
      let prompt = 0;
      let compl = 0;
      let usd = 0;
      let estimate = 0;
      let sourceTokens = 0;
      let stopped = 0;
      for (const d of group) {
        // A fresh ledger per document: nothing comes from the cache, every call is paid for.
        const stage = createLlmStage(config, { clock, logger, ledger: new MemoryLlmLedger() });
        const out: LlmStageOutput = await stage.run(
          { workflowId: `bench-${depth}-${d.content.source}`, depth, content: d.content, offlineClaims: [] },
          {
            signal: new AbortController().signal,
            clock,
            partials: memoryPartials('llm', {}),
            progress: () => {},
          },
        );
        sourceTokens += countTokens(d.content.text);
        const s = out.section;
        if (isMissing(s)) {
          stopped++;
          continue;
        }
        calls += s.usage.calls;
        prompt += s.usage.promptTokens;
        compl += s.usage.completionTokens;
        usd += s.usage.costUsd;
        estimate += s.budget.estimateUsd;
        if (s.budget.stopped !== null) stopped++;
        const tldr = s.items.find((i) => i.kind === 'tldr');
        if (depth === depths[0] && tldr !== undefined) tldrs.set(d, tldr.text);
      }
      const n = Math.max(1, group.length);
      process.stdout.write(
        `${depth.padEnd(14)} ${corpus.padEnd(9)} ${String(group.length).padStart(4)} ${String(calls).padStart(6)} ${String(prompt).padStart(11)} ${String(compl).padStart(10)} ${usd.toFixed(4).padStart(10)} ${(usd / n).toFixed(4).padStart(8)} ${(estimate > 0 ? usd / estimate : 0).toFixed(2).padStart(16)} ${(sourceTokens > 0 ? prompt / sourceTokens : 0).toFixed(2).padStart(14)} ${String(stopped).padStart(8)}\n`,
      );
    }
  }
  process.stdout.write(
    '\nactual/estimate: spend over the pre-flight estimate (≤ 1 means the budget check is conservative); prompt/source: prompt tokens sent per source token (prompt text, overlap and the reduce step).\n',
  );

  if (server === null) {
    const rougeDocs = docs.filter((d) => d.reference !== null && d.corpus !== 'articles');
    const runner = new InProcessAnalysisRunner();
    process.stdout.write(
      '\nROUGE F1 (%) against the references, same documents, same run\ncorpus    system     R-1    R-2    R-L\n',
    );
    for (const corpus of ['xsum', 'meetings'] as const) {
      const rows: Record<string, number[][]> = { model: [], offline: [], lead3: [] };
      for (const d of rougeDocs.filter((x) => x.corpus === corpus)) {
        const ref = d.reference!;
        const analysis = await runner.analyse(
          d.content,
          { depth: 'standard', llmConfigured: true },
          { signal: new AbortController().signal },
        );
        const offline = isMissing(analysis.sections.summary)
          ? ''
          : analysis.sections.summary.items.map((i) => i.text).join(' ');
        const score = (c: string): number[] => [rougeN(c, ref, 1), rougeN(c, ref, 2), rougeL(c, ref)];
        rows['model']!.push(score(tldrs.get(d) ?? ''));
        rows['offline']!.push(score(offline));
        rows['lead3']!.push(score(lead3(d.content.text)));
      }
      for (const [system, scores] of Object.entries(rows)) {
        const mean = (i: number): string =>
          (scores.reduce((a, s) => a + s[i]!, 0) / Math.max(1, scores.length)).toFixed(1).padStart(6);
        process.stdout.write(`${corpus.padEnd(9)} ${system.padEnd(8)} ${mean(0)} ${mean(1)} ${mean(2)}\n`);
      }
    }
  }
  await server?.close();
}

await main();
