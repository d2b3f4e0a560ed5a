// WAL checkpoints of the embedded store on a thread of their own: copying the WAL back into the database file (and
// its fsync) is the slowest write SQLite does, and with automatic checkpoints it lands on whichever write crosses the
// threshold — often an interaction's claim on the loop that answers Discord. This thread opens its own connection and
// runs PASSIVE checkpoints, which never wait for or block the main connection's readers and writers.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

interface CheckpointerData {
  /** The store's files: the main one and the interaction-claims one. */
  readonly filenames: readonly string[];
  readonly intervalMs: number;
  readonly busyTimeoutMs: number;
}

const port = parentPort;
if (port === null) throw new Error('the WAL checkpointer must run in a worker thread');
const data = workerData as CheckpointerData;
const dbs = data.filenames.map((f) => new Database(f));
for (const db of dbs) db.pragma(`busy_timeout = ${data.busyTimeoutMs}`);

const checkpoint = (): void => {
  for (const db of dbs) {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (e: unknown) {
      port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }
};
const timer = setInterval(checkpoint, data.intervalMs);
port.on('message', (m: { type?: string }) => {
  if (m.type !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  for (const db of dbs) db.close();
  port.close();
});
port.postMessage({ type: 'ready' });
