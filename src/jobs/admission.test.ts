import { describe, expect, it } from 'vitest';
import { fits, freeCapacity, planAdmission, type Candidate } from './admission.js';
import type { Capacity } from './capacity.js';

const total: Capacity = { millicores: 4000, bytes: 4096, gpuIds: ['0', '1'] };
const job = (id: string, millicores: number, gpus = 0, createdAt = 0, usesHost = true): Candidate => ({
  id,
  requests: { millicores, bytes: 0, gpus },
  createdAt,
  usesHost,
});
const opts = { now: 1000, backfillWindowMs: 60_000 };

describe('planAdmission', () => {
  it('starts jobs oldest first while they fit and gives each its own GPUs', () => {
    const plan = planAdmission([job('a', 1000, 1), job('b', 1000, 1), job('c', 1000, 1)], total, total, opts);
    expect(plan).toEqual([
      { id: 'a', gpuIds: ['0'] },
      { id: 'b', gpuIds: ['1'] },
    ]);
  });

  it('lets a smaller younger job start ahead of a blocked head while the head is young (backfill)', () => {
    const free = freeCapacity(total, [{ requests: { millicores: 3000, bytes: 0, gpus: 0 }, gpuIds: [] }]);
    const plan = planAdmission([job('big', 2000, 0, 900), job('small', 500, 0, 950)], total, free, opts);
    expect(plan).toEqual([{ id: 'small', gpuIds: [] }]);
  });

  it('stops backfilling once the head has waited past the window, so the head cannot starve', () => {
    const free = freeCapacity(total, [{ requests: { millicores: 3000, bytes: 0, gpus: 0 }, gpuIds: [] }]);
    const late = { now: 900 + 60_000, backfillWindowMs: 60_000 };
    expect(planAdmission([job('big', 2000, 0, 900), job('small', 500, 0, 950)], total, free, late)).toEqual([]);
  });

  it('skips a job larger than the whole machine without letting it block others', () => {
    expect(planAdmission([job('huge', 8000, 0, 0), job('ok', 1000)], total, total, { now: 1e9, backfillWindowMs: 1 })).toEqual([
      { id: 'ok', gpuIds: [] },
    ]);
  });

  it('admits jobs of executors that do not use this machine without counting them', () => {
    const free = { ...total, millicores: 0 };
    expect(planAdmission([job('remote', 99_000, 9, 0, false)], total, free, opts)).toEqual([{ id: 'remote', gpuIds: [] }]);
  });

  it('frees GPUs held by running jobs only for those jobs', () => {
    const free = freeCapacity(total, [{ requests: { millicores: 0, bytes: 0, gpus: 1 }, gpuIds: ['0'] }]);
    expect(free.gpuIds).toEqual(['1']);
    expect(fits({ millicores: 0, bytes: 0, gpus: 2 }, free)).toBe(false);
    expect(planAdmission([job('g', 0, 1)], total, free, opts)).toEqual([{ id: 'g', gpuIds: ['1'] }]);
  });
});
