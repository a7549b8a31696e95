/**
 * What a toolchain hands the executor: the program to start and the environment it adds.
 */
import { invalid } from '../../errors.js';

export interface ToolchainCommand {
  /** The program and its arguments; a shell only where argv says so (`['bash', '-c', line]`). */
  argv: string[];
  /**
   * Environment added for the training: every parameter value (after defaults and type
   * resolution) as `TRAINYARD_PARAM_<NAME>`, so a script can read them without parsing argv.
   */
  env: Record<string, string>;
  /** The command as a person reads it, for the training's log. */
  display: string;
  /** The parameters as the command received them (defaults filled in, paths made absolute). */
  parameters: Record<string, string>;
}

export const PARAM_ENV_PREFIX = 'TRAINYARD_PARAM_';

/**
 * `TRAINYARD_PARAM_<NAME>` for each parameter: NAME upper-cased with every character other than a
 * letter, digit or underscore turned into `_` (so `l1-ratio` becomes `TRAINYARD_PARAM_L1_RATIO`).
 * Two parameters that map to the same variable are refused rather than one silently winning.
 */
export function parameterEnv(parameters: Readonly<Record<string, string>>, where: string): Record<string, string> {
  const env: Record<string, string> = {};
  const owner = new Map<string, string>();
  for (const [name, value] of Object.entries(parameters)) {
    const variable = PARAM_ENV_PREFIX + name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
    const previous = owner.get(variable);
    if (previous !== undefined) {
      throw invalid(`${where}: parameters '${previous}' and '${name}' would both be exported as ${variable}; rename one of them`);
    }
    owner.set(variable, name);
    env[variable] = value;
  }
  return env;
}
