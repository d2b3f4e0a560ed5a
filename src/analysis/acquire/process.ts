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
