/**
 * The Pipeline manifest as TypeBox schemas: the single source for validation, TypeScript types
 * and the OpenAPI document. Semantic rules (references, cycles, parameter types) live in
 * validate.ts.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Strict = { additionalProperties: false } as const;
const Described = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

/** Pipeline and task names: they appear in job ids, run names and file paths. */
export const NAME_PATTERN = '^[a-z][a-z0-9_-]{0,39}$';
const Name = Described(Type.String({ pattern: NAME_PATTERN }), 'up to 40 lowercase letters, digits, "-" or "_", starting with a letter');

export const PARAM_TYPES = ['string', 'integer', 'float', 'boolean'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const ParamSchema = Type.Union([
  Type.Object(
    {
      type: Described(Type.Union(PARAM_TYPES.map((t) => Type.Literal(t))), 'string, integer, float or boolean'),
      default: Type.Optional(Scalar),
      description: Type.Optional(Type.String()),
    },
    Strict,
  ),
  Described(Scalar, 'a default value; its type is inferred (write {type: float, default: 1} for a whole-number float)'),
]);

const Quantity = Type.Union([Type.String(), Type.Number()]);
const ResourceList = Type.Object(
  {
    cpu: Type.Optional(Described(Quantity, 'CPU: cores ("2", 1.5) or millicores ("500m")')),
    memory: Type.Optional(Described(Quantity, 'memory: bytes or a quantity like "512Mi", "1Gi"')),
    gpu: Type.Optional(Described(Type.Union([Type.Integer({ minimum: 0 }), Type.String()]), 'whole GPUs')),
  },
  Strict,
);

export const TaskInputSchema = Type.Union([
  Described(Type.String({ minLength: 1 }), 'a task name: every output of that task, each at its own path'),
  Type.Object(
    {
      from: Described(Type.String({ minLength: 1 }), 'the upstream task'),
      output: Type.Optional(Described(Type.String({ minLength: 1 }), "one of its outputs (default: all of them)")),
      path: Type.Optional(Described(Type.String({ minLength: 1 }), "where it lands, relative to this task's work directory (default: the output's own path)")),
    },
    Strict,
  ),
  Type.Object(
    {
      connection: Described(Type.String({ minLength: 1 }), 'a connection to copy data from (s3, http(s), local)'),
      remotePath: Type.Optional(Described(Type.String(), "overrides the path part of the connection's URI")),
      path: Described(Type.String({ minLength: 1 }), "where it lands, relative to this task's work directory; end with '/' for a folder"),
    },
    Strict,
  ),
]);

export const TaskOutputSchema = Type.Union([
  Described(Type.String({ minLength: 1 }), "a file or folder the task writes, relative to its work directory; also the output's name"),
  Type.Object({ name: Type.Optional(Type.String({ minLength: 1 })), path: Type.String({ minLength: 1 }) }, Strict),
]);

export const RetriesSchema = Type.Union([
  Described(Type.Integer({ minimum: 0, maximum: 20 }), 'how many times a failed task is tried again'),
  Type.Object(
    {
      count: Described(Type.Integer({ minimum: 0, maximum: 20 }), 'how many times a failed task is tried again (0: never)'),
      backoff: Type.Optional(Described(Type.Union([Type.Number({ minimum: 0 }), Type.String()]), 'wait before the first retry: seconds or "30s", "5m" (default 10s)')),
      factor: Type.Optional(Described(Type.Number({ minimum: 1, maximum: 10 }), 'each further retry waits this many times longer (default 2)')),
      maxBackoff: Type.Optional(Described(Type.Union([Type.Number({ minimum: 0 }), Type.String()]), 'the longest wait between tries (default 10m)')),
    },
    Strict,
  ),
]);

export const TaskSchema = Type.Object(
  {
    description: Type.Optional(Type.String()),
    needs: Type.Optional(Described(Type.Array(Type.String({ minLength: 1 })), 'tasks that must finish (succeed or be cached) before this one starts')),
    command: Type.Optional(
      Described(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })]), 'a shell line, or an argv list; {param} placeholders are filled from the pipeline params'),
    ),
    entrypoint: Type.Optional(Described(Type.String({ minLength: 1 }), "an entry point of the MLproject in the task's work directory")),
    parameters: Type.Optional(Described(Type.Record(Type.String(), Scalar), 'values for the entry point parameters; {param} placeholders allowed')),
    training: Type.Optional(Described(Type.Record(Type.String(), Type.Unknown()), 'an inline ModelTraining spec, run through the training service; its source is the pipeline source')),
    workDir: Type.Optional(Described(Type.String({ minLength: 1 }), 'folder inside the pipeline source the task runs in (default ".")')),
    inputs: Type.Optional(Type.Array(TaskInputSchema)),
    outputs: Type.Optional(Type.Array(TaskOutputSchema)),
    code: Type.Optional(Described(Type.Array(Type.String({ minLength: 1 })), "globs (relative to the work directory) whose contents are the task's code; default: the whole work directory")),
    params: Type.Optional(Described(Type.Array(Type.String({ minLength: 1 })), 'params the task reads from TRAINYARD_PARAM_<NAME> without a {placeholder}; they join its cache key')),
    executor: Type.Optional(Type.Union([Type.Literal('local'), Type.Literal('docker'), Type.Literal('slurm'), Type.Literal('kubernetes')])),
    image: Type.Optional(Type.String({ minLength: 1 })),
    dockerfile: Type.Optional(Described(Type.String({ minLength: 1 }), "Dockerfile to build the task's image from, relative to its work directory (executor: docker)")),
    requirements: Type.Optional(Described(Type.String({ minLength: 1 }), 'pip requirements file, relative to the work directory, installed on top of `image` (executor: docker)')),
    resources: Type.Optional(Type.Object({ limits: Type.Optional(ResourceList), requests: Type.Optional(ResourceList) }, Strict)),
    envs: Type.Optional(Type.Array(Type.Object({ name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), value: Type.String() }, Strict))),
    retries: Type.Optional(RetriesSchema),
    timeout: Type.Optional(Described(Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.String()]), 'seconds, or a duration like "90s", "30m", "2h"')),
    cache: Type.Optional(Described(Type.Boolean(), 'reuse an earlier result with the same cache key (default true)')),
    cacheVersion: Type.Optional(Described(Type.Union([Type.String(), Type.Number()]), 'change it to recompute the task although nothing else changed')),
  },
  Strict,
);

export const PipelineManifestSchema = Type.Object(
  {
    kind: Type.Optional(Type.Literal('Pipeline')),
    name: Name,
    description: Type.Optional(Type.String()),
    params: Type.Optional(Type.Record(Type.String(), ParamSchema)),
    concurrency: Type.Optional(Described(Type.Integer({ minimum: 1, maximum: 256 }), 'most tasks in flight at once (default 4)')),
    experiment: Type.Optional(Described(Type.String({ minLength: 1 }), 'tracking experiment of the pipeline run and its task runs (default: the pipeline name)')),
    source: Type.Optional(
      Type.Object(
        {
          local: Type.Optional(
            Type.Object(
              {
                path: Type.Optional(Described(Type.String({ minLength: 1 }), "a folder on the submitting machine (default: the manifest's folder), snapshotted at submit")),
                snapshot: Type.Optional(Described(Type.String(), 'content hash of an uploaded source snapshot (set by Trainyard)')),
              },
              Strict,
            ),
          ),
        },
        Strict,
      ),
    ),
    tasks: Type.Record(Type.String(), TaskSchema),
  },
  Strict,
);

export type PipelineManifestInput = Static<typeof PipelineManifestSchema>;
export type TaskInput = Static<typeof TaskSchema>;
