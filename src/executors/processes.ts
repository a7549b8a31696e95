/**
 * Linux process facts from /proc, for finding a job's processes again without being their parent.
 * A zombie counts as gone: it runs nothing, and when the server that spawned a job has died its
 * orphans may never be reaped (PID 1 in a container often does not reap).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** R, S, D, Z, T, ... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks after boot at which the process started: with the pid, it names one process for good. */
  startTime: string;
}

const HAVE_PROC = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name sits in parentheses and may itself contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const startTime = fields[19];
  if (fields.length < 20 || startTime === undefined) return undefined;
  return { pid, state: fields[0]!, ppid: Number(fields[1]), pgrp: Number(fields[2]), startTime };
}

/** The start time of `pid`, or '' where /proc is not available. */
export function processStartTime(pid: number): string {
  return readProcStat(pid)?.startTime ?? '';
}

/** Whether `pid` runs and is the process that started at `startTime` (not a reuse of its pid). */
export function processAlive(pid: number, startTime: string): boolean {
  if (!HAVE_PROC) return signalExists(pid);
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z') return false;
  return startTime === '' || stat.startTime === startTime;
}

/** Pids of live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  if (!HAVE_PROC) return signalExists(-pgid) ? [pgid] : [];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') out.push(stat.pid);
  }
  return out;
}

/** Sends a signal to a whole process group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

function signalExists(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
