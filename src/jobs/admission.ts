/**
 * Which queued jobs start now. Jobs are considered oldest first; each starts when its requests
 * fit what is free. A job that does not fit becomes the head of the line; younger jobs that do
 * fit may start ahead of it (backfill) only while the head has waited less than the backfill
 * window. Once it has waited longer, nothing else that needs this machine's resources starts
 * until it does, so the running jobs drain (each ends, at the latest at its timeout) and the
 * head is guaranteed its turn: no starvation.
 */
import type { JobResources } from '../executors/types.js';
import type { Capacity } from './capacity.js';

export interface Candidate {
  id: string;
  requests: JobResources;
  createdAt: number;
  /** False for executors whose resources live elsewhere (Slurm, Kubernetes): no local admission. */
  usesHost: boolean;
}

export interface Admitted {
  id: string;
  gpuIds: string[];
}

export interface AdmissionOptions {
  now: number;
  backfillWindowMs: number;
}

export function freeCapacity(total: Capacity, reserved: Iterable<{ requests: JobResources; gpuIds: string[] }>): Capacity {
  let millicores = total.millicores;
  let bytes = total.bytes;
  const taken = new Set<string>();
  for (const r of reserved) {
    millicores -= r.requests.millicores;
    bytes -= r.requests.bytes;
    for (const g of r.gpuIds) taken.add(g);
  }
  return { millicores, bytes, gpuIds: total.gpuIds.filter((g) => !taken.has(g)) };
}

export function fits(requests: JobResources, free: Capacity): boolean {
  return requests.millicores <= free.millicores && requests.bytes <= free.bytes && requests.gpus <= free.gpuIds.length;
}

/** Candidates in queue order (oldest first); returns those to start, with the GPUs each gets. */
export function planAdmission(candidates: readonly Candidate[], total: Capacity, free: Capacity, options: AdmissionOptions): Admitted[] {
  const admitted: Admitted[] = [];
  let left: Capacity = { ...free, gpuIds: [...free.gpuIds] };
  let backfill = true;
  let headSeen = false;
  for (const c of candidates) {
    if (!c.usesHost) {
      admitted.push({ id: c.id, gpuIds: [] });
      continue;
    }
    // More than this machine has at all: another worker may take it; it must not block ours.
    if (!fits(c.requests, total)) continue;
    if (headSeen && !backfill) continue;
    if (fits(c.requests, left)) {
      const gpuIds = left.gpuIds.slice(0, c.requests.gpus);
      left = {
        millicores: left.millicores - c.requests.millicores,
        bytes: left.bytes - c.requests.bytes,
        gpuIds: left.gpuIds.slice(c.requests.gpus),
      };
      admitted.push({ id: c.id, gpuIds });
    } else if (!headSeen) {
      headSeen = true;
      backfill = options.now - c.createdAt < options.backfillWindowMs;
    }
  }
  return admitted;
}
