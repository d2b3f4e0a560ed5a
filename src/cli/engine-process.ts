// The engine process of `autointel bot`: runs its workflows (the same worker `autointel worker` runs, on its own
// store connection) at a lower CPU priority (SCHED_IDLE, or niceness 10), so the bot's loop only plans, claims and
// acknowledges interactions.
// It ends when the bot tells it to stop, or when the bot is gone (its IPC channel closes).
import { toAppError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { startApp, type RunningApp } from '../main.js';
import { idleSchedule, lowerNiceness } from '../engine-process/priority.js';
import { queueSignalEnd, type FromEngine, type ToEngine } from '../engine-process/protocol.js';

const send = (m: FromEngine): void => {
  if (process.connected) process.send?.(m);
};

const link = queueSignalEnd((signal) => send({ type: 'queue', signal }));

let app: RunningApp | null = null;
let logger: Logger | null = null;
let stats: NodeJS.Timeout | null = null;
let stopping: Promise<void> | null = null;

function stop(): Promise<void> {
  stopping ??= (async () => {
    if (stats !== null) clearInterval(stats);
    try {
      await app?.stop();
    } catch (e: unknown) {
      logger?.error({ err: toAppError(e) }, 'engine stop failed');
    }
    send({ type: 'stopped' });
    if (process.connected) process.disconnect();
    // Whatever still holds the loop (a socket closing slowly) gets a second, then the process ends.
    setTimeout(() => process.exit(0), 1000).unref();
  })();
  return stopping;
}

async function start(m: Extract<ToEngine, { type: 'start' }>): Promise<void> {
  const { data } = m;
  // Niceness first (the fallback), then the idle class over it; both before any content thread exists.
  if (data.niceness > 0) lowerNiceness(data.niceness);
  const idle = data.priority === 'idle' ? await idleSchedule(process.pid) : null;
  logger = createLogger({
    level: data.logLevel,
    destination: { write: (line: string) => send({ type: 'log', line }) },
  });
  if (idle?.ok === false)
    logger.warn(
      { reason: idle.reason, niceness: data.niceness },
      'the engine process could not enter SCHED_IDLE; it runs at its niceness instead',
    );
  try {
    app = await startApp(data.config, {
      role: 'worker',
      worker: true,
      logger,
      queueSignals: link.signals,
      ...(data.pacing === undefined ? {} : { pacing: data.pacing }),
    });
    const running = app;
    stats = setInterval(() => send({ type: 'stats', pool: running.contentPoolStats() }), 1000);
    stats.unref();
    send({ type: 'ready' });
  } catch (e: unknown) {
    const error = toAppError(e, 'engine.start_failed');
    send({ type: 'failed', code: error.code, message: error.message });
    if (process.connected) process.disconnect();
    setTimeout(() => process.exit(1), 1000).unref();
  }
}

if (process.send === undefined) {
  process.stderr.write('the engine process is started by `autointel bot`, not by hand\n');
  process.exit(2);
}
process.on('message', (m: ToEngine) => {
  if (m.type === 'start') void start(m);
  else if (m.type === 'stop') void stop();
  else link.receive(m.signal);
});
// The bot is gone (killed, crashed): finish or release the running stages, then end.
process.on('disconnect', () => void stop());
