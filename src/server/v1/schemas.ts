/**
 * Schemas of /api/v1 that are not a service's input: resources as the API returns them, the error
 * body, and shared components. The manifest and connection schemas themselves come from the
 * services (one source of truth); here they only get an `$id` so the OpenAPI document can refer to
 * them once under `components.schemas`.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ConnectionSchema, ConnectionSpecSchema, type Connection } from '../../trainings/connections/schema.js';
import { TrainingManifestSchema, TrainingSpecSchema } from '../../trainings/manifest/schema.js';
import type { TrainingEvent } from '../../trainings/repository.js';
import { TRAINING_STATES, type ModelTraining } from '../../trainings/resource.js';

/** A reference to a component added by `addComponentSchemas`, typed as what it describes. */
export const Ref = <T>(id: string): TUnsafe<T> => Type.Unsafe<T>({ $ref: `${id}#` });

const Millis = (description: string) => Type.Integer({ description: `${description} (epoch milliseconds)` });

export const TrainingStateSchema = Type.Union(
  TRAINING_STATES.map((s) => Type.Literal(s)),
  { description: 'scheduling → running → succeeded | failed | cancelled; unknown when the platform lost track' },
);

const ErrorSchema = Type.Object(
  {
    error_code: Type.String({ description: "MLflow-style code, e.g. INVALID_PARAMETER_VALUE, RESOURCE_DOES_NOT_EXIST, PERMISSION_DENIED" }),
    message: Type.String(),
    details: Type.Optional(
      Type.Array(Type.Object({ field: Type.String({ description: 'the field, as a dotted path like spec.resources.limits.cpu' }), message: Type.String() }), {
        description: 'every problem found, one per field (validation errors)',
      }),
    ),
  },
  { $id: 'Error', description: 'Every error answer of the API' },
);

const TrainingStatusSchema = Type.Object(
  {
    state: TrainingStateSchema,
    exitCode: Type.Optional(Type.Integer()),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
    artifacts: Type.Array(Type.Object({ runId: Type.String(), artifactName: Type.String(), commitID: Type.String() })),
    runId: Type.Optional(Type.String({ description: 'the tracking run of this generation' })),
    commitID: Type.Optional(Type.String({ description: 'git commit the source was checked out at' })),
    sourceHash: Type.Optional(Type.String({ description: 'content hash of the snapshotted local source' })),
    modelVersion: Type.Optional(Type.String({ description: 'version registered under spec.model.name on success' })),
    generation: Type.Integer({ minimum: 1, description: 'increases with every create/edit' }),
    createdAt: Millis('first submitted'),
    updatedAt: Millis('last change'),
    startedAt: Type.Optional(Millis('process started')),
    finishedAt: Type.Optional(Millis('finished')),
  },
  { $id: 'TrainingStatus', description: 'Written by the platform only' },
);

const ModelTrainingSchema = Type.Object(
  {
    kind: Type.Literal('ModelTraining'),
    id: Type.String(),
    spec: Ref('TrainingSpec'),
    status: Ref('TrainingStatus'),
  },
  { $id: 'ModelTraining', description: 'A training with every default of its spec filled in' },
);

const TrainingEventSchema = Type.Object(
  {
    at: Millis('when'),
    generation: Type.Integer(),
    state: Type.String(),
    message: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'TrainingEvent' },
);

const ConnectionResourceSchema = Type.Object(
  {
    id: Type.String(),
    spec: Ref('ConnectionSpec'),
    createdAt: Millis('created'),
    updatedAt: Millis('last edited'),
  },
  { $id: 'Connection', description: "A stored connection; secret fields read '*****' except in the decrypted read" },
);

const SourceSnapshotSchema = Type.Object(
  { hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'give it as spec.algorithmSource.local.snapshot' }) },
  { $id: 'SourceSnapshot' },
);

/** The service schemas with their nested spec pointing at the shared spec component. */
const withId = (schema: TSchema, $id: string, description: string, properties?: Record<string, unknown>) => ({
  ...schema,
  $id,
  description,
  ...(properties && { properties: { ...(schema as unknown as { properties: object }).properties, ...properties } }),
});

const COMPONENTS: TSchema[] = [
  ErrorSchema,
  withId(TrainingSpecSchema, 'TrainingSpec', 'What to train and how; absent fields get defaults, which reads show'),
  withId(TrainingManifestSchema, 'ModelTrainingManifest', 'A ModelTraining manifest as submitted (JSON or YAML)', { spec: Ref('TrainingSpec') }),
  TrainingStatusSchema,
  ModelTrainingSchema,
  TrainingEventSchema,
  withId(ConnectionSpecSchema, 'ConnectionSpec', 'Where code or data lives, with its credentials'),
  withId(ConnectionSchema, 'ConnectionInput', 'A Connection as submitted; secret fields are stored encrypted', { spec: Ref('ConnectionSpec') }),
  ConnectionResourceSchema,
  SourceSnapshotSchema,
];

/** Shared schemas on the root instance, where the OpenAPI generator finds them. */
export function addComponentSchemas(app: FastifyInstance): void {
  for (const schema of COMPONENTS) app.addSchema(schema);
}

export type ErrorBody = Static<typeof ErrorSchema>;

export const ErrorRef = Ref<ErrorBody>('Error');
export const TrainingRef = Ref<ModelTraining>('ModelTraining');
export const TrainingEventRef = Ref<TrainingEvent>('TrainingEvent');
export const ConnectionRef = Ref<Connection>('Connection');
export const SourceSnapshotRef = Ref<{ hash: string }>('SourceSnapshot');
/** Request bodies are documented, not validated here: the services check them and report every problem at once. */
export const ManifestBody = Type.Unsafe<unknown>({ $ref: 'ModelTrainingManifest#' });
export const ConnectionBody = Type.Unsafe<unknown>({ $ref: 'ConnectionInput#' });

/** A success answer's schema with the description the document shows for it. */
export const answer = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

/** Error answers a route may give, all with the error body. */
export function errors(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of statuses) out[status] = { ...ErrorRef, description: ERROR_DESCRIPTIONS[status] ?? 'Error' };
  return out;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `details` lists every problem, each naming its field',
  403: 'Missing or wrong admin token (PERMISSION_DENIED)',
  404: 'No such resource (RESOURCE_DOES_NOT_EXIST)',
  413: 'Body larger than the limit',
  415: 'Unsupported Content-Type',
};

/** The 204 of a delete: no body. */
export const NoContent = Type.Unsafe<undefined>({ type: 'null', description: 'Deleted' });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 253, description: 'the resource id' }) });
