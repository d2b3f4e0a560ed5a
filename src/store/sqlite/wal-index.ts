// How much of a database's WAL is waiting to be copied back, read from SQLite's shared wal-index file (`<db>-shm`)
// without a connection and without taking a lock: the background checkpointer uses it to checkpoint by size, as
// SQLite's automatic checkpoints do, rather than on every tick.
//
// Why it matters: once a checkpoint has copied the whole WAL back, the next write restarts the WAL and fsyncs its
// new header inside that write, on whichever connection writes next. Checkpointing every second made that the
// front end's interaction claim, on the loop that answers Discord, about once a second per file.
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

// The wal-index header (sqlite.org/walformat.html, "The WAL-Index Header"): two 48-byte copies of the WAL header
// summary, then the checkpoint information. Integers are in the machine's native byte order.
const HEADER_BYTES = 136;
const VERSION_OFFSET = 0;
const IS_INIT_OFFSET = 12;
const MX_FRAME_OFFSET = 16;
const N_BACKFILL_OFFSET = 96;
const WAL_INDEX_VERSION = 3007000;

/**
 * Frames in `<filename>-wal` not yet copied into the database file, or null when the wal-index cannot tell (no
 * `-shm` file, another format, a header being rewritten at that instant). A heuristic read: callers fall back to
 * checkpointing when it is null.
 */
export function pendingWalFrames(filename: string): number | null {
  let fd: number;
  try {
    fd = openSync(`${filename}-shm`, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    if (readSync(fd, buf, 0, HEADER_BYTES, 0) < HEADER_BYTES) return null;
    const u32 = (offset: number): number =>
      endianness() === 'LE' ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
    if (u32(VERSION_OFFSET) !== WAL_INDEX_VERSION || buf[IS_INIT_OFFSET] !== 1) return null;
    // The two copies differ only while a writer is updating them.
    if (!buf.subarray(0, 48).equals(buf.subarray(48, 96))) return null;
    const pending = u32(MX_FRAME_OFFSET) - u32(N_BACKFILL_OFFSET);
    return pending >= 0 ? pending : null;
  } finally {
    closeSync(fd);
  }
}
