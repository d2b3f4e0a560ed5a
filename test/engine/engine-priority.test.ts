// The engine process's CPU class, on a real child process: SCHED_IDLE reaches every thread it has and every thread
// it starts afterwards, and a missing chrt is reported rather than thrown.
import { spawn, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { idleSchedule, SCHED_IDLE, threadScheduling } from '../../src/engine-process/priority.js';

const linux = process.platform === 'linux';
const chrt = linux && spawnSync('chrt', ['--version']).status === 0;
if (linux && !chrt)
  console.warn('engine priority: SCHED_IDLE cases skipped: util-linux chrt is not installed');

const children: { kill(): void }[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

async function until<T>(what: string, probe: () => T | null, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

describe.skipIf(!linux)('engine priority', () => {
  it.skipIf(!chrt)('puts every thread in SCHED_IDLE, and threads started later inherit it', async () => {
    // A process that starts two more threads when told to (on stdin), after its class was set.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const { Worker } = require('node:worker_threads');
         process.stdin.once('data', () => {
           for (let i = 0; i < 2; i++) new Worker('setInterval(() => {}, 1000)', { eval: true });
           process.stdout.write('started\\n');
         });
         process.stdout.write('ready\\n');
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await until('the child to start', () => (out.includes('ready') ? true : null), 10_000);
    const pid = child.pid ?? -1;
    const before = threadScheduling(pid);
    expect(before.length).toBeGreaterThan(1);
    expect(before.every((t) => t.policy === 0)).toBe(true);

    expect(await idleSchedule(pid)).toEqual({ ok: true });
    expect(threadScheduling(pid).filter((t) => t.policy !== SCHED_IDLE)).toEqual([]);

    child.stdin.write('go\n');
    await until('the new threads', () => (out.includes('started') ? true : null), 10_000);
    const after = await until(
      'two more threads',
      () => {
        const ts = threadScheduling(pid);
        return ts.length >= before.length + 2 ? ts : null;
      },
      10_000,
    );
    expect(after.filter((t) => t.policy !== SCHED_IDLE)).toEqual([]);
    // This process was left alone.
    expect(threadScheduling(process.pid).filter((t) => t.policy === SCHED_IDLE)).toEqual([]);
  });

  it('reports why it could not, instead of throwing', async () => {
    const r = await idleSchedule(process.pid, '/nonexistent/chrt');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('/nonexistent/chrt');
    expect(threadScheduling(process.pid).filter((t) => t.policy === SCHED_IDLE)).toEqual([]);
  });

  it('reads nothing for a process that does not exist', () => {
    expect(threadScheduling(2 ** 22 + 7)).toEqual([]);
  });
});
