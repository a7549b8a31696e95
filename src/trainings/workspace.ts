import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The folders of one generation of a training on this machine. */
export interface Workspace {
  root: string;
  /** The source tree. */
  src: string;
  /** Where the training runs: `src/<spec.workDir>`. */
  workDir: string;
  /** TRAINYARD_OUTPUT_DIR. */
  output: string;
  /** stdout and stderr of the training, preceded by Trainyard's own preparation notes. */
  logPath: string;
}

export function trainingsRoot(home: string): string {
  return join(home, 'trainings');
}

export function workspaceFor(home: string, trainingId: string, generation: number, workDir: string): Workspace {
  const root = join(trainingsRoot(home), trainingId, String(generation));
  const src = join(root, 'src');
  return { root, src, workDir: workDir === '.' ? src : join(src, ...workDir.split('/')), output: join(root, 'output'), logPath: join(root, 'training.log') };
}

/** A clean workspace: an interrupted preparation of the same generation starts over. */
export async function createWorkspace(ws: Workspace): Promise<void> {
  await rm(ws.src, { recursive: true, force: true });
  await rm(ws.output, { recursive: true, force: true });
  await mkdir(ws.output, { recursive: true });
}
