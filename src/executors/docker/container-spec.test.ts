import { describe, expect, it } from 'vitest';
import type { ExecJob } from '../types.js';
import { containerName, containerSpec, reachableFromBridge } from './container-spec.js';

const job: ExecJob = {
  id: 'iris-1-abc',
  owner: { kind: 'training', id: 'iris' },
  argv: ['/bin/sh', '-c', 'python3 train.py'],
  cwd: '/home/ty/trainings/iris/1/src',
  workspace: '/home/ty/trainings/iris/1',
  env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000', A: 'b' },
  logPath: '/home/ty/trainings/iris/1/training.log',
  limits: { millicores: 1500, bytes: 2 ** 30, gpus: 1 },
  requests: { millicores: 500, bytes: 2 ** 28, gpus: 1 },
  gpuIds: ['1'],
  volumes: ['/srv/data:/data:ro'],
};

describe('container spec', () => {
  it('mounts the workspace at its own path and sets command, env, user, labels and limits', () => {
    const spec = containerSpec(job, 'img:1', { network: 'host', user: '1000:1000' });
    expect(spec).toMatchObject({
      name: 'trainyard-iris-1-abc',
      Image: 'img:1',
      Entrypoint: ['/bin/sh'],
      Cmd: ['-c', 'python3 train.py'],
      WorkingDir: job.cwd,
      User: '1000:1000',
      Labels: { 'trainyard.job': 'iris-1-abc', 'trainyard.owner-kind': 'training', 'trainyard.training': 'iris' },
      HostConfig: {
        Binds: ['/home/ty/trainings/iris/1:/home/ty/trainings/iris/1', '/srv/data:/data:ro'],
        NetworkMode: 'host',
        Init: true,
        NanoCpus: 1_500_000_000,
        Memory: 2 ** 30,
        MemorySwap: 2 ** 30,
        DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: ['1'], Capabilities: [['gpu']] }],
      },
    });
    expect(spec.Env).toEqual(['MLFLOW_TRACKING_URI=http://127.0.0.1:5000', 'A=b']);
    expect(spec.HostConfig!.ExtraHosts).toBeUndefined();
  });

  it('on a bridge network points a loopback tracking URI at the host gateway', () => {
    const spec = containerSpec(job, 'img:1', { network: 'bridge', user: undefined });
    expect(spec.User).toBeUndefined();
    expect(spec.HostConfig).toMatchObject({ NetworkMode: 'bridge', ExtraHosts: ['host.docker.internal:host-gateway'] });
    expect(spec.Env).toContain('MLFLOW_TRACKING_URI=http://host.docker.internal:5000');
    expect(reachableFromBridge('https://mlflow.example.com/base')).toBe('https://mlflow.example.com/base');
    expect(reachableFromBridge('http://localhost:8080/')).toBe('http://host.docker.internal:8080/');
  });

  it('sets no limits it was not given and refuses a working directory outside the workspace', () => {
    const spec = containerSpec({ ...job, limits: { millicores: 0, bytes: 0, gpus: 0 }, gpuIds: [] }, 'img', { network: 'host', user: undefined });
    expect(spec.HostConfig).not.toHaveProperty('NanoCpus');
    expect(spec.HostConfig).not.toHaveProperty('Memory');
    expect(spec.HostConfig).not.toHaveProperty('DeviceRequests');
    expect(() => containerSpec({ ...job, cwd: '/etc' }, 'img', { network: 'host', user: undefined })).toThrow(/must lie inside its workspace/);
    expect(containerName('a b/c')).toBe('trainyard-a-b-c');
  });
});
