// ggml models for the local whisper.cpp engine: a table of known files with their SHA-256, and a download that
// resumes a partial file (HTTP Range) and refuses anything whose hash does not match.
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { PermanentError, RetryLaterError, toAppError, type AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';

export interface ModelFile {
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** The whisper.cpp model host's files, with the sizes and SHA-256 digests it publishes for them. */
export const WHISPER_MODELS: Readonly<Record<string, ModelFile>> = {
  tiny: {
    file: 'ggml-tiny.bin',
    bytes: 77_691_713,
    sha256: 'be07e048e1e599ad46341c8d2a135645097a538221678b7acdd1b1919c6e1b21',
  },
  'tiny.en': {
    file: 'ggml-tiny.en.bin',
    bytes: 77_704_715,
    sha256: '921e4cf8686fdd993dcd081a5da5b6c365bfde1162e72b08d75ac75289920b1f',
  },
  'tiny.en-q5_1': {
    file: 'ggml-tiny.en-q5_1.bin',
    bytes: 32_166_155,
    sha256: 'c77c5766f1cef09b6b7d47f21b546cbddd4157886b3b5d6d4f709e91e66c7c2b',
  },
  'tiny.en-q8_0': {
    file: 'ggml-tiny.en-q8_0.bin',
    bytes: 43_550_795,
    sha256: '5bc2b3860aa151a4c6e7bb095e1fcce7cf12c7b020ca08dcec0c6d018bb7dd94',
  },
  base: {
    file: 'ggml-base.bin',
    bytes: 147_951_465,
    sha256: '60ed5bc3dd14eea856493d334349b405782ddcaf0028d4b5df4088345fba2efe',
  },
  'base.en': {
    file: 'ggml-base.en.bin',
    bytes: 147_964_211,
    sha256: 'a03779c86df3323075f5e796cb2ce5029f00ec8869eee3fdfb897afe36c6d002',
  },
  'base.en-q5_1': {
    file: 'ggml-base.en-q5_1.bin',
    bytes: 59_721_011,
    sha256: '4baf70dd0d7c4247ba2b81fafd9c01005ac77c2f9ef064e00dcf195d0e2fdd2f',
  },
  'base.en-q8_0': {
    file: 'ggml-base.en-q8_0.bin',
    bytes: 81_781_811,
    sha256: 'a4d4a0768075e13cfd7e19df3ae2dbc4a68d37d36a7dad45e8410c9a34f8c87e',
  },
  small: {
    file: 'ggml-small.bin',
    bytes: 487_601_967,
    sha256: '1be3a9b2063867b937e64e2ec7483364a79917e157fa98c5d94b5c1fffea987b',
  },
  'small.en': {
    file: 'ggml-small.en.bin',
    bytes: 487_614_201,
    sha256: 'c6138d6d58ecc8322097e0f987c32f1be8bb0a18532a3f88f734d1bbf9c41e5d',
  },
  'small.en-q5_1': {
    file: 'ggml-small.en-q5_1.bin',
    bytes: 190_098_681,
    sha256: 'bfdff4894dcb76bbf647d56263ea2a96645423f1669176f4844a1bf8e478ad30',
  },
  medium: {
    file: 'ggml-medium.bin',
    bytes: 1_533_763_059,
    sha256: '6c14d5adee5f86394037b4e4e8b59f1673b6cee10e3cf0b11bbdbee79c156208',
  },
  'medium.en': {
    file: 'ggml-medium.en.bin',
    bytes: 1_533_774_781,
    sha256: 'cc37e93478338ec7700281a7ac30a10128929eb8f427dda2e865faa8f6da4356',
  },
  'large-v3': {
    file: 'ggml-large-v3.bin',
    bytes: 3_095_033_483,
    sha256: '64d182b440b98d5203c4f9bd541544d84c605196c4f7b845dfa11fb23594d1e2',
  },
  'large-v3-turbo': {
    file: 'ggml-large-v3-turbo.bin',
    bytes: 1_624_555_275,
    sha256: '1fc70f774d38eb169993ac391eea357ef47c88757ef72ee5943879b7e8e2bc69',
  },
  'large-v3-turbo-q5_0': {
    file: 'ggml-large-v3-turbo-q5_0.bin',
    bytes: 574_041_195,
    sha256: '394221709cd5ad1f40c46e6031ca61bce88931e6e088c188294c6d5a55ffa7e2',
  },
};

export interface PullProgress {
  readonly received: number;
  readonly total: number;
}

export interface PullOptions {
  readonly name: string;
  /** Files are fetched from `${baseUrl}/${file}`. */
  readonly baseUrl: string;
  readonly destDir: string;
  readonly signal: AbortSignal;
  readonly onProgress?: (p: PullProgress) => void;
  /** Connections that may be cut and resumed before giving up. */
  readonly maxAttempts?: number;
  /** Defaults to WHISPER_MODELS (tests serve their own). */
  readonly catalog?: Readonly<Record<string, ModelFile>>;
  readonly fetch?: typeof fetch;
}

export interface Pulled {
  readonly path: string;
  readonly bytes: number;
  /** Bytes that were already on disk from an earlier, interrupted download. */
  readonly resumedFrom: number;
  readonly alreadyPresent: boolean;
}

export async function pullModel(o: PullOptions): Promise<Result<Pulled, AppError>> {
  const catalog = o.catalog ?? WHISPER_MODELS;
  const model = catalog[o.name];
  if (model === undefined) {
    return err(
      new PermanentError(
        'models.unknown',
        `unknown model '${o.name}'; known: ${Object.keys(catalog).join(', ')}`,
      ),
    );
  }
  const dest = path.join(o.destDir, model.file);
  const part = `${dest}.part`;
  await mkdir(o.destDir, { recursive: true });
  if ((await sizeOf(dest)) === model.bytes && (await sha256File(dest)) === model.sha256) {
    return ok({ path: dest, bytes: model.bytes, resumedFrom: 0, alreadyPresent: true });
  }
  const initial = await sizeOf(part);
  if (initial > model.bytes) await rm(part, { force: true });
  const resumedFrom = initial > model.bytes ? 0 : Math.max(0, initial);
  const url = `${o.baseUrl.replace(/\/+$/, '')}/${model.file}`;
  const maxAttempts = o.maxAttempts ?? 5;
  let lastError: AppError | null = null;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const have = await sizeOf(part);
    if (have === model.bytes) break;
    const r = await fetchInto(o.fetch ?? globalThis.fetch, url, part, have, model.bytes, o);
    if (r.ok) break;
    lastError = r.error;
    if (!r.error.retryable) return err(r.error);
  }
  const got = await sizeOf(part);
  if (got !== model.bytes) {
    return err(
      new RetryLaterError(
        'models.incomplete',
        `${got} of ${model.bytes} bytes after ${maxAttempts} attempts: ${lastError?.message ?? ''}; run the command again to resume`,
      ),
    );
  }
  const digest = await sha256File(part);
  if (digest !== model.sha256) {
    // A wrong file must not survive to be resumed or loaded: start over next time.
    await rm(part, { force: true });
    return err(
      new PermanentError(
        'models.hash_mismatch',
        `SHA-256 of ${model.file} is ${digest}, expected ${model.sha256}: the download was refused and deleted`,
      ),
    );
  }
  await rename(part, dest);
  return ok({ path: dest, bytes: model.bytes, resumedFrom, alreadyPresent: false });
}

/** One request from byte `from`, appended to `part`. A cut connection keeps what arrived (retryable). */
async function fetchInto(
  fetchFn: typeof fetch,
  url: string,
  part: string,
  from: number,
  total: number,
  o: PullOptions,
): Promise<Result<void, AppError>> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      headers: from > 0 ? { range: `bytes=${from}-` } : {},
      signal: o.signal,
      redirect: 'follow',
    });
  } catch (e: unknown) {
    o.signal.throwIfAborted();
    return err(
      new RetryLaterError('models.network', `download failed: ${toAppError(e).message}`, { cause: e }),
    );
  }
  if (res.status === 416) return ok(undefined);
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel();
    const error = `HTTP ${res.status} for ${url}`;
    return err(
      res.status >= 500
        ? new RetryLaterError('models.server', error)
        : new PermanentError('models.http', error),
    );
  }
  // A server that ignores Range sends the whole file: start the part file over.
  const append = res.status === 206 && from > 0;
  const fh = await open(part, append ? 'a' : 'w');
  let received = append ? from : 0;
  try {
    if (res.body === null) return err(new RetryLaterError('models.network', 'empty response body'));
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      await fh.write(chunk);
      received += chunk.length;
      if (received > total) {
        return err(
          new PermanentError('models.too_large', `${url} is larger than the expected ${total} bytes`),
        );
      }
      o.onProgress?.({ received, total });
    }
    return ok(undefined);
  } catch (e: unknown) {
    o.signal.throwIfAborted();
    return err(
      new RetryLaterError('models.network', `connection cut at ${received} bytes: ${toAppError(e).message}`, {
        cause: e,
      }),
    );
  } finally {
    await fh.close();
  }
}

async function sizeOf(p: string): Promise<number> {
  try {
    return (await stat(p)).size;
  } catch {
    return -1;
  }
}

export async function sha256File(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(p)) h.update(chunk as Buffer);
  return h.digest('hex');
}
