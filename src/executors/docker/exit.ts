/**
 * How a container ended, in the executor interface's words. A container the kernel killed for
 * exceeding its memory limit says so (reason 'oom'), rather than "killed by signal SIGKILL".
 */
import type { ContainerInspectInfo } from 'dockerode';
import { formatMemory } from '../../quantity.js';
import { fromStatus } from '../local.js';
import type { ExitInfo } from '../types.js';

export function exitOfState(state: ContainerInspectInfo['State'], memoryLimit: number): ExitInfo {
  if (state.OOMKilled) {
    const limit = memoryLimit > 0 ? ` of ${formatMemory(memoryLimit)}` : '';
    return {
      exitCode: null,
      reason: 'oom',
      message: `killed for exceeding its memory limit${limit} (the container ran out of memory and the kernel killed it, exit status ${state.ExitCode})`,
    };
  }
  if (state.Status === 'created') return { exitCode: null, reason: 'lost', message: 'the container was created but never started' };
  if (state.Error) return { exitCode: null, reason: 'failed', message: `the container failed: ${state.Error}` };
  return fromStatus(state.ExitCode);
}
