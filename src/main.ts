// The only composition root: config → store → queue → engine → delivery → Discord front end → HTTP server.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { BodyLimits } from './analysis/acquire/budget.js';
import { createAcquirer, sweepWorkDir } from './analysis/acquire/index.js';
import { AnalysisPool } from './analysis/analyse/pool.js';
import { factCheckSearchFromConfig } from './analysis/factcheck/index.js';
import { createAnalysisPipeline } from './analysis/pipeline.js';
import { pooledBodyExtractor } from './analysis/work/extractor.js';
import {
  pooledReportFields,
  pooledReportRenderer,
  pooledReportValidator,
} from './analysis/work/report-jobs.js';
import { ContentPool } from './analysis/work/pool.js';
import { createLlmStage } from './analysis/llm/index.js';
import { openLlmLedger } from './store/open-llm-ledger.js';
import { openChunkAudioStore } from './store/open-chunk-audio.js';
import type { Config } from './config/config.js';
import { SystemClock, type Clock } from './core/clock.js';
import { createLogger, type Logger } from './core/logger.js';
import { SecretBox } from './core/secrets.js';
import { DiscordRestClient } from './discord-api/rest.js';
import { UndiciTransport } from './discord-api/transport.js';
import { DeliveryOutbox } from './delivery/outbox.js';
import { DefaultPacing, RateLimiter } from './discord-api/ratelimit.js';
import { ReportLinks } from './delivery/report-links.js';
import { loadOrCreateSecretKey } from './delivery/secret-key.js';
import { EngineAppServices } from './workflow/app-services.js';
import type { InteractionClaim } from './discord/ports.js';
import { createGatewayFrontEnd, type FrontEnd } from './discord/gateway.js';
import { createHttpFrontEnd } from './discord/http-endpoint.js';
import { PromFrontEndMetrics, registerContentPoolMetrics } from './discord/metrics.js';
import { reportPageRoute } from './http/report-page.js';
import { createHttpServer, metricsPlacement, type HttpServer } from './http/server.js';
import { storeHealthCheck } from './store/health.js';
import { assertDeployment, openStore } from './store/select.js';
import type { WorkflowStore } from './store/store.js';
import { BullmqChunkQueue } from './workflow/bullmq-chunk-queue.js';
import { BullmqQueue } from './workflow/bullmq-queue.js';
import { EmbeddedQueue } from './workflow/embedded-queue.js';
import { WorkflowEngine } from './workflow/engine.js';
import { createTranscription, sttStatuses } from './analysis/transcribe/engines.js';
import { AnalysisIntakes } from './workflow/intake.js';
import { FallbackNotices } from './workflow/notices.js';
import type { WorkQueue } from './workflow/queue.js';
import { claimLimit, type RetryPolicy } from './workflow/types.js';

const DISCORD_API = 'https://discord.com/api';

export interface AppOptions {
  /** `bot`: the Discord front end (plus a worker unless `worker` is false); `worker`: background worker only. */
  readonly role: 'bot' | 'worker';
  readonly worker: boolean;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Rate-limit pacing for delivery; `{}` disables it (an emulator with rate limits off). */
  readonly pacing?: ConstructorParameters<typeof RateLimiter>[0]['pacing'];
}

export interface RunningApp {
  readonly store: WorkflowStore;
  readonly engine: WorkflowEngine;
  readonly logger: Logger;
  readonly owner: string;
  /** The HTTP server's URL (health, metrics, and the interactions endpoint in http mode), when one runs. */
  readonly httpUrl: string | null;
  stop(): Promise<void>;
}

/** Starts acknowledged-but-unstarted requests left by dead processes: now, then every 15 s. */
async function recoverIntakesForever(
  intakes: AnalysisIntakes,
  clock: Clock,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await intakes.recover();
    } catch (e: unknown) {
      logger.error({ err: e }, 'intake recovery pass failed');
    }
    try {
      await clock.sleep(15_000, signal);
    } catch {
      return;
    }
  }
}

/** The text and DOM budgets from the configuration. */
export const contentLimits = (config: Config): BodyLimits => ({
  maxTextChars: config.maxTextChars,
  maxDomDepth: config.maxDomDepth,
  maxDomElements: config.maxDomElements,
});

function requireKey(value: string | undefined, key: string, why: string): string {
  if (value === undefined) throw new Error(`${key} is required ${why}. See .env.example.`);
  return value;
}

export async function startApp(config: Config, options: AppOptions): Promise<RunningApp> {
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const plan = assertDeployment(config);
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const secretKey = loadOrCreateSecretKey({
    dataDir: config.dataDir,
    key: config.secretKey,
    keyFile: config.secretKeyFile,
  });
  const secretBox = new SecretBox(secretKey);
  const reportLinks =
    config.publicUrl === undefined
      ? null
      : new ReportLinks({
          secret: Buffer.from(secretKey, 'utf8'),
          publicUrl: config.publicUrl,
          ttlMs: config.reportLinkTtlMs,
        });
  const emulatedApi = config.discordApiBase !== DISCORD_API ? config.discordApiBase : undefined;

  const store = openStore(config, { clock, backgroundCheckpoints: true });
  await store.migrate();
  const stoppers: (() => Promise<void>)[] = [() => store.close()];
  let stopped = false;
  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const s of [...stoppers].reverse()) {
      try {
        await s();
      } catch (e: unknown) {
        logger.error({ err: e }, 'shutdown step failed');
      }
    }
  };

  try {
    const retry: RetryPolicy = { baseMs: 2_000, maxMs: 5 * 60_000, maxAttempts: 8 };
    const bullmq =
      plan.queue === 'bullmq'
        ? new BullmqQueue({
            redisUrl: requireKey(config.redisUrl, 'REDIS_URL', 'for the BullMQ queue'),
            prefix: config.queuePrefix,
            store,
            owner,
            leaseMs: config.leaseMs,
            clock,
            logger,
            guildLimit: config.guildConcurrency,
            maxAttempts: claimLimit(retry),
          })
        : null;
    // BullMQ holds Redis connections that only close() releases; it runs after the engine has stopped.
    if (bullmq !== null) stoppers.push(() => bullmq.close({ graceMs: 0 }));
    const queue: WorkQueue =
      bullmq ??
      new EmbeddedQueue({
        store,
        clock,
        logger,
        owner,
        leaseMs: config.leaseMs,
        perGuildLimit: config.guildConcurrency,
        maxAttempts: claimLimit(retry),
      });

    // One pool for all content work (extraction and analysis): the loop that answers Discord only does I/O.
    const contentPool = new ContentPool({
      clock,
      ...(config.contentWorkers > 0 ? { size: config.contentWorkers } : {}),
      heapMb: config.workerHeapMb,
    });
    stoppers.push(() => contentPool.close());
    const analysis = new AnalysisPool({ pool: contentPool, deadlineMs: config.analysisTimeoutMs });
    const llmLedger = openLlmLedger(config);
    stoppers.push(() => llmLedger.close());
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
    if (chunkStore !== null) stoppers.push(() => chunkStore.close());
    const chunkQueue =
      chunkStore !== null && plan.queue === 'bullmq'
        ? new BullmqChunkQueue({
            redisUrl: requireKey(config.redisUrl, 'REDIS_URL', 'for the BullMQ queue'),
            prefix: config.queuePrefix,
            lockMs: config.leaseMs,
            clock,
            logger,
          })
        : null;
    if (chunkQueue !== null) stoppers.push(() => chunkQueue.close({ graceMs: 0 }));
    const transcription = createTranscription(config, {
      clock,
      logger,
      workDir: join(config.dataDir, 'audio'),
      ...(chunkStore === null
        ? {}
        : { chunks: { store: chunkStore, ...(chunkQueue === null ? {} : { queue: chunkQueue }) } }),
    });
    stoppers.push(() => transcription.close());
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
      analysis,
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

    const limiter = new RateLimiter({
      clock,
      ...(options.pacing === undefined ? { pacing: DefaultPacing } : { pacing: options.pacing }),
    });
    // The one HTTP path to Discord for the whole process: the front end's callbacks and edits, delivery, notices.
    const transport = new UndiciTransport({
      apiBase: config.discordApiBase,
      ...(config.discordToken === undefined ? {} : { botToken: config.discordToken }),
    });
    stoppers.push(() => transport.close());
    const rest = new DiscordRestClient({ transport, logger, limiter });
    const reportRenderer = pooledReportRenderer(contentPool);
    const outbox = new DeliveryOutbox({
      store,
      clock,
      logger,
      secretBox,
      rest,
      apiBase: config.discordApiBase,
      defaultWebhook: config.discordWebhook,
      botToken: config.discordToken,
      allowApiBaseWebhooks: emulatedApi !== undefined,
      renderer: reportRenderer,
      charts: true,
      ...(reportLinks === null ? {} : { reportLink: (id: string) => reportLinks.linkFor(id, clock.now()) }),
    });
    // Report pages are served by whichever HTTP server this process runs, once a public URL names where they live.
    const reportPages =
      reportLinks === null ? null : reportPageRoute({ links: reportLinks, source: store, clock, logger });

    const engine = new WorkflowEngine({
      store,
      queue,
      pipeline,
      notifier: outbox,
      clock,
      logger,
      owner,
      leaseMs: config.leaseMs,
      retry,
      limits: { perUserPerHour: config.userQuotaPerHour, perGuildConcurrent: config.guildConcurrency },
      freshnessMs: config.freshnessMs,
      retentionMs: config.retentionMs,
      concurrency: config.concurrency,
      reportFields: pooledReportFields(contentPool),
      // A front end's cancel must reach the worker running the stage, on whatever machine that is.
      ...(bullmq === null ? {} : { broadcastCancel: (id: string) => bullmq.cancel(id) }),
    });

    let httpUrl: string | null = null;
    if (options.role === 'bot') {
      const applicationId = requireKey(config.applicationId, 'DISCORD_APPLICATION_ID', 'to run the bot');
      const targets = {
        store,
        secretBox,
        clock,
        defaultWebhook: config.discordWebhook,
        botToken: config.discordToken,
        allowApiBaseWebhooks: emulatedApi,
      };
      const notices = new FallbackNotices({ rest, targets, logger });
      const intakes = new AnalysisIntakes({
        store,
        engine,
        secretBox,
        clock,
        logger,
        owner,
        targets,
        notices,
      });
      const services = new EngineAppServices({
        engine,
        store,
        clock,
        logger,
        secretBox,
        intakes,
        notices,
        allowApiBaseWebhooks: emulatedApi,
        llmSpend: (id) => llmLedger.workflowSpend(id),
        renderer: reportRenderer,
        reportPage: reportLinks === null ? undefined : (id) => reportLinks.linkFor(id, clock.now()),
      });
      // The claim is the one write before the acknowledgement; /autointel's request rides along in it, sealed.
      const claim: InteractionClaim = (interactionId, intake) => intakes.claim(interactionId, intake);
      // /healthz writes and reads the store on every probe: a read-only or broken database answers 503.
      const storeHealth = storeHealthCheck(store, clock);
      let frontEnd: FrontEnd;
      const placement = metricsPlacement(config.host, config.metricsPort);
      if (placement === 'none')
        logger.warn(
          { host: config.host },
          '/metrics is not served on a public listener; set METRICS_PORT to expose it',
        );
      let metricsRegistry: PromFrontEndMetrics['registry'];
      if (config.mode === 'http') {
        const http = createHttpFrontEnd({
          publicKey: requireKey(config.publicKey, 'DISCORD_PUBLIC_KEY', 'in http mode'),
          applicationId,
          apiBase: config.discordApiBase,
          ...(config.discordToken === undefined ? {} : { token: config.discordToken }),
          clock,
          logger,
          services,
          host: config.host,
          port: config.port,
          claim,
          checks: { store: storeHealth },
          transport,
          serveMetrics: placement === 'main',
        });
        frontEnd = http;
        metricsRegistry = http.metrics.registry;
        if (reportPages !== null) http.http.route('GET', '/r/*', reportPages);
        await http.start();
        httpUrl = http.url();
      } else {
        const metrics = new PromFrontEndMetrics({ mode: 'gateway', processMetrics: true });
        const server: HttpServer = createHttpServer({
          host: config.host,
          port: config.port,
          clock,
          logger,
          mode: 'gateway',
          ...(placement === 'main' ? { metrics: metrics.registry } : {}),
          checks: { store: storeHealth, gateway: () => ({ ok: gateway.isReady() }) },
        });
        const gateway = createGatewayFrontEnd({
          token: requireKey(config.discordToken, 'DISCORD_TOKEN', 'in gateway mode'),
          applicationId,
          apiBase: config.discordApiBase,
          clock,
          logger,
          services,
          claim,
          metrics,
          transport,
        });
        frontEnd = gateway;
        metricsRegistry = metrics.registry;
        if (reportPages !== null) server.route('GET', '/r/*', reportPages);
        await gateway.start();
        httpUrl = (await server.start()).url;
        stoppers.push(() => server.stop());
      }
      stoppers.push(() => frontEnd.stop());
      registerContentPoolMetrics(metricsRegistry, () => contentPool.stats());
      if (placement === 'separate' && config.metricsPort !== undefined) {
        const metricsServer = createHttpServer({
          host: '127.0.0.1',
          port: config.metricsPort,
          clock,
          logger,
          mode: 'metrics',
          metrics: metricsRegistry,
        });
        await metricsServer.start();
        stoppers.push(() => metricsServer.stop());
      }
      const recovery = new AbortController();
      const recovering = recoverIntakesForever(intakes, clock, logger, recovery.signal);
      stoppers.push(async () => {
        recovery.abort();
        await recovering;
      });
    }

    const chunkJobs = transcription.chunkJobs;
    if (options.worker && chunkJobs !== null) {
      // A worker transcribes chunks of any recording, its own workflows' and other workers' alike.
      await chunkJobs.queue.start(chunkJobs.handler, { concurrency: config.sttConcurrency });
      // Stops after the engine (stoppers run in reverse): a stage waiting on chunks is released first.
      stoppers.push(() => chunkJobs.queue.stop({ graceMs: 10_000 }));
    }
    if (options.worker) await engine.resumeAll();
    // The engine stops before the front end and the store: running stages finish or are released first.
    stoppers.push(() => engine.stop({ graceMs: 10_000 }));
    logger.info(
      { role: options.role, worker: options.worker, store: plan.store, queue: plan.queue, httpUrl },
      'autointel started',
    );
    return { store, engine, logger, owner, httpUrl, stop: stopAll };
  } catch (e: unknown) {
    await stopAll();
    throw e;
  }
}
