import { readFileSync } from 'node:fs';

/** Trainyard's version, from package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The MLflow API version Trainyard answers as, for clients that check /version. */
export const MLFLOW_COMPAT_VERSION = '2.17.2';
