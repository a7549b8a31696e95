import type { Command } from 'commander';
import { TRAINING_STATES, type TrainingState } from '../../trainings/resource.js';
import { withApi, type TrainyardApi } from '../api.js';
import { applyDocument, deleteResource, describe, type ApplyMode } from '../apply.js';
import { CliError } from '../errors.js';
import { documentsOf, readManifests } from '../manifests.js';
import { OUTPUT_HELP, parseOutputFormat, render } from '../output.js';
import { TRAINING_COLUMNS } from '../views.js';
import { waitForTraining } from '../wait.js';
import { idOrFile, parseTimeout, say, stdoutView, withServer, type ServerOpts } from './common.js';

const EMBEDDED_NOTE = `
Without --server (or TRAINYARD_SERVER) the training runs inside this command, on the local store
(./.trainyard or TRAINYARD_HOME): the command then always waits for it, shows its progress, and
cancels it on Ctrl-C or when --timeout runs out. On a server, the command returns once the training
is submitted unless --wait is given; Ctrl-C or --timeout only stop the waiting.

A file may hold several documents (---): Connection documents are applied first, in order, then
each ModelTraining.`;

interface SubmitOpts extends ServerOpts {
  file: string;
  wait?: boolean;
  timeout?: string;
  ignoreIfExists?: boolean;
}

export function registerTrainCommand(program: Command): void {
  const train = program.command('train').description('ModelTraining resources: create, get, edit, delete, logs, cancel');

  withServer(train.command('create'))
    .description('Submit the training(s) in a manifest file (YAML or JSON)')
    .requiredOption('-f, --file <file>', 'manifest file')
    .option('--wait', 'wait until the training finishes, showing state changes and its log')
    .option('--no-wait', 'on a server: return once submitted (the default there)')
    .option('--timeout <duration>', 'with --wait: stop waiting after this long (seconds, or 90s, 10m, 1h); exit code 124')
    .option('--ignore-if-exists', 'skip trainings and connections that already exist instead of failing')
    .addHelpText('after', EMBEDDED_NOTE)
    .action((opts: SubmitOpts) => submit(opts, 'create'));

  withServer(train.command('edit'))
    .description('Replace the spec of existing training(s) and run them again (a new generation)')
    .requiredOption('-f, --file <file>', 'manifest file')
    .option('--wait', 'wait until the training finishes, showing state changes and its log')
    .option('--no-wait', 'on a server: return once submitted (the default there)')
    .option('--timeout <duration>', 'with --wait: stop waiting after this long; exit code 124')
    .addHelpText('after', EMBEDDED_NOTE)
    .action((opts: SubmitOpts) => submit(opts, 'edit'));

  withServer(train.command('get'))
    .description('Show one training (--id) or list them')
    .option('--id <id>', 'training id; without it, every training (newest first)')
    .option('-o, --output <format>', OUTPUT_HELP)
    .option('--model-name <name>', 'list only trainings of this model')
    .option('--model-version <version>', 'list only trainings of this model version')
    .option('--state <state>', `list only trainings in this state (${TRAINING_STATES.join(', ')})`)
    .action(async (opts: ServerOpts & { id?: string; output?: string; modelName?: string; modelVersion?: string; state?: string }) => {
      const format = parseOutputFormat(opts.output);
      if (opts.state !== undefined && !TRAINING_STATES.includes(opts.state as TrainingState)) {
        throw new CliError(`--state '${opts.state}' is not a training state (${TRAINING_STATES.join(', ')})`);
      }
      const text = await withApi(opts, async (api) => {
        if (opts.id !== undefined) return render({ one: await api.getTraining(opts.id) }, format, TRAINING_COLUMNS, '');
        const filter = { modelName: opts.modelName, modelVersion: opts.modelVersion, state: opts.state as TrainingState | undefined };
        return render({ list: await api.listTrainings(filter) }, format, TRAINING_COLUMNS, 'No trainings found.');
      });
      process.stdout.write(text);
    });

  withServer(train.command('delete'))
    .description('Delete a training (--id) or the trainings of a manifest file (-f); a running one is cancelled first')
    .option('--id <id>', 'training id')
    .option('-f, --file <file>', 'manifest file: deletes its ModelTraining documents (not its connections)')
    .option('--ignore-not-found', 'succeed when the training does not exist')
    .action(async (opts: ServerOpts & { id?: string; file?: string; ignoreNotFound?: boolean }) => {
      const target = idOrFile(opts, 'training');
      const ids = 'id' in target ? [target.id] : documentsOf(readManifests(target.file, 'ModelTraining'), 'ModelTraining', target.file).map((d) => requireId(d.id, d.where));
      await withApi(opts, async (api) => {
        for (const id of ids) say(describe(await deleteResource(api, 'ModelTraining', id, opts.ignoreNotFound === true)));
      });
    });

  withServer(train.command('logs'))
    .description("Print a training's log (Trainyard's preparation notes, then the program's output)")
    .argument('[id]', 'training id')
    .option('--id <id>', 'training id (same as the argument)')
    .option('--follow', 'keep printing as the log grows, until the training finishes')
    .action(async (arg: string | undefined, opts: ServerOpts & { id?: string; follow?: boolean }) => {
      const id = arg ?? opts.id;
      if (id === undefined) throw new CliError('say which training: trainyard train logs ID');
      await withApi(opts, async (api) => {
        for await (const chunk of api.trainingLogs(id, { follow: opts.follow === true })) process.stdout.write(chunk);
      });
    });

  withServer(train.command('cancel'))
    .description('Stop a training: its whole process tree gets SIGTERM, then SIGKILL after the grace period')
    .argument('<id>', 'training id')
    .action(async (id: string, opts: ServerOpts) => {
      await withApi(opts, async (api) => {
        const t = await api.cancelTraining(id);
        say(t.status.state === 'cancelled' ? `training ${id} cancelled` : `training ${id}: cancel requested (${t.status.state} until its process has ended)`);
      });
    });
}

async function submit(opts: SubmitOpts, mode: ApplyMode): Promise<void> {
  const docs = readManifests(opts.file, 'ModelTraining');
  documentsOf(docs, 'ModelTraining', opts.file);
  const timeoutSeconds = opts.timeout === undefined ? undefined : parseTimeout(opts.timeout);
  await withApi(opts, async (api) => {
    const wait = waitDecision(api, opts);
    if (timeoutSeconds !== undefined && !wait) throw new CliError('--timeout applies to waiting: add --wait');
    const view = stdoutView();
    const submitted: string[] = [];
    // Connections first, whatever their place in the file: trainings refer to them.
    for (const doc of [...docs.filter((d) => d.kind === 'Connection'), ...docs.filter((d) => d.kind === 'ModelTraining')]) {
      const connectionMode = mode === 'edit' ? 'upsert' : mode;
      const r = await applyDocument(api, doc, doc.kind === 'Connection' ? connectionMode : mode, opts.ignoreIfExists === true);
      view.line(describe(r));
      if (r.kind === 'ModelTraining' && r.applied !== 'exists') submitted.push(r.id);
    }
    if (!wait || submitted.length === 0) return;
    if (api.mode === 'embedded' && opts.wait === undefined) {
      view.line(view.paint('2', 'No --server: the training runs in this command, which waits for it (Ctrl-C cancels it).'));
    }
    for (const id of submitted) await waitForTraining(api, id, view, { timeoutSeconds });
  });
}

function waitDecision(api: TrainyardApi, opts: SubmitOpts): boolean {
  if (api.trainingsOutliveCommand) return opts.wait === true;
  if (opts.wait === false) {
    throw new CliError('--no-wait needs a server: without one the training runs inside this command. Start `trainyard server` and pass --server URL (or set TRAINYARD_SERVER)');
  }
  return true;
}

function requireId(id: string | undefined, where: string): string {
  if (id === undefined) throw new CliError(`${where}: has no id, so there is nothing to delete by`);
  return id;
}
