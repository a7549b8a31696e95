/**
 * The Schedule manifest: a cron expression in a time zone that starts a pipeline (with
 * parameters) or a training, and what to do when the previous run is still going.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Strict = { additionalProperties: false } as const;
const Described = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

export const SCHEDULE_ID_PATTERN = '^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$';

export const ScheduleManifestSchema = Type.Object(
  {
    kind: Type.Optional(Type.Literal('Schedule')),
    id: Described(Type.String({ pattern: SCHEDULE_ID_PATTERN }), 'up to 63 lowercase letters, digits or "-", starting with a letter'),
    spec: Type.Object(
      {
        cron: Described(Type.String({ minLength: 1 }), 'minute hour day-of-month month day-of-week (a leading seconds field is allowed)'),
        timezone: Type.Optional(Described(Type.String({ minLength: 1 }), 'IANA time zone the cron expression is read in (default UTC)')),
        overlap: Type.Optional(
          Described(Type.Union([Type.Literal('skip'), Type.Literal('queue')]), 'when the previous run is still going: skip this firing, or queue it to start when that run ends (default skip)'),
        ),
        catchUp: Type.Optional(Described(Type.Boolean(), 'after the server was down: fire once for the firings it missed (default true)')),
        pipeline: Type.Optional(
          Type.Object(
            {
              file: Type.Optional(Described(Type.String({ minLength: 1 }), 'a Pipeline manifest file, read by the CLI (relative to the schedule file)')),
              spec: Type.Optional(Described(Type.Record(Type.String(), Type.Unknown()), 'the Pipeline manifest itself')),
              params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
            },
            Strict,
          ),
        ),
        training: Type.Optional(Described(Type.Record(Type.String(), Type.Unknown()), 'a ModelTraining manifest; each firing runs it (a new generation after the first)')),
      },
      Strict,
    ),
    status: Type.Optional(Type.Unknown()),
  },
  Strict,
);

export type ScheduleManifestInput = Static<typeof ScheduleManifestSchema>;

export type ScheduleTarget =
  | { kind: 'pipeline'; manifest: Record<string, unknown>; params: Record<string, string | number | boolean> }
  | { kind: 'training'; manifest: Record<string, unknown> };

/** A validated schedule, as stored. */
export interface ScheduleSpec {
  cron: string;
  timezone: string;
  overlap: 'skip' | 'queue';
  catchUp: boolean;
  target: ScheduleTarget;
}
