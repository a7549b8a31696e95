/**
 * How runs and their inputs and outputs sit in the `inputs` table, and loading the model links of
 * runs for the run entity (kept apart from the services so the run loader can use it freely).
 */
import type { CompiledQuery } from 'kysely';
import type { Executor } from '../store/open.js';
import type { Run } from './entities.js';

/** How links sit in the `inputs` table: datasets and models feed runs; runs output models. */
export const LINK = {
  dataset: { source_type: 'DATASET', destination_type: 'RUN' },
  modelInput: { source_type: 'MODEL', destination_type: 'RUN' },
  modelOutput: { source_type: 'RUN', destination_type: 'MODEL' },
} as const;

export type ModelLink = { source_type: string; source_id: string; destination_id: string; step: number };

/** The model inputs and outputs of runs, for `attachModelLinks`. */
export function modelLinksQuery(db: Executor, runIds: readonly string[]): CompiledQuery<ModelLink> {
  return db
    .selectFrom('inputs')
    .select(['source_type', 'source_id', 'destination_id', 'step'])
    .where((eb) =>
      eb.or([
        eb.and([eb('source_type', '=', LINK.modelInput.source_type), eb('destination_type', '=', LINK.modelInput.destination_type), eb('destination_id', 'in', runIds)]),
        eb.and([eb('source_type', '=', LINK.modelOutput.source_type), eb('destination_type', '=', LINK.modelOutput.destination_type), eb('source_id', 'in', runIds)]),
      ]),
    )
    .orderBy('step')
    .orderBy('input_uuid')
    .compile();
}

/** Fills `inputs.model_inputs` and `outputs.model_outputs` of runs keyed by run id. */
export function attachModelLinks(runs: ReadonlyMap<string, Run>, links: readonly ModelLink[]): void {
  for (const l of links) {
    if (l.source_type === LINK.modelInput.source_type) {
      (runs.get(l.destination_id)!.inputs.model_inputs ??= []).push({ model_id: l.source_id });
    } else {
      const run = runs.get(l.source_id)!;
      ((run.outputs ??= {}).model_outputs ??= []).push({ model_id: l.destination_id, step: l.step });
    }
  }
}
