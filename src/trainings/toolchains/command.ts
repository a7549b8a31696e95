/**
 * The `command` toolchain: `spec.command` run as written, with `{name}` placeholders filled from
 * the hyper-parameters.
 *
 * - A string runs through `/bin/sh -c`; every substituted value is shell-quoted, so write
 *   `--alpha {alpha}`, not `--alpha "{alpha}"` (the quotes would become part of the value).
 * - An array is the argv itself, no shell: each element gets the raw value substituted.
 *
 * Hyper-parameters are also exported as `TRAINYARD_PARAM_<NAME>` (see `parameterEnv`).
 */
import { invalid } from '../../errors.js';
import { fillPlaceholders, shellJoin, shellQuote } from './shell.js';
import { parameterEnv, type ToolchainCommand } from './types.js';

export const COMMAND_SHELL = '/bin/sh';

export function renderCommand(command: string | readonly string[], hyperParameters: Readonly<Record<string, string>>): ToolchainCommand {
  const values = new Map(Object.entries(hyperParameters));
  const env = parameterEnv(hyperParameters, 'spec.hyperParameters');
  const parameters = { ...hyperParameters };
  if (typeof command === 'string') {
    if (command.trim() === '') throw invalid('spec.command: the command is empty');
    const line = fillPlaceholders(command, values, { render: shellQuote, where: 'spec.command' });
    return { argv: [COMMAND_SHELL, '-c', line], env, display: line, parameters };
  }
  if (command.length === 0 || command[0] === '') throw invalid('spec.command: the first element must name the program to run');
  const argv = command.map((part, i) => fillPlaceholders(part, values, { render: (v) => v, where: `spec.command[${i}]` }));
  return { argv, env, display: shellJoin(argv), parameters };
}
