/**
 * Process checks for executor tests. A zombie counts as gone: kill(pid, 0) still succeeds for
 * one, and orphans here may never be reaped (PID 1 of a container often does not reap).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupMembers } from '../../src/executors/processes.js';

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls until `check` returns a value (not undefined/false); fails with `what` after `ms`. */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Pids a test job wrote, one per line, once `count` are there. */
export async function readPids(path: string, count: number): Promise<number[]> {
  return eventually(`${count} pids in ${path}`, () => {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    const pids = text.split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
    return pids.length >= count ? pids : undefined;
  });
}

/**
 * Kills what a test started, whether or not the test got as far as stopping it, and waits until
 * it is gone: a job's wrapper still alive would write its exit file into a folder being removed.
 */
export async function killGroups(pgids: number[]): Promise<void> {
  for (const pgid of pgids) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await eventually(`process groups ${pgids.join(', ')} to end`, () => pgids.every((g) => groupMembers(g).length === 0), 10_000);
}
