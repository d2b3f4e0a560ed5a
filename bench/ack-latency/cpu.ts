// The main thread's CPU time, for the ack-latency benches.
import { readFileSync } from 'node:fs';

/**
 * CPU time of this process's main thread so far (ms): unlike wall-clock latencies it does not grow when other
 * processes take the cores, so runs on a loaded machine stay comparable. Linux only (/proc, USER_HZ = 100).
 */
export function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name: state is [0], utime [11], stime [12] (stat(5) fields 14 and 15).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    return Number.isFinite(ticks) ? ticks * 10 : null;
  } catch {
    return null;
  }
}
