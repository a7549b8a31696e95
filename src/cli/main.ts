import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerConnectionCommand } from './commands/connection.js';
import { registerDbCommand } from './commands/db.js';
import { registerImageCommand } from './commands/image.js';
import { registerLocalCommand } from './commands/local.js';
import { registerPipelineCommand } from './commands/pipeline.js';
import { registerScheduleCommand } from './commands/schedule.js';
import { registerServerCommand } from './commands/server.js';
import { registerTrainCommand } from './commands/train.js';
import { reportOf } from './errors.js';

const program = new Command();
program
  .name('trainyard')
  .description('Train, track and ship machine-learning models')
  .version(VERSION)
  .addHelpText(
    'after',
    `
Quickstart (no server, no Python):
  trainyard local train run -f examples/quickstart/training.yaml

train and connection commands work on the local store (./.trainyard or TRAINYARD_HOME) in this
process, or on a server with --server URL (or TRAINYARD_SERVER).`,
  );
registerServerCommand(program);
registerDbCommand(program);
registerTrainCommand(program);
registerConnectionCommand(program);
registerLocalCommand(program);
registerPipelineCommand(program);
registerScheduleCommand(program);
registerImageCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const { lines, exitCode } = reportOf(err);
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exitCode = exitCode;
});
