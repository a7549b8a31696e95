import { delimiter, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `import trainyard` comes from inside a training. */
export const PYTHON_CLIENT_DIR = resolve(fileURLToPath(new URL('../../clients/python', import.meta.url)));

/**
 * Variables a training inherits from the server: enough to find programs and write files, and
 * nothing else. The server's own secrets (TRAINYARD_SECRET_KEY, cloud credentials) never leak in.
 */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SHELL', 'TERM'];

export interface TrainingEnvironment {
  trackingUri: string;
  runId: string;
  experimentId: string;
  outputDir: string;
  trainingId: string;
  /** The manifest's envs, then the toolchain's parameter variables. */
  extra: Record<string, string>;
}

export function trainingEnvironment(e: TrainingEnvironment, serverEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = serverEnv[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, {
    PYTHONPATH: serverEnv.PYTHONPATH ? `${PYTHON_CLIENT_DIR}${delimiter}${serverEnv.PYTHONPATH}` : PYTHON_CLIENT_DIR,
    PYTHONUNBUFFERED: '1',
    MPLBACKEND: 'Agg',
    ...e.extra,
    // Last, so nothing above can point a training at another run.
    MLFLOW_TRACKING_URI: e.trackingUri,
    MLFLOW_RUN_ID: e.runId,
    MLFLOW_EXPERIMENT_ID: e.experimentId,
    TRAINYARD_OUTPUT_DIR: e.outputDir,
    TRAINYARD_TRAINING_ID: e.trainingId,
  });
  return env;
}
