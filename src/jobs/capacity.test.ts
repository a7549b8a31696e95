import { availableParallelism, totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { assertWithinCapacity, detectGpus, parseGpuList, parseNvidiaSmi, resolveCapacity } from './capacity.js';

describe('capacity', () => {
  it('detects cores and memory and takes configured values over them', async () => {
    const none = async () => [];
    expect(await resolveCapacity({}, none)).toEqual({ millicores: availableParallelism() * 1000, bytes: totalmem(), gpuIds: [] });
    expect(await resolveCapacity({ capacityCpu: '1500m', capacityMemory: '2Gi', gpus: '0, 2' }, none)).toEqual({
      millicores: 1500,
      bytes: 2 * 2 ** 30,
      gpuIds: ['0', '2'],
    });
    expect((await resolveCapacity({ gpus: 'none' }, async () => [{ index: '0', uuid: 'GPU-x' }])).gpuIds).toEqual([]);
    expect((await resolveCapacity({}, async () => [{ index: '0', uuid: 'GPU-x' }])).gpuIds).toEqual(['0']);
  });

  it('refuses malformed settings, naming the variable', async () => {
    await expect(resolveCapacity({ capacityCpu: 'lots' })).rejects.toThrow(/TRAINYARD_CAPACITY_CPU/);
    await expect(resolveCapacity({ capacityMemory: '2 bananas' })).rejects.toThrow(/TRAINYARD_CAPACITY_MEMORY/);
    expect(() => parseGpuList('0,0')).toThrow(/twice/);
    expect(() => parseGpuList('0;1')).toThrow(/TRAINYARD_GPUS/);
  });

  it('reads nvidia-smi output, and finds no GPUs where nvidia-smi is missing', async () => {
    expect(parseNvidiaSmi('0, GPU-aaaa\n1, GPU-bbbb\n')).toEqual([
      { index: '0', uuid: 'GPU-aaaa' },
      { index: '1', uuid: 'GPU-bbbb' },
    ]);
    expect(parseNvidiaSmi('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n')).toEqual([]);
    expect(await detectGpus('/nonexistent/nvidia-smi')).toEqual([]);
  });

  it('refuses a job that asks for more than the machine has, naming each resource', () => {
    const cap = { millicores: 2000, bytes: 2 ** 30, gpuIds: ['0'] };
    expect(() => assertWithinCapacity({ millicores: 2000, bytes: 2 ** 30, gpus: 1 }, cap)).not.toThrow();
    let error: unknown;
    try {
      assertWithinCapacity({ millicores: 4000, bytes: 2 ** 31, gpus: 2 }, cap);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    const message = (error as Error).message;
    expect(message).toContain('cpu: requests 4000m but this machine offers 2000m');
    expect(message).toContain('memory: requests 2Gi but this machine offers 1Gi');
    expect(message).toContain('gpu: requests 2 but this machine offers 1');
  });
});
