// The engine process's CPU priority: content work must never win the CPU from the loop that answers Discord.
// Linux schedules threads, not processes, so every thread of the process is changed; threads started later (the
// content pool's) inherit the setting of the thread that starts them.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * `idle`: Linux's SCHED_IDLE class — the engine runs only on CPU time no normal thread wants, and a waking normal
 * thread preempts it at once (niceness 10 still leaves it a tenth of a contended core and the waits that come with
 * it). `low`: niceness 10 only, for machines whose other work keeps every core busy (SCHED_IDLE would starve the
 * workflows there).
 */
export type EnginePriority = 'idle' | 'low';

/** The niceness of every engine thread, and the fallback where SCHED_IDLE cannot be set. */
export const ENGINE_NICENESS = 10;

/** Linux's number for SCHED_IDLE in /proc/<pid>/task/<tid>/stat (field 41, `policy`). */
export const SCHED_IDLE = 5;

const threadsOf = (pid: number): number[] => {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
};

/** Sets the niceness of every thread of this process (elsewhere than Linux the process call covers them all). */
export function lowerNiceness(niceness: number): void {
  const threads = threadsOf(process.pid);
  for (const tid of threads.length > 0 ? threads : [0]) {
    try {
      setPriority(tid, niceness);
    } catch {
      // Not permitted or not supported: that thread keeps its priority.
    }
  }
}

/**
 * Puts every thread of `pid` in SCHED_IDLE with util-linux's `chrt` (Node has no call for it; an unprivileged
 * process may lower its own class). Resolves with the reason when it cannot (not Linux, no chrt, refused).
 */
export function idleSchedule(
  pid: number,
  chrt = 'chrt',
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (process.platform !== 'linux')
    return Promise.resolve({ ok: false, reason: `SCHED_IDLE is Linux only (this is ${process.platform})` });
  return new Promise((resolve) => {
    execFile(
      chrt,
      ['--idle', '--all-tasks', '--pid', '0', String(pid)],
      { timeout: 5_000 },
      (e, _out, err) => {
        if (e === null) resolve({ ok: true });
        else resolve({ ok: false, reason: `${chrt}: ${(err.trim() || e.message).slice(0, 200)}` });
      },
    );
  });
}

/** Each thread's scheduling policy number (0 normal, 5 SCHED_IDLE) and niceness, read from /proc (Linux). */
export function threadScheduling(pid: number): { tid: number; policy: number; nice: number }[] {
  const out: { tid: number; policy: number; nice: number }[] = [];
  for (const tid of threadsOf(pid)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    // Fields after the command name (which may hold spaces and parentheses) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.push({ tid, nice: Number(fields[19 - 3]), policy: Number(fields[41 - 3]) });
  }
  return out;
}
