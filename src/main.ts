// The only composition root: config → store → queue → engine → delivery → Discord front end → HTTP server.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { pooledReportFields, pooledReportRenderer } from './analysis/work/report-jobs.js';
import { ContentPool, type ContentPoolStats } from './analysis/work/pool.js';
import { openLlmLedger } from './store/open-llm-ledger.js';
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
import type { FrontEnd } from './discord/gateway.js';
import { createHttpFrontEnd } from './discord/http-endpoint.js';
import { PromFrontEndMetrics, registerContentPoolMetrics } from './discord/metrics.js';
import { reportPageRoute } from './http/report-page.js';
import { createHttpServer, metricsPlacement, type HttpServer } from './http/server.js';
import { storeHealthCheck } from './store/health.js';
import { assertDeployment, openStore } from './store/select.js';
import type { WorkflowStore } from './store/store.js';
import { EmbeddedQueue, type QueueSignals } from './workflow/embedded-queue.js';
import { EngineProcess } from './engine-process/host.js';
import { ENGINE_NICENESS } from './engine-process/priority.js';
import { WorkflowEngine } from './workflow/engine.js';
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
  /**
   * A bot with its worker runs the workflows in an engine process of its own (default: `config.engineProcess`).
   * Needs the system clock: a test clock cannot cross into another process.
   */
  readonly engineProcess?: boolean;
  /** The engine process's link to its bot's embedded queue (set by the engine process only). */
  readonly queueSignals?: QueueSignals;
}

export interface RunningApp {
  readonly store: WorkflowStore;
  readonly engine: WorkflowEngine;
  readonly logger: Logger;
  readonly owner: string;
  /** The HTTP server's URL (health, metrics, and the interactions endpoint in http mode), when one runs. */
  readonly httpUrl: string | null;
  /** The content pools' figures: this process's, plus its engine process's where one runs. */
  contentPoolStats(): ContentPoolStats;
  stop(): Promise<void>;
}

/** Two pools' figures as one. */
function addPoolStats(a: ContentPoolStats, b: ContentPoolStats | null): ContentPoolStats {
  if (b === null) return a;
  return {
    size: a.size + b.size,
    busy: a.busy + b.busy,
    queued: a.queued + b.queued,
    replaced: a.replaced + b.replaced,
    done: a.done + b.done,
    failed: a.failed + b.failed,
    timedOut: a.timedOut + b.timedOut,
  };
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

function requireKey(value: string | undefined, key: string, why: string): string {
  if (value === undefined) throw new Error(`${key} is required ${why}. See .env.example.`);
  return value;
}

export async function startApp(config: Config, options: AppOptions): Promise<RunningApp> {
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const plan = assertDeployment(config);
  const engineProcess =
    options.role === 'bot' && options.worker && (options.engineProcess ?? config.engineProcess);
  if (engineProcess && options.clock !== undefined && !(options.clock instanceof SystemClock))
    throw new RangeError(
      'startApp: the engine process runs on the system clock; pass engineProcess: false to use another clock',
    );
  // Where the workflows run: here, or in the engine process (which runs this function as a worker).
  const worksHere = options.worker && !engineProcess;
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

  const store = openStore(config, { clock, backgroundCheckpoints: true, frontEnd: options.role === 'bot' });
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
    // The workflows of a bot with its worker run in a process of their own (the same worker `autointel worker`
    // runs, at a lower CPU priority), started before the front end takes requests.
    const engineHost = engineProcess
      ? new EngineProcess({
          data: {
            config,
            logLevel: logger.level,
            niceness: ENGINE_NICENESS,
            priority: config.enginePriority,
            ...(options.pacing === undefined ? {} : { pacing: options.pacing }),
          },
          clock,
          logger,
        })
      : null;
    const queueSignals = engineHost?.queueSignals ?? options.queueSignals;
    const retry: RetryPolicy = { baseMs: 2_000, maxMs: 5 * 60_000, maxAttempts: 8 };
    const redisUrl =
      plan.queue === 'bullmq' ? requireKey(config.redisUrl, 'REDIS_URL', 'for the BullMQ queue') : null;
    const bullmq =
      redisUrl !== null
        ? new (await import('./workflow/bullmq-queue.js')).BullmqQueue({
            redisUrl,
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
    const queue: WorkQueue & { cancel(workflowId: string): Promise<void> } =
      bullmq ??
      new EmbeddedQueue({
        store,
        clock,
        logger,
        owner,
        leaseMs: config.leaseMs,
        perGuildLimit: config.guildConcurrency,
        maxAttempts: claimLimit(retry),
        ...(queueSignals === undefined ? {} : { signals: queueSignals }),
      });
    // An embedded queue that never consumes here still listens to its link until stopped.
    if (bullmq === null && !worksHere) stoppers.push(() => queue.stop({ graceMs: 0 }));

    // One pool for all content work (extraction and analysis): the loop that answers Discord only does I/O.
    const contentPool = new ContentPool({
      clock,
      ...(config.contentWorkers > 0 ? { size: config.contentWorkers } : {}),
      heapMb: config.workerHeapMb,
    });
    stoppers.push(() => contentPool.close());
    const llmLedger = openLlmLedger(config);
    stoppers.push(() => llmLedger.close());
    // What runs workflows is composed (and its modules loaded) only where workflows run.
    const runner = worksHere
      ? await (
          await import('./compose-workflows.js')
        ).composeWorkflowRunner({
          config,
          clock,
          logger,
          store,
          contentPool,
          llmLedger,
          redisUrl,
          onStop: (stop) => stoppers.push(stop),
        })
      : null;

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
      pipeline: runner?.pipeline ?? null,
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
      // A front end's cancel must reach the worker running the stage, on whatever machine or process that is.
      broadcastCancel: (id: string) => queue.cancel(id),
    });

    /** The content pools' figures: this process's, plus its engine process's where one runs. */
    const poolStats = (): ContentPoolStats =>
      addPoolStats(contentPool.stats(), engineHost?.poolStats() ?? null);
    if (engineHost !== null) {
      await engineHost.start();
      stoppers.push(() => engineHost.stop({ graceMs: 10_000 }));
    }

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
      const engineHealth =
        engineHost === null
          ? {}
          : {
              engine: () =>
                engineHost.ready
                  ? { ok: true }
                  : { ok: false, detail: 'the engine process is restarting after a crash' },
            };
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
          checks: { store: storeHealth, ...engineHealth },
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
          checks: { store: storeHealth, ...engineHealth, gateway: () => ({ ok: gateway.isReady() }) },
        });
        // discord.js is loaded only in gateway mode.
        const { createGatewayFrontEnd } = await import('./discord/gateway.js');
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
      registerContentPoolMetrics(metricsRegistry, poolStats);
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

    const chunkJobs = runner?.chunkJobs ?? null;
    if (chunkJobs !== null) {
      // A worker transcribes chunks of any recording, its own workflows' and other workers' alike.
      await chunkJobs.queue.start(chunkJobs.handler, { concurrency: config.sttConcurrency });
      // Stops after the engine (stoppers run in reverse): a stage waiting on chunks is released first.
      stoppers.push(() => chunkJobs.queue.stop({ graceMs: 10_000 }));
    }
    if (worksHere) await engine.resumeAll();
    // The engine stops before the front end and the store: running stages finish or are released first.
    stoppers.push(() => engine.stop({ graceMs: 10_000 }));
    logger.info(
      {
        role: options.role,
        worker: options.worker,
        engineProcess,
        store: plan.store,
        queue: plan.queue,
        httpUrl,
      },
      'autointel started',
    );
    return {
      store,
      engine,
      logger,
      owner,
      httpUrl,
      contentPoolStats: poolStats,
      stop: stopAll,
    };
  } catch (e: unknown) {
    await stopAll();
    throw e;
  }
}
