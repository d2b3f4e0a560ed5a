// Runs an external binary (yt-dlp, ffmpeg) with a deadline, an abort signal and bounded output capture.
import { spawn } from 'node:child_process';
import { setTimeout as realDelay } from 'node:timers/promises';
import type { Clock } from '../../core/clock.js';
import { toAppError } from '../../core/errors.js';

export interface RunOptions {
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Bytes of stdout kept; more is an error (a hostile extractor must not fill memory). */
  readonly maxStdout?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export type RunResult =
  | {
      readonly kind: 'exited';
      readonly code: number | null;
      readonly stdout: string;
      readonly stderr: string;
    }
  | { readonly kind: 'missing' }
  | { readonly kind: 'timeout'; readonly stderr: string }
  | { readonly kind: 'aborted'; readonly reason: unknown }
  | { readonly kind: 'overflow' }
  | { readonly kind: 'failed'; readonly message: string };

const STDERR_TAIL = 8192;

/** Locale variables passed through: they change how a child decodes names and text, never what it may reach. */
const LOCALE_KEYS = ['LANG', 'LC_ALL', 'LC_CTYPE', 'TZ'] as const;

/**
 * The whole environment a media child (yt-dlp, ffmpeg) gets: PATH, HOME and TMPDIR inside its work directory,
 * the locale, and proxy variables naming the guard proxy — so a helper it starts (ffmpeg under yt-dlp) also goes
 * through the guard. Nothing else: no tokens, keys or database URLs can leak into a child or its error output.
 */
export function mediaChildEnv(options: {
  readonly workDir: string;
  readonly proxyUrl: string | null;
  readonly parent?: NodeJS.ProcessEnv;
}): NodeJS.ProcessEnv {
  const parent = options.parent ?? process.env;
  const env: NodeJS.ProcessEnv = {
    PATH: parent['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: options.workDir,
    TMPDIR: options.workDir,
    TMP: options.workDir,
    TEMP: options.workDir,
    PYTHONIOENCODING: 'utf-8',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  for (const k of LOCALE_KEYS) if (parent[k] !== undefined) env[k] = parent[k];
  env['LANG'] ??= 'C.UTF-8';
  if (options.proxyUrl !== null) {
    for (const k of ['http_proxy', 'https_proxy', 'all_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY'])
      env[k] = options.proxyUrl;
    // Nothing bypasses the guard, not even loopback: the proxy itself decides what loopback may be reached.
    env['no_proxy'] = '';
    env['NO_PROXY'] = '';
  }
  return env;
}

/** Never throws: every way a child can end is a tagged result. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  if (options.signal.aborted) return Promise.resolve({ kind: 'aborted', reason: options.signal.reason });
  return new Promise<RunResult>((resolve) => {
    let settled = false;
    const timer = new AbortController();
    const finish = (r: RunResult): void => {
      if (settled) return;
      settled = true;
      timer.abort();
      options.signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const maxStdout = options.maxStdout ?? 64 * 1024 * 1024;
    const out: Buffer[] = [];
    let outBytes = 0;
    let errText = '';
    let ending: RunResult | null = null;
    const kill = (why: RunResult): void => {
      ending ??= why;
      child.kill('SIGKILL');
    };
    const onAbort = (): void => kill({ kind: 'aborted', reason: options.signal.reason });
    options.signal.addEventListener('abort', onAbort, { once: true });
    // A child process's time limit is real elapsed time, whatever the business clock does.
    realDelay(options.timeoutMs, undefined, { signal: timer.signal }).then(
      () => kill({ kind: 'timeout', stderr: errText }),
      () => undefined,
    );
    child.stdout.on('data', (c: Buffer) => {
      outBytes += c.length;
      if (outBytes > maxStdout) kill({ kind: 'overflow' });
      else out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      errText = (errText + c.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.on('error', (e: unknown) => {
      const code = (e as { code?: unknown } | null)?.code;
      if (code === 'ENOENT' || code === 'EACCES') finish({ kind: 'missing' });
      else finish({ kind: 'failed', message: toAppError(e).message });
    });
    child.on('close', (code) => {
      finish(
        ending ?? { kind: 'exited', code, stdout: Buffer.concat(out).toString('utf8'), stderr: errText },
      );
    });
  });
}
