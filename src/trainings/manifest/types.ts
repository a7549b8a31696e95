import type { TrainingSpecInput } from './schema.js';

/** Resource amounts as people write them; `resourceNumbers` reads them for admission. */
export interface ResourceAmounts {
  cpu: string;
  memory: string;
  gpu: number;
}

/** Where the training's code comes from, resolved from the manifest's source fields. */
export type TrainingSource =
  | { kind: 'git'; connection: string; reference?: string | undefined }
  | { kind: 'objectStorage'; connection: string; path?: string | undefined }
  | { kind: 'local'; path: string; snapshot?: string | undefined };

/** A validated spec with every default filled in: what `get` shows and what runs. */
export interface TrainingSpec {
  model: { name: string; version: string; artifactNameTemplate: string };
  toolchain: 'mlflow' | 'command';
  entrypoint: string;
  command?: string | string[];
  workDir: string;
  data: { connName: string; localPath: string; remotePath?: string }[];
  hyperParameters: Record<string, string>;
  resources: { limits: ResourceAmounts; requests: ResourceAmounts };
  envs: { name: string; value: string }[];
  image?: string;
  dockerfile?: string;
  requirements?: string;
  vcsName?: string;
  reference?: string;
  algorithmSource?: TrainingSpecInput['algorithmSource'];
  outputConnection?: string;
  nodeSelector?: Record<string, string>;
  executor: 'local' | 'docker' | 'slurm' | 'kubernetes';
  timeout?: number;
  experiment: string;
}
