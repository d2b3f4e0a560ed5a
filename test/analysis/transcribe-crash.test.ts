// kill -9 in the middle of a 40-chunk transcription: the next process resumes at the next unfinished chunk, and no
// chunk that was checkpointed is transcribed again.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/corpus.js';

const child = path.join(repoRoot, 'dist', 'test', 'support', 'transcribe-crash-child.js');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'transcribe-crash-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const start = (): ChildProcess =>
  spawn(process.execPath, [child, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
const saved = (): number[] => {
  const f = path.join(dir, 'partials.json');
  if (!existsSync(f)) return [];
  const keys = Object.keys(JSON.parse(readFileSync(f, 'utf8')) as object);
  return keys.flatMap((k) => (/^chunk-(\d+)$/.exec(k) ? [Number(k.slice(6))] : []));
};

describe('transcription crash', () => {
  it('GIVEN kill -9 after some chunks WHEN started again THEN it resumes and repeats no checkpointed chunk', async () => {
    const first = start();
    const exited = new Promise((r) => first.once('exit', r));
    while (saved().length < 15) await delay(10);
    first.kill('SIGKILL');
    await exited;
    const before = new Set(saved());
    expect(before.size).toBeGreaterThanOrEqual(15);
    expect(before.size).toBeLessThan(40);
    const loggedBefore = readFileSync(path.join(dir, 'transcribed.log'), 'utf8').trim().split('\n').length;

    const second = start();
    const code = await new Promise((r) => second.once('exit', r));
    expect(code).toBe(0);

    const log = readFileSync(path.join(dir, 'transcribed.log'), 'utf8').trim().split('\n').map(Number);
    const resumed = log.slice(loggedBefore);
    // The second process started with chunks that were not checkpointed, and only those.
    expect(resumed.every((i) => !before.has(i))).toBe(true);
    expect(Math.min(...resumed)).toBe(Math.min(...[...Array(40).keys()].filter((i) => !before.has(i))));
    const counts = new Map<number, number>();
    for (const i of log) counts.set(i, (counts.get(i) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
    for (const i of before) expect(counts.get(i), `chunk ${i} was checkpointed`).toBe(1);
    // Only chunks in flight at the kill (at most the per-process bound, 2) can have been heard twice.
    expect([...counts.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(2);

    const result = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as {
      segments: { start: number; text: string }[];
    };
    expect(result.segments.map((s) => s.start)).toEqual([...Array(40).keys()].map((i) => i * 30 + 2));
    expect(result.segments[39]?.text).toBe('chunk 39.');
  });
});
