/**
 * The ModelTraining manifest (Odahu-flow's format plus Trainyard's optional additions), as TypeBox
 * schemas: the single source for validation, TypeScript types and the OpenAPI document.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Strict = { additionalProperties: false } as const;
const Described = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

export const TRAINING_ID_PATTERN = '^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$';
export const LABEL_PATTERN = '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

const Quantity = Type.Union([Type.String(), Type.Number()]);
const ResourceList = Type.Object(
  {
    cpu: Type.Optional(Described(Quantity, 'CPU: cores ("2", 1.5) or millicores ("500m")')),
    memory: Type.Optional(Described(Quantity, 'memory: bytes or a quantity like "512Mi", "1Gi", "1G"')),
    gpu: Type.Optional(Described(Type.Union([Type.Integer({ minimum: 0 }), Type.String()]), 'whole GPUs')),
  },
  Strict,
);

export const DataBindingSchema = Type.Object(
  {
    connName: Type.Optional(Described(Type.String({ minLength: 1 }), 'connection id (Odahu docs spelling)')),
    connection: Type.Optional(Described(Type.String({ minLength: 1 }), 'connection id (Odahu code spelling)')),
    localPath: Described(Type.String({ minLength: 1 }), 'where the data lands, relative to the work directory'),
    remotePath: Type.Optional(Described(Type.String(), "overrides the path part of the connection's URI")),
  },
  Strict,
);

export const AlgorithmSourceSchema = Type.Object(
  {
    vcs: Type.Optional(Type.Object({ connection: Type.String({ minLength: 1 }), reference: Type.Optional(Type.String()) }, Strict)),
    objectStorage: Type.Optional(Type.Object({ connection: Type.String({ minLength: 1 }), path: Type.Optional(Type.String()) }, Strict)),
    local: Type.Optional(
      Type.Object(
        {
          path: Described(Type.String({ minLength: 1 }), 'a folder on the submitting machine, snapshotted at submit'),
          snapshot: Type.Optional(Described(Type.String(), 'content hash of the stored snapshot (set by Trainyard)')),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

export const TrainingSpecSchema = Type.Object(
  {
    model: Type.Object(
      {
        name: Described(Type.String({ pattern: LABEL_PATTERN, maxLength: 253 }), 'letters, digits, "-", "_", "." ending with a letter or digit'),
        version: Described(Type.String({ pattern: LABEL_PATTERN, maxLength: 63 }), 'letters, digits, "-", "_", "." ending with a letter or digit'),
        artifactNameTemplate: Type.Optional(
          Described(Type.String({ minLength: 1 }), 'result archive name; variables {{ .Name }}, {{ .Version }}, {{ .RandomUUID }}; .zip or .tar.gz'),
        ),
      },
      Strict,
    ),
    toolchain: Described(Type.Union([Type.Literal('mlflow'), Type.Literal('command')]), "'mlflow' runs an MLproject entry point, 'command' a plain command"),
    // May be empty: that is how reads show a command training's entrypoint, and a read must re-apply.
    entrypoint: Type.Optional(Described(Type.String(), 'MLproject entry point (default "main"); empty for a command training')),
    command: Type.Optional(
      Described(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })]), 'the command of a `command` training; {param} placeholders are filled from hyperParameters'),
    ),
    workDir: Type.Optional(Described(Type.String(), 'folder inside the source to run in (default "./")')),
    data: Type.Optional(Type.Array(DataBindingSchema)),
    hyperParameters: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
    resources: Type.Optional(Type.Object({ limits: Type.Optional(ResourceList), requests: Type.Optional(ResourceList) }, Strict)),
    envs: Type.Optional(Type.Array(Type.Object({ name: Type.String({ pattern: ENV_NAME_PATTERN }), value: Type.String() }, Strict))),
    image: Type.Optional(Type.String({ minLength: 1 })),
    dockerfile: Type.Optional(Described(Type.String({ minLength: 1 }), 'Dockerfile in the source to build the image from (docker executor)')),
    requirements: Type.Optional(Described(Type.String({ minLength: 1 }), 'pip requirements file in the source, installed on top of `image` (docker executor)')),
    vcsName: Type.Optional(Described(Type.String({ minLength: 1 }), 'git connection holding the source')),
    reference: Type.Optional(Described(Type.String({ minLength: 1 }), 'git branch, tag, full ref or commit')),
    algorithmSource: Type.Optional(AlgorithmSourceSchema),
    outputConnection: Type.Optional(Type.String()),
    nodeSelector: Type.Optional(Type.Record(Type.String(), Type.String())),
    executor: Type.Optional(
      Described(Type.Union([Type.Literal('local'), Type.Literal('docker'), Type.Literal('slurm'), Type.Literal('kubernetes')]), 'where the training runs (default: the server\'s default executor)'),
    ),
    timeout: Type.Optional(Described(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.String()]), 'seconds, or a duration like "90s", "30m", "2h"')),
    experiment: Type.Optional(Described(Type.String({ minLength: 1 }), 'tracking experiment for the run (default: the model name)')),
  },
  Strict,
);

export const TrainingManifestSchema = Type.Object(
  {
    kind: Type.Optional(Type.Literal('ModelTraining')),
    id: Type.Optional(Described(Type.String({ pattern: TRAINING_ID_PATTERN }), 'up to 63 lowercase letters, digits or "-", starting with a letter')),
    spec: TrainingSpecSchema,
    // Written by the platform; accepted and ignored on input so `get -o yaml` output can be re-applied.
    status: Type.Optional(Type.Unknown()),
  },
  Strict,
);

export type TrainingSpecInput = Static<typeof TrainingSpecSchema>;
export type TrainingManifestInput = Static<typeof TrainingManifestSchema>;
