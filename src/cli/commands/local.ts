import type { Command } from 'commander';
import { isAbsolute, join, relative } from 'node:path';
import { applyDocument, describe } from '../apply.js';
import { CliError } from '../errors.js';
import { documentsOf, readManifests, type ManifestDocument } from '../manifests.js';
import { waitForTraining } from '../wait.js';
import { parseTimeout, stdoutView } from './common.js';

const LOCAL_NOTE = `
Runs in this process, with no server: the metadata and artifacts go to the local store
(./.trainyard, or TRAINYARD_HOME), so \`trainyard server\` shows the run and its metrics afterwards.
A training that already exists there is run again (a new generation). Connection documents in the
file are created or updated first. Exit code 0 only when the training succeeded.

Example (Node only, no Python):
  trainyard local train run -f examples/quickstart/training.yaml`;

export function registerLocalCommand(program: Command): void {
  const local = program.command('local').description('Work on this machine without a server');
  const train = local.command('train').description('Trainings on this machine');
  train
    .command('run')
    .description('Run one training of a manifest file here and copy its result archive and output folder into --output')
    .requiredOption('-f, --file <file>', 'manifest file (YAML or JSON)')
    .option('--id <id>', 'which training of the file to run (needed when it holds several)')
    .option('--output <dir>', 'where to copy the result archive and output folder (default: ./output/<training id>)')
    .option('--timeout <duration>', 'give up (and cancel the training) after this long: seconds, or 90s, 10m, 1h; exit code 124')
    .addHelpText('after', LOCAL_NOTE)
    .action(async (opts: { file: string; id?: string; output?: string; timeout?: string }) => {
      const docs = readManifests(opts.file, 'ModelTraining');
      const doc = pickTraining(documentsOf(docs, 'ModelTraining', opts.file), opts.id, opts.file);
      const timeoutSeconds = opts.timeout === undefined ? undefined : parseTimeout(opts.timeout);
      const { EmbeddedApi } = await import('../embedded.js');
      const api = await EmbeddedApi.open();
      try {
        const view = stdoutView();
        for (const c of docs.filter((d) => d.kind === 'Connection')) view.line(describe(await applyDocument(api, c, 'upsert')));
        const r = await applyDocument(api, doc, 'upsert');
        view.line(`${describe(r)}; running it here (store: ${shortPath(api.services.config.home)})`);
        const outDir = opts.output ?? join('output', r.id);
        await waitForTraining(api, r.id, view, {
          timeoutSeconds,
          afterSuccess: async (t) => {
            const copied = await api.copyResults(t, outDir);
            return [
              ...copied.archives.map((a): [string, string] => ['copied', shortPath(a)]),
              ['output', shortPath(copied.output)],
            ];
          },
        });
      } finally {
        await api.close();
      }
    });
}

function pickTraining(trainings: ManifestDocument[], id: string | undefined, file: string): ManifestDocument {
  if (id !== undefined) {
    const doc = trainings.find((d) => d.id === id);
    if (!doc) throw new CliError(`'${file}' holds no ModelTraining '${id}' (it holds: ${trainings.map((d) => d.id ?? '(no id)').join(', ')})`);
    return doc;
  }
  if (trainings.length > 1) {
    throw new CliError(`'${file}' holds ${trainings.length} trainings (${trainings.map((d) => d.id ?? '(no id)').join(', ')}): choose one with --id`);
  }
  return trainings[0]!;
}

/** A path relative to the current folder when it is inside it, as people typed it. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
