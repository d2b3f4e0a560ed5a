// Helpers for multi-process scale-out e2e suites: spawn `autointel worker` / `autointel bot --no-worker` as OS
// processes from dist/, wait for a log line, kill -9 one, and stop them all (multi-process.test.ts uses them).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliPath = resolve(repoRoot, 'dist', 'src', 'cli.js');

export interface SpawnedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Every line the process printed (stdout and stderr), in order. */
  readonly lines: string[];
  /** Resolves with the first line matching `pattern`; rejects after `timeoutMs` or if the process exits. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILL: the process dies without any cleanup, as a crashed machine would. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  readonly name: string;
  /** `worker`, `bot --no-worker`, … */
  readonly args: readonly string[];
  /** Runs `node <nodeArgs>` instead of the CLI (helper self-tests, fault injectors). */
  readonly nodeArgs?: readonly string[];
  /** Added to a minimal environment (PATH, HOME): each process gets exactly what a deployment would give it. */
  readonly env: Readonly<Record<string, string>>;
}

export function spawnAutointel(options: SpawnOptions): SpawnedProcess {
  if (options.nodeArgs === undefined && !existsSync(cliPath)) {
    throw new Error(`${cliPath} is missing: run \`npx tsc -p tsconfig.build.json\` first`);
  }
  const child = spawn(process.execPath, [...(options.nodeArgs ?? [cliPath, ...options.args])], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const onData = (buffer: { partial: string }) => (chunk: Buffer) => {
    const text = buffer.partial + chunk.toString('utf8');
    const parts = text.split('\n');
    buffer.partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters) {
        if (w.pattern.test(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout?.on('data', onData({ partial: '' }));
  child.stderr?.on('data', onData({ partial: '' }));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  return {
    name: options.name,
    child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 30_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((done, fail) => {
        const waiter = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(timer);
            done(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          fail(new Error(`${options.name}: no line matching ${String(pattern)} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
        void exited.then((code) => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          fail(new Error(`${options.name} exited (${code}) before printing ${String(pattern)}`));
        });
      });
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The environment every scale-out process shares: one database, one Redis, one secret key. */
export function scaleOutEnv(input: {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly secretKey: string;
  readonly discordApiBase: string;
  readonly dataDir: string;
  readonly extra?: Readonly<Record<string, string>>;
}): Record<string, string> {
  return {
    DATABASE_URL: input.databaseUrl,
    REDIS_URL: input.redisUrl,
    AUTOINTEL_SECRET_KEY: input.secretKey,
    DISCORD_API_BASE: input.discordApiBase,
    AUTOINTEL_DATA_DIR: input.dataDir,
    AUTOINTEL_LEASE_SECONDS: '5',
    LOG_LEVEL: 'info',
    ...input.extra,
  };
}

/** Stops every process (SIGTERM, then SIGKILL); never leaves one running after a suite. */
export async function stopAll(processes: readonly SpawnedProcess[], graceMs = 10_000): Promise<void> {
  await Promise.all(processes.map((p) => p.stop(graceMs)));
}
