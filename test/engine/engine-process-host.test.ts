// The bot's side of its engine process, against small scripted engines speaking the same protocol: start and its
// failure, log lines and pool figures relayed, queue signals both ways, restart after a crash, stop and kill.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { EngineProcess } from '../../src/engine-process/host.js';
import type { EngineProcessData } from '../../src/engine-process/protocol.js';
import type { QueueSignal } from '../../src/workflow/embedded-queue.js';
import { until } from '../support/e2e-pages.js';

const dir = mkdtempSync(join(tmpdir(), 'autointel-engine-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A scripted engine: what it does is read from the `fixture` field of the configuration it is started with.
const script = join(dir, 'engine.mjs');
writeFileSync(
  script,
  `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
let fixture = {};
process.on('message', (m) => {
  if (m.type === 'start') {
    fixture = m.data.config.fixture;
    if (fixture.mode === 'fail-start') {
      process.send({ type: 'failed', code: 'fixture.refused', message: 'the fixture refuses to start' });
      setTimeout(() => process.exit(1), 50);
      return;
    }
    process.send({ type: 'log', line: JSON.stringify({ level: 30, pid: process.pid, msg: 'engine says hello' }) + '\\n' });
    process.send({ type: 'stats', pool: { size: 2, busy: 1, queued: 3, replaced: 0, done: 7, failed: 1, timedOut: 0 } });
    process.send({ type: 'ready' });
    if (fixture.mode === 'crash-once' && !existsSync(fixture.marker)) {
      writeFileSync(fixture.marker, String(process.pid));
      setTimeout(() => process.exit(3), 100);
    }
    if (fixture.mode === 'crash-n') {
      // Crashes the first \`times\` runs, each \`afterMs\` after it said it was ready.
      const runs = existsSync(fixture.marker) ? Number(readFileSync(fixture.marker, 'utf8')) : 0;
      writeFileSync(fixture.marker, String(runs + 1));
      if (runs < fixture.times) setTimeout(() => process.exit(3), fixture.afterMs);
    }
  } else if (m.type === 'queue') {
    // Echoes every signal back, so both directions are seen.
    process.send({ type: 'queue', signal: m.signal });
  } else if (m.type === 'stop') {
    if (fixture.mode === 'ignore-stop') return;
    process.send({ type: 'stopped' });
    process.disconnect();
  }
});
process.on('disconnect', () => { if (fixture.mode !== 'ignore-stop') process.exit(0); });
`,
);

function host(fixture: Record<string, unknown>, lines: string[], healthyResetMs?: number): EngineProcess {
  const data = { config: { fixture }, logLevel: 'info', niceness: 0 } as unknown as EngineProcessData;
  return new EngineProcess({
    data,
    clock: new SystemClock(),
    logger: createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } }),
    entryUrl: pathToFileURL(script),
    restartMs: { first: 50, max: 200 },
    stopSlackMs: 500,
    ...(healthyResetMs === undefined ? {} : { healthyResetMs }),
  });
}

describe('EngineProcess (the bot side of the engine process)', () => {
  it('starts, relays log lines, pool figures and queue signals, and stops', async () => {
    const lines: string[] = [];
    const engine = host({ mode: 'ok' }, lines);
    await engine.start();
    expect(engine.ready).toBe(true);
    // The line is written as the engine wrote it, to the bot's log destination.
    expect(lines.some((l) => l.includes('engine says hello'))).toBe(true);
    await until('the pool figures', () => engine.poolStats() !== null, 5_000);
    expect(engine.poolStats()).toMatchObject({ size: 2, busy: 1, queued: 3, done: 7 });
    const heard: QueueSignal[] = [];
    const unlisten = engine.queueSignals.listen((s) => heard.push(s));
    engine.queueSignals.send({ kind: 'cancel', workflowId: 'w-1' });
    await until('the echoed signal', () => heard.length > 0, 5_000);
    expect(heard[0]).toEqual({ kind: 'cancel', workflowId: 'w-1' });
    unlisten();
    await engine.stop({ graceMs: 1_000 });
    expect(engine.ready).toBe(false);
  });

  it('rejects its start with the engine’s own error when the engine cannot start', async () => {
    const engine = host({ mode: 'fail-start' }, []);
    await expect(engine.start()).rejects.toMatchObject({
      code: 'fixture.refused',
      message: expect.stringContaining('the fixture refuses to start') as unknown,
    });
    await engine.stop({ graceMs: 0 });
  });

  it('restarts an engine that crashed, and says so in the log', async () => {
    const lines: string[] = [];
    const marker = join(dir, 'crashed-once');
    const engine = host({ mode: 'crash-once', marker }, lines);
    await engine.start();
    await until('the crash to be seen', () => lines.some((l) => l.includes('ended unexpectedly')), 5_000);
    await until('the restart', () => lines.some((l) => l.includes('engine process restarted')), 5_000);
    expect(engine.ready).toBe(true);
    expect(lines.filter((l) => l.includes('engine says hello'))).toHaveLength(2);
    await engine.stop({ graceMs: 1_000 });
  });

  it('doubles the wait over a crash loop, and starts from the first wait after a long healthy run', async () => {
    const delays = async (afterMs: number, marker: string): Promise<number[]> => {
      const lines: string[] = [];
      const engine = host({ mode: 'crash-n', marker, times: 3, afterMs }, lines, 1_000);
      await engine.start();
      await until('three crashes and restarts', () => readCount(marker) === 4 && engine.ready, 15_000);
      await engine.stop({ graceMs: 1_000 });
      return lines
        .filter((l) => l.includes('ended unexpectedly'))
        .map((l) => (JSON.parse(l) as { restartInMs: number }).restartInMs);
    };
    const readCount = (marker: string): number => {
      try {
        return Number(readFileSync(marker, 'utf8'));
      } catch {
        return 0;
      }
    };
    // Crashing 100 ms after each start: a crash loop (50, 100, 200 ms, capped at the 200 ms maximum).
    expect(await delays(100, join(dir, 'loop'))).toEqual([50, 100, 200]);
    // Crashing 1.1 s after each start, past the 1 s a healthy run needs: every wait is the first one.
    expect(await delays(1_100, join(dir, 'healthy'))).toEqual([50, 50, 50]);
  });

  it('kills an engine that does not stop within the grace period and the slack', async () => {
    const lines: string[] = [];
    const engine = host({ mode: 'ignore-stop' }, lines);
    await engine.start();
    const t0 = performance.now();
    await engine.stop({ graceMs: 100 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(550);
    expect(lines.some((l) => l.includes('did not stop in time'))).toBe(true);
  });
});
