// This process and the processes it started (an engine process, its tools), read from /proc: what a test holds to a
// memory budget must include every process the bot runs, not only the test's own.
import { readdirSync, readFileSync } from 'node:fs';

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly state: string;
}

function procs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After the command name: state, then the parent pid.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(entry), ppid: Number(fields[1]), state: fields[0] ?? '' });
    } catch {
      // Ended while we looked.
    }
  }
  return out;
}

/** The live (not zombie) children of `pid`. Linux only. */
export function childrenOf(pid: number): number[] {
  return procs()
    .filter((p) => p.ppid === pid && p.state !== 'Z')
    .map((p) => p.pid);
}

/** Whether `pid` is a live process (a zombie has ended). Linux only. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/**
 * Resident memory of this process plus every live descendant, in bytes. Where /proc is missing, this process only.
 */
export function treeRssBytes(root: number = process.pid): number {
  let all: ProcInfo[];
  try {
    all = procs();
  } catch {
    return process.memoryUsage().rss;
  }
  const seen = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all)
      if (!seen.has(p.pid) && seen.has(p.ppid) && p.state !== 'Z') {
        seen.add(p.pid);
        grew = true;
      }
  }
  let total = 0;
  for (const pid of seen) total += pid === process.pid ? process.memoryUsage().rss : rssBytes(pid);
  return total;
}
