/**
 * What this machine offers to jobs: CPU, memory and GPUs, detected or configured. Admission
 * (admission.ts) compares job requests against what is left of it.
 */
import { execFile } from 'node:child_process';
import { availableParallelism, totalmem } from 'node:os';
import { invalid } from '../errors.js';
import type { JobResources } from '../executors/types.js';
import { formatMemory, parseCpu, parseMemory } from '../quantity.js';

export interface Capacity {
  millicores: number;
  bytes: number;
  /** GPU indices as CUDA_VISIBLE_DEVICES takes them. */
  gpuIds: string[];
}

export interface CapacitySettings {
  capacityCpu?: string | undefined;
  capacityMemory?: string | undefined;
  /** "0,1", or "none"/"" for no GPUs. */
  gpus?: string | undefined;
}

export interface GpuInfo {
  index: string;
  uuid: string;
}

/** Configured values win; the rest is detected (`nvidia-smi` for GPUs, none when it is absent). */
export async function resolveCapacity(settings: CapacitySettings, detect: () => Promise<GpuInfo[]> = detectGpus): Promise<Capacity> {
  let millicores = availableParallelism() * 1000;
  if (settings.capacityCpu !== undefined) {
    const v = parseCpu(settings.capacityCpu);
    if (v === undefined) throw invalid(`Setting 'capacityCpu' (TRAINYARD_CAPACITY_CPU) must be a CPU quantity like "4" or "3500m", got '${settings.capacityCpu}'`);
    millicores = v;
  }
  let bytes = totalmem();
  if (settings.capacityMemory !== undefined) {
    const v = parseMemory(settings.capacityMemory);
    if (v === undefined) throw invalid(`Setting 'capacityMemory' (TRAINYARD_CAPACITY_MEMORY) must be a memory quantity like "16Gi", got '${settings.capacityMemory}'`);
    bytes = v;
  }
  const gpuIds = settings.gpus !== undefined ? parseGpuList(settings.gpus) : (await detect()).map((g) => g.index);
  return { millicores, bytes, gpuIds };
}

export function parseGpuList(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'none') return [];
  const ids = trimmed.split(',').map((s) => s.trim());
  const bad = ids.find((id) => !/^[A-Za-z0-9-]+$/.test(id));
  if (bad !== undefined) throw invalid(`Setting 'gpus' (TRAINYARD_GPUS) must list GPU indices like "0,1" (or "none"), got '${text}'`);
  if (new Set(ids).size !== ids.length) throw invalid(`Setting 'gpus' (TRAINYARD_GPUS) lists a GPU twice: '${text}'`);
  return ids;
}

/** The GPUs the NVIDIA driver reports, or none when there is no driver or no nvidia-smi. */
export function detectGpus(command = 'nvidia-smi'): Promise<GpuInfo[]> {
  return new Promise((resolve) => {
    execFile(command, ['--query-gpu=index,uuid', '--format=csv,noheader'], { timeout: 10_000 }, (err, stdout) => {
      resolve(err ? [] : parseNvidiaSmi(stdout));
    });
  });
}

export function parseNvidiaSmi(csv: string): GpuInfo[] {
  const out: GpuInfo[] = [];
  for (const line of csv.split('\n')) {
    const [index, uuid] = line.split(',').map((s) => s.trim());
    if (index !== undefined && /^\d+$/.test(index)) out.push({ index, uuid: uuid ?? '' });
  }
  return out;
}

/** Refuses, naming the resource, a job that could never start here because it asks for more than exists. */
export function assertWithinCapacity(requests: JobResources, capacity: Capacity): void {
  const problems: string[] = [];
  if (requests.millicores > capacity.millicores) {
    problems.push(`cpu: requests ${requests.millicores}m but this machine offers ${capacity.millicores}m (TRAINYARD_CAPACITY_CPU)`);
  }
  if (requests.bytes > capacity.bytes) {
    problems.push(`memory: requests ${formatMemory(requests.bytes)} but this machine offers ${formatMemory(capacity.bytes)} (TRAINYARD_CAPACITY_MEMORY)`);
  }
  if (requests.gpus > capacity.gpuIds.length) {
    problems.push(`gpu: requests ${requests.gpus} but this machine offers ${capacity.gpuIds.length} (TRAINYARD_GPUS)`);
  }
  if (problems.length > 0) {
    throw invalid(`The job can never start: it requests more than this machine has. ${problems.join('; ')}`, problems.map((message) => ({ field: `resources.requests.${message.split(':')[0]}`, message })));
  }
}
