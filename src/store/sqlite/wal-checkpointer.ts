// WAL checkpoints of the embedded store on a thread of their own: copying the WAL back into the database file (and
// its fsync) is the slowest write SQLite does, and with automatic checkpoints it lands on whichever write crosses the
// threshold — often an interaction's claim on the loop that answers Discord. This thread opens its own connection and
// runs PASSIVE checkpoints, which never wait for or block the main connection's readers and writers.
//
// It checkpoints by size, as SQLite's automatic checkpoints do (wal-index.ts says how much is waiting), plus once a
// while for a small remainder: each checkpoint that empties the WAL makes the next write restart it and fsync the new
// header, and that write is as likely as not the front end's. Every tick would mean one fsync a second on its loop.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { pendingWalFrames } from './wal-index.js';

export interface CheckpointerData {
  /** The store's files: the main one and the interaction-claims one. */
  readonly filenames: readonly string[];
  /** How often the WAL's size is looked at. */
  readonly intervalMs: number;
  /** Checkpoint once this many frames wait (SQLite's automatic threshold is 1000). */
  readonly minFrames: number;
  /** ...or once any frame has waited this long since the file's last checkpoint. */
  readonly maxAgeMs: number;
  readonly busyTimeoutMs: number;
}

const port = parentPort;
if (port === null) throw new Error('the WAL checkpointer must run in a worker thread');
const data = workerData as CheckpointerData;
const files = data.filenames.map((filename) => {
  const db = new Database(filename);
  db.pragma(`busy_timeout = ${data.busyTimeoutMs}`);
  return { filename, db, lastAt: performance.now() };
});

const checkpoint = (force: boolean): void => {
  const now = performance.now();
  for (const f of files) {
    // Unknown (no wal-index to read) counts as due: checkpointing too often costs less than never.
    const pending = pendingWalFrames(f.filename);
    const due =
      force ||
      pending === null ||
      pending >= data.minFrames ||
      (pending > 0 && now - f.lastAt >= data.maxAgeMs);
    if (!due) continue;
    f.lastAt = now;
    try {
      f.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (e: unknown) {
      port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }
};
const timer = setInterval(() => checkpoint(false), data.intervalMs);
port.on('message', (m: { type?: string }) => {
  if (m.type !== 'stop') return;
  clearInterval(timer);
  checkpoint(true);
  for (const f of files) f.db.close();
  port.close();
});
port.postMessage({ type: 'ready' });
