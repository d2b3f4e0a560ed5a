// What runs workflows, composed only in a process that runs them (a worker, or a bot with its worker in-process):
// the acquirer, transcription (chunk store and queue), the model stage, fact-check search and the pipeline. A bot
// whose workflows run elsewhere never loads these modules (their parsers, clients and model code), which keeps the
// heap of the loop that answers Discord small.
import { join } from 'node:path';
import type { BodyLimits } from './analysis/acquire/budget.js';
import { createAcquirer, sweepWorkDir } from './analysis/acquire/index.js';
import { AnalysisPool } from './analysis/analyse/pool.js';
import { factCheckSearchFromConfig } from './analysis/factcheck/index.js';
import { createLlmStage } from './analysis/llm/index.js';
import { createAnalysisPipeline } from './analysis/pipeline.js';
import { createTranscription, sttStatuses } from './analysis/transcribe/engines.js';
import { pooledBodyExtractor } from './analysis/work/extractor.js';
import type { ContentPool } from './analysis/work/pool.js';
import { pooledReportValidator } from './analysis/work/report-jobs.js';
import type { Config } from './config/config.js';
import type { Clock } from './core/clock.js';
import type { Logger } from './core/logger.js';
import type { Pipeline } from './core/stage.js';
import type { LlmLedger } from './store/llm-ledger.js';
import { openChunkAudioStore } from './store/open-chunk-audio.js';
import type { WorkflowStore } from './store/store.js';

/** The text and DOM budgets from the configuration. */
export const contentLimits = (config: Config): BodyLimits => ({
  maxTextChars: config.maxTextChars,
  maxDomDepth: config.maxDomDepth,
  maxDomElements: config.maxDomElements,
});

export interface WorkflowRunnerDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: WorkflowStore;
  readonly contentPool: ContentPool;
  readonly llmLedger: LlmLedger;
  /** Set under BullMQ: each speech chunk is then a job of its own that every worker takes. */
  readonly redisUrl: string | null;
  /** Registers a shutdown step (run in reverse order of registration). */
  readonly onStop: (stop: () => Promise<void>) => void;
}

export interface WorkflowRunner {
  readonly pipeline: Pipeline;
  /** The chunk-transcription jobs this process should consume, when it transcribes at all. */
  readonly chunkJobs: ReturnType<typeof createTranscription>['chunkJobs'];
}

export async function composeWorkflowRunner(deps: WorkflowRunnerDeps): Promise<WorkflowRunner> {
  const { config, clock, logger, store, contentPool, llmLedger } = deps;
  const mediaDir = join(config.dataDir, 'media');
  // Downloads of runs that ended (or died and were failed) are removed at start; a queued or running workflow —
  // one that will be resumed — keeps its audio for the transcription stage still ahead of it.
  await sweepWorkDir(mediaDir, {
    logger,
    isLive: async (id) => {
      const w = await store.getWorkflow(id);
      return w !== null && (w.status === 'queued' || w.status === 'running');
    },
  });
  // Chunk audio lives in the store, so any worker can transcribe any chunk and a run resumed on another machine
  // needs no media. Under BullMQ each chunk is its own job that every worker takes; otherwise chunks run here.
  const transcribes = sttStatuses(config).some((s) => s.usable && s.name !== 'captions');
  const chunkStore = transcribes ? openChunkAudioStore(config) : null;
  if (chunkStore !== null) deps.onStop(() => chunkStore.close());
  let chunkQueue = null;
  if (chunkStore !== null && deps.redisUrl !== null) {
    const { BullmqChunkQueue } = await import('./workflow/bullmq-chunk-queue.js');
    chunkQueue = new BullmqChunkQueue({
      redisUrl: deps.redisUrl,
      prefix: config.queuePrefix,
      lockMs: config.leaseMs,
      clock,
      logger,
    });
    const q = chunkQueue;
    deps.onStop(() => q.close({ graceMs: 0 }));
  }
  const transcription = createTranscription(config, {
    clock,
    logger,
    workDir: join(config.dataDir, 'audio'),
    ...(chunkStore === null
      ? {}
      : { chunks: { store: chunkStore, ...(chunkQueue === null ? {} : { queue: chunkQueue }) } }),
  });
  deps.onStop(() => transcription.close());
  const pipeline = createAnalysisPipeline({
    acquirer: createAcquirer({
      clock,
      logger,
      allowPrivateNetworks: config.allowPrivateNetworks,
      maxBytes: config.maxContentBytes,
      ytDlpPath: config.ytDlpPath,
      ffmpegPath: config.ffmpegPath,
      workDir: mediaDir,
      allowLocalFiles: false,
      extractor: pooledBodyExtractor(contentPool, config.extractTimeoutMs),
      limits: contentLimits(config),
      maxMediaBytes: config.maxMediaBytes,
      maxMediaSeconds: config.maxMediaSeconds,
      ...(config.ytDlpCookies === undefined ? {} : { ytDlpCookies: config.ytDlpCookies }),
      // Audio is downloaded only when an engine can transcribe it.
      needsAudio: transcription.engine !== null,
    }),
    analysis: new AnalysisPool({ pool: contentPool, deadlineMs: config.analysisTimeoutMs }),
    transcription: transcription.engine,
    reportIndex: {
      search: (q, o) => store.searchReports(q, o),
      loadReport: async (id) => (await store.getReport(id))?.report ?? null,
    },
    llmConfigured: config.llmBaseUrl !== undefined,
    llm: createLlmStage(config, {
      clock,
      logger,
      ledger: llmLedger,
      guildOf: async (id) => (await store.getWorkflow(id))?.request.guildId ?? null,
    }),
    factCheckSearch: factCheckSearchFromConfig({ ...config, clock }),
    reportValidator: pooledReportValidator(contentPool),
  });
  return { pipeline, chunkJobs: transcription.chunkJobs };
}
