// A stage that kills its own process (kill -9) must not crash-loop forever: the workflow is claimed at most
// `maxAttempts` times to run stages, then failed with its reason and the requester told, once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const worker = join(repoRoot, 'dist', 'test', 'support', 'poison-worker.js');
const MAX_ATTEMPTS = 3;
const LAUNCH_BOUND = 10;

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((res) =>
    child.exitCode !== null || child.signalCode !== null ? res() : child.once('exit', () => res()),
  );
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function read<T>(file: string, sql: string): T[] {
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(sql).all() as T[];
  } catch {
    return [];
  } finally {
    db.close();
  }
}

interface Row {
  status: string;
  attempts: number;
  last_error: string | null;
}

describe('crash loop: a stage that kills its process', () => {
  const children: ChildProcess[] = [];
  let dataDir = '';
  afterEach(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
  });

  it(`is run at most ${MAX_ATTEMPTS} times, then failed with "stopped after N attempts: <reason>"`, async () => {
    expect(existsSync(worker), `${worker} is built by tsconfig.build.json (run the build first)`).toBe(true);
    dataDir = mkdtempSync(join(tmpdir(), 'autointel-poison-'));
    const mainDb = join(dataDir, 'autointel.db');
    const harnessDb = join(dataDir, 'harness.db');
    const row = (): Row | undefined =>
      read<Row>(mainDb, 'SELECT status, attempts, last_error FROM workflows')[0];

    // A supervisor restarting the process after each death, as systemd would; bounded, so a loop fails the test.
    let launches = 0;
    while (launches < LAUNCH_BOUND) {
      const current = row();
      if (current !== undefined && current.status !== 'queued' && current.status !== 'running') break;
      launches++;
      const child = spawn(process.execPath, [worker, dataDir, `proc-${launches}`], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, POISON_MAX_ATTEMPTS: String(MAX_ATTEMPTS), POISON_LEASE_MS: '300' },
      });
      child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[proc-${launches}] ${d.toString()}`));
      children.push(child);
      // Either the stage kills it, or it settles the workflow and idles: then it is stopped.
      const deadline = Date.now() + 20_000;
      while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
        const r = row();
        if (r !== undefined && (r.status === 'failed' || r.status === 'completed')) {
          child.kill('SIGTERM');
          break;
        }
        await sleep(50);
      }
      await exited(child);
    }

    const final = row();
    const analyseRuns = read<{ n: number }>(
      harnessDb,
      "SELECT COUNT(*) AS n FROM stage_starts WHERE stage = 'analyse'",
    )[0]?.n;
    const told = read<{ status: string; message: string }>(harnessDb, 'SELECT status, message FROM outcomes');
    process.stdout.write(
      `crash loop: launches=${launches}, analyse runs=${analyseRuns}, final=${JSON.stringify(final)}, told=${JSON.stringify(told)}\n`,
    );
    expect(final?.status).toBe('failed');
    // Every claim that ran stages died in `analyse`; one more claim only told the requester.
    expect(analyseRuns).toBe(MAX_ATTEMPTS);
    expect(final?.attempts).toBe(MAX_ATTEMPTS + 1);
    const error = JSON.parse(final?.last_error ?? 'null') as { code: string; message: string } | null;
    expect(error?.code).toBe('workflow.attempts_exhausted');
    expect(error?.message).toBe(
      `stopped after ${MAX_ATTEMPTS} attempts: the worker running it stopped (crashed or stalled past its lease) during analyse`,
    );
    expect(told).toEqual([{ status: 'failed', message: error?.message }]);
    expect(launches).toBeLessThanOrEqual(MAX_ATTEMPTS + 1);
  }, 120_000);
});
