// `autointel analyze <url|file>`: runs the whole analysis pipeline in this process and prints or writes the report.
import { createTranscription } from '../analysis/transcribe/engines.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAcquirer } from '../analysis/acquire/index.js';
import { AnalysisPool } from '../analysis/analyse/pool.js';
import { pooledBodyExtractor } from '../analysis/work/extractor.js';
import { ContentPool } from '../analysis/work/pool.js';
import { factCheckSearchFromConfig } from '../analysis/factcheck/index.js';
import { createAnalysisPipeline } from '../analysis/pipeline.js';
import { renderMarkdown } from '../analysis/render/markdown.js';
import { renderText } from '../analysis/render/text.js';
import { ReportSchema, type Report } from '../analysis/report.js';
import { createLlmStage } from '../analysis/llm/index.js';
import { MemoryLlmLedger } from '../store/llm-ledger.js';
import { SystemClock } from '../core/clock.js';
import { toAppError, type AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { createLogger } from '../core/logger.js';
import {
  DEPTHS,
  isDepth,
  memoryPartials,
  type Depth,
  type Pipeline,
  type StageContext,
} from '../core/stage.js';
import { ConfigError, loadConfig } from '../config/config.js';

const USAGE = `Usage: autointel analyze <url|file> [--depth ${DEPTHS.join('|')}] [--format md|json|text] [--out file]
                         [--episode <number|title>] [--allow-private-networks]

Analyses a web page, PDF, podcast feed, media link or local file offline and prints the report (Markdown by default).
Cross-references with earlier reports need the bot's store and are not looked up here.
For a podcast feed, --episode picks an episode by number or title (default: the newest).
Exit codes: 0 done, 2 bad input (usage, refused URL or file), 1 the analysis failed.
`;

/** Acquisition failures caused by what the user typed rather than by the network or the content. */
const BAD_INPUT_CODES = new Set([
  'acquire.invalid_url',
  'acquire.bad_scheme',
  'acquire.url_too_long',
  'acquire.credentials_in_url',
  'acquire.private_address',
  'acquire.file_not_found',
  'acquire.local_files_disabled',
]);

type Format = 'md' | 'json' | 'text';

interface Parsed {
  readonly source: string;
  readonly depth: Depth;
  readonly format: Format;
  readonly out: string | null;
  readonly episode: string | null;
  readonly allowPrivateNetworks: boolean;
}

export function parseAnalyzeArgs(
  args: readonly string[],
): { ok: true; value: Parsed } | { ok: false; message: string } {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        depth: { type: 'string', default: 'standard' },
        format: { type: 'string', default: 'md' },
        out: { type: 'string' },
        episode: { type: 'string' },
        'allow-private-networks': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e: unknown) {
    return { ok: false, message: toAppError(e).message };
  }
  if (values.help) return { ok: false, message: '' };
  if (positionals.length !== 1) return { ok: false, message: 'expected exactly one <url|file>' };
  const depth = values.depth;
  if (!isDepth(depth))
    return { ok: false, message: `--depth must be one of ${DEPTHS.join(', ')}, received '${depth}'` };
  const format = values.format;
  if (format !== 'md' && format !== 'json' && format !== 'text') {
    return { ok: false, message: `--format must be md, json or text, received '${format}'` };
  }
  return {
    ok: true,
    value: {
      source: positionals[0]!,
      depth,
      format,
      out: values.out ?? null,
      episode: values.episode ?? null,
      allowPrivateNetworks: values['allow-private-networks'],
    },
  };
}

export async function run(args: readonly string[]): Promise<number> {
  const parsed = parseAnalyzeArgs(args);
  if (!parsed.ok) {
    if (parsed.message !== '') process.stderr.write(`autointel analyze: ${parsed.message}\n\n`);
    process.stderr.write(USAGE);
    return parsed.message === '' ? 0 : 2;
  }
  const opts = parsed.value;
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e: unknown) {
    process.stderr.write(
      `autointel analyze: ${e instanceof ConfigError ? e.message : toAppError(e).message}\n`,
    );
    return 2;
  }
  const clock = new SystemClock();
  // Logs go to stderr so stdout carries only the report; quiet unless LOG_LEVEL asks for more.
  const logger = createLogger({
    level: process.env['LOG_LEVEL'] ? config.logLevel : 'warn',
    name: 'autointel-analyze',
    destination: process.stderr,
  });
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'autointel-analyze-'));
  // The same budgets as the bot: a hostile page or text stops at its deadline instead of hanging the command.
  const contentPool = new ContentPool({ clock, size: 1, heapMb: config.workerHeapMb });
  const analysis = new AnalysisPool({ pool: contentPool, deadlineMs: config.analysisTimeoutMs });
  const transcription = createTranscription(config, { clock, logger, workDir });
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  const progress = new ProgressLine(process.stderr);
  try {
    const acquirer = createAcquirer({
      clock,
      logger,
      allowPrivateNetworks: opts.allowPrivateNetworks || config.allowPrivateNetworks,
      maxBytes: config.maxContentBytes,
      ytDlpPath: config.ytDlpPath,
      ffmpegPath: config.ffmpegPath,
      workDir,
      allowLocalFiles: true,
      extractor: pooledBodyExtractor(contentPool, config.extractTimeoutMs),
      limits: {
        maxTextChars: config.maxTextChars,
        maxDomDepth: config.maxDomDepth,
        maxDomElements: config.maxDomElements,
      },
      maxMediaBytes: config.maxMediaBytes,
      maxMediaSeconds: config.maxMediaSeconds,
      ...(config.ytDlpCookies === undefined ? {} : { ytDlpCookies: config.ytDlpCookies }),
      ...(opts.episode === null ? {} : { episode: opts.episode }),
      // Audio is downloaded only when an engine can transcribe it.
      needsAudio: transcription.engine !== null,
    });
    const pipeline = createAnalysisPipeline({
      acquirer,
      analysis,
      transcription: transcription.engine,
      reportIndex: null,
      llmConfigured: config.llmBaseUrl !== undefined,
      // One-shot runs keep the model cache and spend in memory: no database is opened for `analyze`.
      llm: createLlmStage(config, { clock, logger, ledger: new MemoryLlmLedger() }),
      factCheckSearch: factCheckSearchFromConfig({ ...config, clock }),
    });
    const result = await runPipeline(pipeline, opts.source, opts.depth, {
      clock,
      logger,
      signal: controller.signal,
      onProgress: (stage, percent, message) =>
        progress.update(`${stage} ${percent}%${message ? ` ${message}` : ''}`),
    });
    progress.clear();
    if (!result.ok) {
      const e = result.error;
      process.stderr.write(`autointel analyze: ${e.userMessage} (${e.code})\n`);
      return BAD_INPUT_CODES.has(e.code) ? 2 : 1;
    }
    const rendered = render(result.value, opts.format);
    if (opts.out !== null) {
      await writeFile(opts.out, rendered, 'utf8');
      process.stderr.write(`Report written to ${opts.out}\n`);
    } else {
      process.stdout.write(rendered.endsWith('\n') ? rendered : `${rendered}\n`);
    }
    return 0;
  } catch (e: unknown) {
    progress.clear();
    process.stderr.write(`autointel analyze: ${toAppError(e).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    await contentPool.close();
    await transcription.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

function render(report: Report, format: Format): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  return format === 'text' ? renderText(report) : renderMarkdown(report);
}

/**
 * Runs a pipeline's stages in order in this process, keeping outputs in memory the way the workflow engine
 * keeps checkpoints. `onProgress` gets the overall percent, weighted by stage.
 */
export async function runPipeline(
  pipeline: Pipeline,
  url: string,
  depth: Depth,
  ctx: {
    readonly clock: StageContext['clock'];
    readonly logger: StageContext['logger'];
    readonly signal: AbortSignal;
    readonly onProgress?: (stage: string, percent: number, message: string | undefined) => void;
  },
): Promise<{ ok: true; value: Report } | { ok: false; error: AppError }> {
  const stages = pipeline.stagesFor(depth);
  const total = stages.reduce((s, x) => s + x.weight, 0);
  const outputs: Record<string, unknown> = {};
  const workflowId = newId();
  let done = 0;
  for (const stage of stages) {
    const base = done;
    const report = (fraction: number, message?: string): void => {
      const f = Math.max(0, Math.min(1, fraction));
      ctx.onProgress?.(stage.name, Math.round(((base + f * stage.weight) / total) * 100), message);
    };
    report(0);
    const outcome = await stage.run(
      { workflowId, url, depth, outputs },
      {
        signal: ctx.signal,
        clock: ctx.clock,
        logger: ctx.logger,
        progress: report,
        partials: memoryPartials(stage.name, outputs),
      },
    );
    if (outcome.kind === 'failed') return { ok: false, error: outcome.error };
    outputs[stage.name] = outcome.output;
    done += stage.weight;
  }
  const last = stages[stages.length - 1];
  const parsed = ReportSchema.safeParse(last ? outputs[last.name] : undefined);
  if (!parsed.success)
    return { ok: false, error: toAppError(new Error('the pipeline produced no valid report')) };
  return { ok: true, value: parsed.data };
}

/** One status line on a terminal, rewritten in place; silent when stderr is not a terminal. */
class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  #shown = false;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
  }

  update(text: string): void {
    if (!this.#stream.isTTY) return;
    const width = Math.max(20, (this.#stream.columns || 80) - 1);
    this.#stream.write(`\r\x1b[2K${text.slice(0, width)}`);
    this.#shown = true;
  }

  clear(): void {
    if (!this.#shown) return;
    this.#stream.write('\r\x1b[2K');
    this.#shown = false;
  }
}
