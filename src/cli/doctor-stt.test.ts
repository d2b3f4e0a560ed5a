// The speech-to-text lines of `autointel doctor`: engines off with how to enable them, a refused key, a usable model.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusDir } from '../../test/support/corpus.js';
import { loadConfig } from '../config/config.js';
import { renderChecks, type Check } from './doctor.js';
import { sttChecks } from './doctor-stt.js';

const testModel = path.join(corpusDir, 'speech', 'models', 'for-tests-ggml-tiny.en.bin');
const hasModel = corpusAvailable(
  'doctor whisper-cpp check',
  'speech',
  'models',
  'for-tests-ggml-tiny.en.bin',
);

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(req.headers.authorization === 'Bearer good-key' ? 200 : 401).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const byName = (checks: readonly Check[], name: string): Check | undefined =>
  checks.find((c) => c.name === name);

describe('doctor STT checks', () => {
  it('without engines says each is off, how to enable it, and that media gets no transcript', async () => {
    const checks = await sttChecks(loadConfig({}), 2000);
    expect(byName(checks, 'STT captions')).toMatchObject({ status: 'ok' });
    expect(byName(checks, 'STT whisper-cpp')).toMatchObject({ status: 'skip' });
    expect(byName(checks, 'STT whisper-cpp')?.fix).toContain('autointel models pull');
    expect(byName(checks, 'STT openai')).toMatchObject({ status: 'skip' });
    expect(byName(checks, 'STT voice activity')).toMatchObject({ status: 'ok' });
    expect(byName(checks, 'STT')).toMatchObject({ status: 'warn' });
  });

  it('fails an OpenAI-compatible server that refuses the key, without printing it', async () => {
    const checks = await sttChecks(
      loadConfig({ AUTOINTEL_STT_BASE_URL: base, AUTOINTEL_STT_API_KEY: 'sk-bad-key-123' }),
      2000,
    );
    expect(byName(checks, 'STT openai')).toMatchObject({ status: 'fail' });
    expect(renderChecks(checks)).not.toContain('sk-bad-key-123');
  });

  it('passes an OpenAI-compatible server that accepts the key', async () => {
    const checks = await sttChecks(
      loadConfig({
        AUTOINTEL_STT_BASE_URL: base,
        AUTOINTEL_STT_API_KEY: 'good-key',
        AUTOINTEL_STT: 'openai',
      }),
      2000,
    );
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['STT openai', 'ok'],
      ['STT voice activity', 'ok'],
    ]);
  });

  it.skipIf(!hasModel)('finds a model file and a binding that loads on this platform', async () => {
    const checks = await sttChecks(loadConfig({ AUTOINTEL_WHISPER_MODEL: testModel }), 2000);
    const w = byName(checks, 'STT whisper-cpp');
    expect(w).toMatchObject({ status: 'ok' });
    expect(w?.detail).toContain(`${process.platform}-${process.arch}`);
  });

  it('rejects an unknown engine name in AUTOINTEL_STT', () => {
    expect(() => loadConfig({ AUTOINTEL_STT: 'captions,whisper' })).toThrow(/AUTOINTEL_STT/);
  });
});
