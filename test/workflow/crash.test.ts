// Kills a real worker process (SIGKILL) at random moments, restarts it, and checks nothing was lost or repeated.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const worker = join(repoRoot, 'dist', 'bench', 'engine', 'crash-worker.js');
const WORKFLOWS = 100;
const KILLS = 6;

function launch(dataDir: string, owner: string): ChildProcess {
  const child = spawn(process.execPath, [worker, dataDir, String(WORKFLOWS), owner], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CRASH_STAGE_MS: '80', CRASH_LEASE_MS: '1500' },
  });
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${owner}] ${d.toString()}`));
  return child;
}

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((res) =>
    child.exitCode !== null || child.signalCode !== null ? res() : child.once('exit', () => res()),
  );

/** Resolves when the child prints `line` (it is consuming), or when it exits. */
const printed = (child: ChildProcess, line: string): Promise<void> =>
  new Promise((res) => {
    let seen = '';
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(line)) res();
    });
    child.once('exit', () => res());
  });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function count(file: string, sql: string): number {
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return (db.prepare(sql).get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

describe('crash resume with kill -9', () => {
  const children: ChildProcess[] = [];
  let dataDir = '';
  afterEach(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
  });

  it('every workflow completes, each checkpoint is written once and each report is delivered exactly once', async () => {
    expect(existsSync(worker), `${worker} is built by tsconfig.build.json (run the build first)`).toBe(true);
    dataDir = mkdtempSync(join(tmpdir(), 'autointel-crash-'));
    const mainDb = join(dataDir, 'autointel.db');
    const harnessDb = join(dataDir, 'harness.db');
    const completed = (): number =>
      count(mainDb, "SELECT COUNT(*) AS n FROM workflows WHERE status = 'completed'");
    let killsWithWorkInFlight = 0;

    for (let k = 0; k < KILLS; k++) {
      const child = launch(dataDir, `proc-${k}`);
      children.push(child);
      await printed(child, 'consuming');
      await sleep(100 + Math.floor(Math.random() * 700));
      const running = count(mainDb, "SELECT COUNT(*) AS n FROM workflows WHERE status = 'running'");
      if (running > 0) killsWithWorkInFlight++;
      child.kill('SIGKILL');
      await exited(child);
      expect(child.signalCode).toBe('SIGKILL');
    }
    const before = completed();

    const last = launch(dataDir, 'proc-final');
    children.push(last);
    const deadline = Date.now() + 120_000;
    while (completed() < WORKFLOWS && Date.now() < deadline) await sleep(200);
    last.kill('SIGTERM');
    await exited(last);

    const main = new Database(mainDb, { readonly: true });
    const h = new Database(harnessDb, { readonly: true });
    try {
      const statuses = main.prepare('SELECT status, COUNT(*) AS n FROM workflows GROUP BY status').all();
      const checkpointsPer = main
        .prepare('SELECT COUNT(*) AS n FROM checkpoints GROUP BY workflow_id HAVING n <> 3')
        .all() as { n: number }[];
      const rewrites = (
        h.prepare('SELECT COUNT(*) AS n FROM checkpoint_writes WHERE already_present = 1').get() as {
          n: number;
        }
      ).n;
      const writes = (h.prepare('SELECT COUNT(*) AS n FROM checkpoint_writes').get() as { n: number }).n;
      const perWorkflow = h
        .prepare(
          'SELECT workflow_id, COUNT(*) AS n, MIN(checkpoints) AS c FROM deliveries GROUP BY workflow_id',
        )
        .all() as { workflow_id: string; n: number; c: number }[];
      const calls = (h.prepare('SELECT COUNT(*) AS n FROM delivery_calls').get() as { n: number }).n;
      const starts = (
        h.prepare("SELECT COUNT(*) AS n FROM stage_events WHERE event = 'start'").get() as { n: number }
      ).n;
      const ends = (
        h.prepare("SELECT COUNT(*) AS n FROM stage_events WHERE event = 'end'").get() as { n: number }
      ).n;
      const reclaimed = (
        main.prepare('SELECT COUNT(*) AS n FROM workflows WHERE attempts > 1').get() as { n: number }
      ).n;

      process.stdout.write(
        `crash test: kills=${KILLS} (with work in flight: ${killsWithWorkInFlight}), completed before the final ` +
          `run=${before}, statuses=${JSON.stringify(statuses)}, workflows resumed after a kill=${reclaimed}, ` +
          `stage starts=${starts} ends=${ends} (interrupted stage runs=${starts - ends}), ` +
          `checkpoint writes=${writes} rewrites=${rewrites}, deliverReport calls=${calls}, ` +
          `delivered workflows=${perWorkflow.length}\n`,
      );

      expect(statuses).toEqual([{ status: 'completed', n: WORKFLOWS }]);
      expect(checkpointsPer).toEqual([]);
      expect(writes).toBe(WORKFLOWS * 3);
      expect(rewrites).toBe(0);
      expect(perWorkflow).toHaveLength(WORKFLOWS);
      expect(perWorkflow.filter((d) => d.n !== 1)).toEqual([]);
      expect(perWorkflow.filter((d) => d.c !== 3)).toEqual([]);
      expect(killsWithWorkInFlight).toBeGreaterThanOrEqual(3);
      expect(reclaimed).toBeGreaterThan(0);
    } finally {
      main.close();
      h.close();
    }
  }, 180_000);
});
