// Long-running process plumbing shared by `bot` and `worker`: config errors as plain text, graceful shutdown on signals.
import { ConfigError, loadConfig, loadDotEnv, type Config } from '../config/config.js';
import { AppError } from '../core/errors.js';

/** Loads `.env` and the configuration; prints a readable error and returns null when it is invalid. */
export function configOrExplain(): Config | null {
  try {
    loadDotEnv();
    return loadConfig(process.env);
  } catch (e: unknown) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\nSee .env.example for every key.\n`);
      return null;
    }
    throw e;
  }
}

/** Runs until SIGINT/SIGTERM, then stops gracefully; a second signal, or a stuck stop, exits at once. */
export async function runUntilSignalled(stop: () => Promise<void>, forceAfterMs = 30_000): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write(`autointel: ${signal} received, finishing current work…\n`);
      const force = setTimeout(() => process.exit(1), forceAfterMs);
      force.unref();
      stop().then(
        () => resolve(0),
        (e: unknown) => {
          process.stderr.write(`autointel: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** A start-up failure explained in one paragraph, without a stack for expected problems. */
export function explainStartupError(e: unknown): number {
  if (e instanceof AppError) {
    process.stderr.write(`autointel: ${e.message}\n`);
    return 2;
  }
  throw e;
}
