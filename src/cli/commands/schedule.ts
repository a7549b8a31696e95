/** `trainyard schedule create -f FILE`, `schedule get [ID]`, `schedule delete ID`. */
import type { Command } from 'commander';
import type { ScheduleView } from '../../pipelines/schedules/service.js';
import { formatAge, OUTPUT_HELP, parseOutputFormat, render, type Column } from '../output.js';
import { say, withServer, type ServerOpts } from './common.js';
import { readManifestFile, withPipelineApi } from './pipeline-api.js';

const NOTE = `
A Schedule names a cron expression (minute hour day-of-month month day-of-week, or six fields with
leading seconds), a time zone (default UTC), an overlap policy (skip or queue) and a target:
  pipeline: {file: pipeline.yaml, params: {...}}   (the file is read relative to the schedule file)
  training: {kind: ModelTraining, id: ..., spec: {...}}
The target's source folder is snapshotted now: later edits do not change what fires.
Schedules fire from \`trainyard server\`; a server that was down fires once for what it missed
(catchUp: false records those firings as missed instead).`;

const COLUMNS: Column<ScheduleView>[] = [
  { header: 'ID', value: (s) => s.id },
  { header: 'CRON', value: (s) => s.spec.cron },
  { header: 'TIME ZONE', value: (s) => s.spec.timezone },
  { header: 'TARGET', value: (s) => (s.spec.target.kind === 'pipeline' ? `pipeline ${String(s.spec.target.manifest.name)}` : `training ${String(s.spec.target.manifest.id)}`) },
  { header: 'OVERLAP', value: (s) => s.spec.overlap },
  { header: 'NEXT', value: (s) => time(s.status.nextFireAt) },
  { header: 'LAST', value: (s, now) => (s.status.lastFireAt === undefined ? '-' : `${formatAge(now - s.status.lastFireAt)} ago → ${s.status.lastTarget ?? '?'}`) },
  { header: 'QUEUED', value: (s) => String(s.status.queued) },
];

export function registerScheduleCommand(program: Command): void {
  const schedule = program.command('schedule').description('Cron schedules of pipelines and trainings: create, get, delete');

  withServer(schedule.command('create'))
    .description('Create the schedule in a manifest file (YAML or JSON)')
    .requiredOption('-f, --file <file>', 'Schedule manifest')
    .option('-o, --output <format>', OUTPUT_HELP)
    .addHelpText('after', NOTE)
    .action(async (opts: ServerOpts & { file: string; output?: string }) => {
      const format = parseOutputFormat(opts.output);
      const { manifest, baseDir } = readManifestFile(opts.file, 'Schedule');
      const text = await withPipelineApi(opts, async (api) => {
        const created = await api.createSchedule(manifest, baseDir);
        if (format.kind !== 'table') return render({ one: created }, format, COLUMNS, '');
        const where = api.mode === 'embedded' ? ' (it fires while `trainyard server` runs on this store)' : '';
        return `schedule ${created.id} created; next firing ${time(created.status.nextFireAt)}${where}\n`;
      });
      process.stdout.write(text);
    });

  withServer(schedule.command('get'))
    .description('Show one schedule with its latest firings, or list them all with their next and last firing')
    .argument('[id]', 'schedule id')
    .option('-o, --output <format>', OUTPUT_HELP)
    .action(async (id: string | undefined, opts: ServerOpts & { output?: string }) => {
      const format = parseOutputFormat(opts.output);
      const text = await withPipelineApi(opts, async (api) => {
        if (id === undefined) return render({ list: await api.listSchedules() }, format, COLUMNS, 'No schedules.');
        const one = await api.getSchedule(id);
        if (format.kind !== 'table') return render({ one }, format, COLUMNS, '');
        const firings = one.status.firings.map((f) => `  ${new Date(f.fireAt).toISOString()}  ${f.state.padEnd(8)} ${f.target ?? ''}${f.message ? `  (${f.message})` : ''}`);
        return `${render({ one }, format, COLUMNS, '')}${firings.length ? `\nLatest firings:\n${firings.join('\n')}\n` : ''}`;
      });
      process.stdout.write(text);
    });

  withServer(schedule.command('delete'))
    .description('Delete a schedule (what it started keeps running)')
    .argument('<id>', 'schedule id')
    .action(async (id: string, opts: ServerOpts) => {
      await withPipelineApi(opts, async (api) => {
        await api.deleteSchedule(id);
        say(`schedule ${id} deleted`);
      });
    });
}

function time(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');
}
