// A child process for the kill -9 test: runs the llm stage over a long text with partials kept in a file that
// is written (and fsynced) before each save resolves, as the engine's store does; prints the section at the end.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { OpenAiCompatibleClient } from '../../src/analysis/llm/client.js';
import { loadPrompts } from '../../src/analysis/llm/prompts.js';
import { LlmStage } from '../../src/analysis/llm/stage.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import type { StagePartials } from '../../src/core/stage.js';
import { MemoryLlmLedger } from '../../src/store/llm-ledger.js';

const url = process.env['CHAT_URL']!;
const file = process.env['PARTIALS_FILE']!;
const text = readFileSync(process.env['TEXT_FILE']!, 'utf8');

const stored: Record<string, unknown> = existsSync(file)
  ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
  : {};
const partials: StagePartials = {
  load: (key) => stored[key],
  save: (key, value) => {
    stored[key] = value;
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, JSON.stringify(stored));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
    return Promise.resolve();
  },
};

const clock = new SystemClock();
const stage = new LlmStage({
  client: new OpenAiCompatibleClient({
    providers: [{ model: 'model-a', baseUrl: url, apiKey: undefined, contextTokens: 1_030, price: null }],
    clock,
    logger: createLogger({ level: 'silent' }),
    jsonMode: 'json_schema',
    timeoutMs: 60_000,
    maxRetries: 0,
  }),
  // In memory on purpose: after the kill only the partials can save the finished chunks.
  ledger: new MemoryLlmLedger(),
  prompts: loadPrompts(),
  budgets: {
    usd: { standard: 10, deep: 10, comprehensive: 10, experimental: 10 },
    tokens: { standard: 1e7, deep: 1e7, comprehensive: 1e7, experimental: 1e7 },
    guildDailyUsd: 0,
  },
  concurrency: 2,
  maxOutputTokens: 256,
});
const out = await stage.run(
  {
    workflowId: 'wf-kill',
    depth: 'standard',
    content: {
      kind: 'article',
      source: 'file:long.txt',
      finalUrl: 'file:long.txt',
      title: 'Long text',
      byline: null,
      siteName: null,
      publishedTime: null,
      language: 'en',
      text,
      segments: null,
      media: null,
      notes: [],
      contentHash: 'h',
      fetchedAt: 0,
    },
    offlineClaims: [],
  },
  { signal: new AbortController().signal, clock, partials, progress: () => {} },
);
process.stdout.write(`${JSON.stringify(out.section)}\n`);
