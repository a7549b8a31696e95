/**
 * What a finished training leaves behind: its log and output folder as run artifacts, one archive
 * of the run's artifacts named by artifactNameTemplate, and a registered model version.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { proxyPathOf } from '../../artifacts/proxy-uri.js';
import type { ArtifactStore } from '../../artifacts/store.js';
import { invalid, TrainyardError } from '../../errors.js';
import type { Tracking } from '../../tracking/index.js';
import { renderArtifactName } from '../manifest/validate.js';
import type { TrainingSpec } from '../manifest/types.js';
import type { TrainingArtifact } from '../resource.js';
import type { Workspace } from '../workspace.js';
import { archiveFormatOf, directoryEntries, writeArchive, type ArchiveEntry } from './archive.js';

export const LOG_ARTIFACT = 'training.log';
export const OUTPUT_ARTIFACTS = 'output';
export const RESULTS_ARTIFACTS = 'results';

export interface ResultDeps {
  tracking: Tracking;
  artifacts: ArtifactStore;
}

export interface CollectedResult {
  artifact: TrainingArtifact;
  modelVersion: string;
}

/** The run's artifact folder in the server's store; trainings always log through the proxy. */
export function runArtifactRoot(artifactUri: string): string {
  const root = proxyPathOf(artifactUri);
  if (root === undefined) {
    throw invalid(`The run's artifacts live at '${artifactUri}', outside this server's artifact store; a training's experiment must use the default artifact location`);
  }
  return root;
}

/** Stores the training log as a run artifact (also for failed trainings: it says why). */
export async function storeLog(deps: ResultDeps, root: string, ws: Workspace): Promise<void> {
  const size = (await stat(ws.logPath).catch(() => undefined))?.size;
  if (size === undefined) return;
  await deps.artifacts.put(`${root}/${LOG_ARTIFACT}`, createReadStream(ws.logPath), size);
}

export async function collectResults(
  deps: ResultDeps,
  run: { runId: string; artifactUri: string },
  trainingId: string,
  spec: TrainingSpec,
  commitId: string | null,
  ws: Workspace,
): Promise<CollectedResult> {
  const root = runArtifactRoot(run.artifactUri);
  const output = await directoryEntries(ws.output);
  for (const entry of output.entries) {
    const file = (entry.source as { file: string }).file;
    await deps.artifacts.put(`${root}/${OUTPUT_ARTIFACTS}/${entry.name}`, createReadStream(file), (await stat(file)).size);
  }

  const artifactName = renderArtifactName(spec.model.artifactNameTemplate, { Name: spec.model.name, Version: spec.model.version, RandomUUID: randomUUID() });
  const entries = await artifactEntries(deps.artifacts, root);
  const archivePath = join(ws.root, artifactName);
  try {
    const summary = await writeArchive(entries, archiveFormatOf(artifactName), archivePath);
    await deps.artifacts.put(`${root}/${RESULTS_ARTIFACTS}/${artifactName}`, createReadStream(archivePath), summary.size);
  } finally {
    await rm(archivePath, { force: true });
  }

  const modelVersion = await register(deps, run, trainingId, spec, artifactName, entries);
  return { artifact: { runId: run.runId, artifactName, commitID: commitId ?? '' }, modelVersion };
}

/** Every artifact of the run except earlier result archives, as lazily opened archive entries. */
async function artifactEntries(store: ArtifactStore, root: string): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const e of await store.list(folder)) {
      const rel = e.path.slice(root.length + 1);
      if (rel === RESULTS_ARTIFACTS) continue;
      if (e.isDir) await walk(e.path);
      else entries.push({ name: rel, source: { open: () => store.get(e.path) } });
    }
  };
  await walk(root);
  return entries;
}

/**
 * Registers the result under spec.model.name. The version's source is the MLflow model the run
 * logged (a folder with an MLmodel file) when there is one, else the training's output folder.
 */
async function register(
  deps: ResultDeps,
  run: { runId: string; artifactUri: string },
  trainingId: string,
  spec: TrainingSpec,
  artifactName: string,
  entries: ArchiveEntry[],
): Promise<string> {
  try {
    await deps.tracking.registry.models.create({ name: spec.model.name });
  } catch (err) {
    if (!(err instanceof TrainyardError && err.code === 'RESOURCE_ALREADY_EXISTS')) throw err;
  }
  const mlmodel = entries.map((e) => e.name).find((n) => n === 'MLmodel' || n.endsWith('/MLmodel'));
  const folder = mlmodel === undefined ? OUTPUT_ARTIFACTS : mlmodel.slice(0, Math.max(0, mlmodel.length - '/MLmodel'.length));
  const source = folder === '' ? run.artifactUri : `${run.artifactUri}/${folder}`;
  const version = await deps.tracking.registry.versions.create({
    name: spec.model.name,
    source,
    runId: run.runId,
    description: `Trained by ${trainingId} (model version ${spec.model.version})`,
    tags: [
      { key: 'training_id', value: trainingId },
      { key: 'model_version', value: spec.model.version },
      { key: 'archive', value: `${RESULTS_ARTIFACTS}/${artifactName}` },
    ],
  });
  return version.version;
}
