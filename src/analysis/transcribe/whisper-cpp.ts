// The local whisper.cpp engine: @fugood/whisper.node (prebuilt per-platform binaries inside its npm packages) in a
// child process that keeps the model loaded; a crash of the child fails the chunk, never the bot.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PermanentError, RetryLaterError, type AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import type { TranscriptionContext, TranscriptionEngine, TranscriptionResult } from './index.js';
import type { ChildReply, ChildRequest } from './whisper-protocol.js';

export interface WhisperCppOptions {
  /** A ggml model file (`autointel models pull <name>`). */
  readonly modelPath: string;
  readonly threads: number;
  /** ISO code, or null to let the model detect it (English-only `.en` models always use `en`). */
  readonly language?: string | null;
  /** The compiled child script; defaults to whisper-child.js beside this module under dist/. */
  readonly childScript?: URL;
}

interface Pending {
  readonly resolve: (r: Result<TranscriptionResult, AppError>) => void;
}

/** Compiled code finds the child beside itself; source run by the test runner maps to its twin under dist/. */
export function defaultChildScript(moduleUrl: string = import.meta.url): URL {
  const here = fileURLToPath(moduleUrl);
  if (!here.endsWith('.ts')) return new URL('./whisper-child.js', moduleUrl);
  const marker = `${path.sep}src${path.sep}`;
  const at = here.lastIndexOf(marker);
  if (at < 0) return new URL('./whisper-child.js', moduleUrl);
  const relDir = path.dirname(here.slice(at + 1));
  return pathToFileURL(path.join(here.slice(0, at), 'dist', relDir, 'whisper-child.js'));
}

/** Whether the binding's native package for this platform is installed (for `autointel doctor`). */
export async function whisperBindingAvailable(): Promise<Result<string, string>> {
  try {
    const spec = '@fugood/whisper.node';
    const mod = (await import(spec)) as { default: { loadWhisperModule: () => Promise<unknown> } };
    await mod.default.loadWhisperModule();
    return ok(`@fugood/whisper.node on ${process.platform}-${process.arch}`);
  } catch (e: unknown) {
    return err(e instanceof Error ? e.message : String(e));
  }
}

export class WhisperCppEngine implements TranscriptionEngine {
  readonly name: string;
  readonly #o: WhisperCppOptions;
  readonly #language: string | null;
  #child: ChildProcess | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(options: WhisperCppOptions) {
    if (options.modelPath.trim() === '') throw new TypeError('modelPath must not be empty');
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new RangeError(`threads must be a positive integer, received ${options.threads}`);
    }
    this.#o = options;
    const model = path.basename(options.modelPath);
    this.#language = /\.en[.-]/.test(model) ? 'en' : (options.language ?? null);
    this.name = `whisper.cpp ${model.replace(/^ggml-/, '').replace(/\.bin$/, '')}`;
  }

  async transcribe(
    audioPath: string,
    ctx: TranscriptionContext,
  ): Promise<Result<TranscriptionResult, AppError>> {
    if (!existsSync(this.#o.modelPath)) {
      return err(
        new PermanentError('stt.whisper_model_missing', `whisper.cpp model not found: ${this.#o.modelPath}`, {
          userMessage: 'The local speech-to-text model is missing on the server.',
        }),
      );
    }
    ctx.signal.throwIfAborted();
    const child = this.#spawn();
    const id = this.#nextId++;
    const result = new Promise<Result<TranscriptionResult, AppError>>((resolve) => {
      this.#pending.set(id, { resolve });
    });
    const onAbort = (): void => this.#send({ type: 'stop', id });
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    // Referenced while work is outstanding so a CLI run waits for it; unreferenced when idle so it never holds a
    // process open.
    child.ref();
    this.#send({
      type: 'transcribe',
      id,
      wavPath: path.resolve(audioPath),
      threads: this.#o.threads,
      language: this.#language,
    });
    try {
      const r = await result;
      ctx.signal.throwIfAborted();
      return r;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      if (this.#pending.size === 0) this.#child?.unref();
    }
  }

  /** Stops the child; the next transcription starts a new one. */
  close(): void {
    const c = this.#child;
    this.#child = null;
    if (c !== null && c.exitCode === null) c.kill();
  }

  #send(m: ChildRequest): void {
    if (this.#child?.connected === true) this.#child.send(m);
  }

  #spawn(): ChildProcess {
    if (this.#child !== null && this.#child.exitCode === null && this.#child.connected) return this.#child;
    const script = this.#o.childScript ?? defaultChildScript();
    const child = fork(fileURLToPath(script), [this.#o.modelPath], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: [],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      // whisper.cpp logs to stderr; the tail is kept only to explain a crash.
      stderr = (stderr + d).slice(-2000);
    });
    child.on('message', (m: ChildReply) => {
      if (m.type === 'loaded') return;
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      this.#pending.delete(m.id);
      if (m.type === 'error') {
        p.resolve(err(new PermanentError('stt.whisper_failed', `whisper.cpp: ${m.message}`)));
        return;
      }
      p.resolve(
        ok({
          language: m.language,
          segments: m.segments.map((s) => ({ start: s.start, end: s.end, speaker: null, text: s.text })),
        }),
      );
    });
    child.on('exit', (code, signal) => {
      if (this.#child === child) this.#child = null;
      const error = new RetryLaterError(
        'stt.whisper_crashed',
        `whisper.cpp child exited (${signal ?? code}) ${stderr.split('\n').slice(-3).join(' ').trim()}`,
      );
      for (const [id, p] of this.#pending) {
        this.#pending.delete(id);
        p.resolve(err(error));
      }
    });
    child.channel?.unref();
    this.#child = child;
    return child;
  }
}
