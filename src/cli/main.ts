import { Command } from 'commander';
import { TrainyardError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerServerCommand } from './commands/server.js';
import { registerDbCommand } from './commands/db.js';

const program = new Command();
program.name('trainyard').description('Train, track and ship machine-learning models').version(VERSION);
registerServerCommand(program);
registerDbCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof TrainyardError) {
    console.error(`trainyard: ${err.message}`);
  } else {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
  process.exitCode = 1;
});
