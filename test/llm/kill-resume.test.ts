// kill -9 in the middle of a 30-chunk map-reduce: the restarted stage resumes from its partials and no chunk
// that was answered before the kill is asked for again.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  completion,
  groundedAnswer,
  passageOf,
  startChatServer,
  type ChatServer,
} from '../support/chat-server.js';
import { longText } from './harness.js';

const CHILD = join(process.cwd(), 'dist', 'test', 'support', 'llm-resume-child.js');
const dir = mkdtempSync(join(tmpdir(), 'autointel-kill-'));
let server: ChatServer | null = null;
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(env: Record<string, string>): {
  child: ChildProcess;
  output: Promise<{ code: number | null; stdout: string }>;
} {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  const output = new Promise<{ code: number | null; stdout: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout })),
  );
  return { child, output };
}

describe('llm stage under kill -9', () => {
  it('resumes a 30-chunk map-reduce after kill -9; every chunk is answered exactly once', async () => {
    const answered: string[] = [];
    let killAfter = 12;
    let onHang: (() => void) | null = null;
    server = await startChatServer((req) => {
      const passage = passageOf(req);
      if (passage !== '' && answered.length >= killAfter) {
        onHang?.();
        return { hang: true };
      }
      if (passage !== '') answered.push(passage);
      return completion(groundedAnswer(req), { usage: { prompt: 300, completion: 100 } });
    });
    const textFile = join(dir, 'long.txt');
    writeFileSync(textFile, longText(30));
    const env = { CHAT_URL: server.url, PARTIALS_FILE: join(dir, 'partials.json'), TEXT_FILE: textFile };

    const first = start(env);
    await new Promise<void>((resolve) => {
      onHang = resolve;
    });
    // Requests 13 (and 14) hang unanswered; the answered ones have had time to be saved. Then kill -9.
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGKILL');
    const killed = await first.output;
    expect(killed.code).toBeNull();
    expect(answered).toHaveLength(12);

    killAfter = Infinity;
    onHang = null;
    const second = start(env);
    const done = await second.output;
    expect(done.code).toBe(0);
    const section = JSON.parse(done.stdout) as { chunks: { done: number; total: number }; items: unknown[] };
    expect(section.chunks).toEqual({ done: 30, total: 30 });
    expect(section.items.length).toBeGreaterThan(0);
    expect(answered).toHaveLength(30);
    expect(new Set(answered).size).toBe(30);
  }, 120_000);
});
