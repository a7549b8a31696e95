/**
 * The command a training runs, whichever toolchain its spec names. The work directory must
 * already hold the source (an `mlflow` training reads its MLproject from there).
 */
import { invalid } from '../../errors.js';
import type { TrainingSpec } from '../manifest/types.js';
import { renderCommand } from './command.js';
import { renderEntryPoint, type EntryPointOptions } from './mlproject-command.js';
import { loadMLproject, type DockerEnv } from './mlproject.js';
import type { ToolchainCommand } from './types.js';

export interface TrainingCommand extends ToolchainCommand {
  /** The MLproject's docker_env, for executors that run containers. */
  dockerEnv?: DockerEnv;
}

export type TrainingCommandSpec = Pick<TrainingSpec, 'toolchain' | 'entrypoint' | 'command' | 'hyperParameters'>;

export async function trainingCommand(spec: TrainingCommandSpec, workDir: string, options: EntryPointOptions = {}): Promise<TrainingCommand> {
  if (spec.toolchain === 'command') {
    if (spec.command === undefined) throw invalid("spec.command: required when toolchain is 'command'");
    return renderCommand(spec.command, spec.hyperParameters);
  }
  const project = await loadMLproject(workDir);
  const command: TrainingCommand = renderEntryPoint(project, spec.entrypoint || 'main', spec.hyperParameters, options);
  if (project.environment.type === 'docker') command.dockerEnv = project.environment.docker;
  return command;
}
