// Model download against a local HTTP server: ranges, a cut connection, a wrong hash, a file already present.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pullModel, WHISPER_MODELS, type ModelFile } from './models.js';

const body = randomBytes(3 * 1024 * 1024 + 123);
const sha = createHash('sha256').update(body).digest('hex');
const catalog: Record<string, ModelFile> = {
  good: { file: 'ggml-good.bin', bytes: body.length, sha256: sha },
  wrong: { file: 'ggml-good.bin', bytes: body.length, sha256: 'f'.repeat(64) },
};

let server: Server;
let baseUrl: string;
let dir: string;
let ranges: (string | undefined)[] = [];
/** Cut the connection after this many bytes on the next request (once). */
let cutAfter: number | null = null;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/models/ggml-good.bin') {
      res.writeHead(404).end();
      return;
    }
    ranges.push(req.headers.range);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = m === null ? 0 : Number(m[1]);
    const slice = body.subarray(from);
    res.writeHead(m === null ? 200 : 206, {
      'content-length': slice.length,
      ...(m === null ? {} : { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` }),
    });
    if (cutAfter !== null) {
      const n = cutAfter;
      cutAfter = null;
      res.write(slice.subarray(0, n), () => res.destroy());
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'models-test-'));
  ranges = [];
  cutAfter = null;
  return () => rm(dir, { recursive: true, force: true });
});

const pull = (name: string) =>
  pullModel({ name, baseUrl, destDir: dir, signal: new AbortController().signal, catalog });

describe('pullModel', () => {
  it('downloads and verifies a model, reporting progress', async () => {
    const seen: number[] = [];
    const r = await pullModel({
      name: 'good',
      baseUrl,
      destDir: dir,
      signal: new AbortController().signal,
      catalog,
      onProgress: (p) => seen.push(p.received),
    });
    expect(r).toEqual({
      ok: true,
      value: {
        path: path.join(dir, 'ggml-good.bin'),
        bytes: body.length,
        resumedFrom: 0,
        alreadyPresent: false,
      },
    });
    expect((await readFile(path.join(dir, 'ggml-good.bin'))).equals(body)).toBe(true);
    expect(seen.at(-1)).toBe(body.length);
    expect(ranges).toEqual([undefined]);
  });

  it('GIVEN the connection is cut mid-file THEN it resumes with a Range request and the file verifies', async () => {
    cutAfter = 1024 * 1024;
    const r = await pull('good');
    if (!r.ok) throw r.error;
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(ranges[1] ?? '')?.[0])).toBeGreaterThan(0);
    expect((await readFile(r.value.path)).equals(body)).toBe(true);
  });

  it('resumes a partial file left by an earlier run', async () => {
    await writeFile(path.join(dir, 'ggml-good.bin.part'), body.subarray(0, 2_000_000));
    const r = await pull('good');
    if (!r.ok) throw r.error;
    expect(r.value.resumedFrom).toBe(2_000_000);
    expect(ranges).toEqual(['bytes=2000000-']);
    expect((await readFile(r.value.path)).equals(body)).toBe(true);
  });

  it('refuses and deletes a file whose SHA-256 does not match', async () => {
    const r = await pull('wrong');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'models.hash_mismatch', retryable: false });
    expect(existsSync(path.join(dir, 'ggml-good.bin'))).toBe(false);
    expect(existsSync(path.join(dir, 'ggml-good.bin.part'))).toBe(false);
  });

  it('does not download a verified file twice', async () => {
    await writeFile(path.join(dir, 'ggml-good.bin'), body);
    const r = await pull('good');
    expect(r.ok && r.value.alreadyPresent).toBe(true);
    expect(ranges).toEqual([]);
  });

  it('refuses an unknown name, listing the known ones', async () => {
    const r = await pullModel({ name: 'huge', baseUrl, destDir: dir, signal: new AbortController().signal });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('base.en');
  });

  it('every known model has a 64-hex SHA-256 and a size', () => {
    for (const m of Object.values(WHISPER_MODELS)) {
      expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.bytes).toBeGreaterThan(10_000_000);
      expect(m.file).toMatch(/^ggml-.+\.bin$/);
    }
  });
});
