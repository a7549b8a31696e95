/**
 * Turning an MLproject entry point plus parameter values into the command to run, following
 * MLflow Projects' rules:
 * - every declared parameter needs a value or a default; all missing ones are named at once;
 * - `float` values must be numbers, `path` values become absolute (relative to the project
 *   folder), `uri` values must carry a scheme (s3://, file://, ...);
 * - every value substituted into the command is shell-quoted;
 * - values for parameters the entry point does not declare are appended as `--name value`;
 * - an entry point missing from the MLproject that names a `.py` or `.sh` file runs that file
 *   with python3 or bash, with every parameter appended.
 * The line runs through `bash -c`, as MLflow runs it.
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid } from '../../errors.js';
import { type MLproject, type MLprojectEntryPoint, type MLprojectParameter } from './mlproject.js';
import { parsePythonFloat } from './python-float.js';
import { fillPlaceholders, shellQuote } from './shell.js';
import { parameterEnv, type ToolchainCommand } from './types.js';

export interface EntryPointOptions {
  /**
   * Interpreter for `.py` entry points. MLflow runs `python` inside the environment it builds;
   * Trainyard runs on the executor's Python, where Debian and Ubuntu only ship `python3`.
   */
  python?: string;
  /** Shell that runs the command line (default `bash`, as MLflow). */
  shell?: string;
  /** Check that `path` parameters exist (default true). Off when rendering before the workspace exists. */
  checkPaths?: boolean;
}

/** Where a value came from, for messages. */
const FROM_USER = 'spec.hyperParameters';

/** A URI scheme as Python's urlparse recognises one (`s3:`, `file:`, `https:`). */
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

export function renderEntryPoint(
  project: MLproject,
  entryPointName: string,
  values: Readonly<Record<string, string>>,
  options: EntryPointOptions = {},
): ToolchainCommand {
  const entryPoint = project.entryPoints[entryPointName] ?? scriptEntryPoint(project, entryPointName, options);
  const where = `entry point '${entryPoint.name}' of ${project.file}`;

  const missing = entryPoint.parameters.filter((p) => values[p.name] === undefined && p.default === undefined).map((p) => `'${p.name}'`);
  if (missing.length > 0) {
    throw invalid(`${where} needs a value for ${missing.length === 1 ? 'parameter' : 'parameters'} ${missing.join(', ')}: set ${missing.length === 1 ? 'it' : 'them'} in ${FROM_USER}`);
  }

  const declared = new Map<string, string>();
  for (const p of entryPoint.parameters) {
    const given = values[p.name];
    const source = given !== undefined ? FROM_USER : `the default in ${project.file}`;
    declared.set(p.name, resolveValue(p, given ?? p.default!, source, project.dir, where, options));
  }
  const extras = Object.entries(values).filter(([name]) => !declared.has(name));

  const parts = [fillPlaceholders(entryPoint.command, declared, { render: shellQuote, where })];
  for (const [name, value] of extras) parts.push(`--${shellQuote(name)} ${shellQuote(value)}`);
  const line = parts.join(' ');

  const parameters = { ...Object.fromEntries(declared), ...Object.fromEntries(extras) };
  return {
    argv: [options.shell ?? 'bash', '-c', line],
    env: parameterEnv(parameters, where),
    display: line,
    parameters,
  };
}

/** MLflow's rule for an entry point that is not declared: run a .py or .sh file of that name. */
function scriptEntryPoint(project: MLproject, name: string, options: EntryPointOptions): MLprojectEntryPoint {
  const interpreter = { '.py': options.python ?? 'python3', '.sh': 'bash' }[extname(name)];
  if (interpreter === undefined) {
    const declared = Object.keys(project.entryPoints);
    throw invalid(
      `spec.entrypoint: '${name}' is not an entry point of ${project.file} (${declared.length > 0 ? `it has ${declared.join(', ')}` : 'it declares none'}) and is not a .py or .sh file to run`,
    );
  }
  // {{ and }} keep braces in the file name literal when the command is filled in.
  const command = `${interpreter} ${shellQuote(name)}`.replaceAll('{', '{{').replaceAll('}', '}}');
  return { name, parameters: [], command };
}

function resolveValue(p: MLprojectParameter, value: string, source: string, projectDir: string, where: string, options: EntryPointOptions): string {
  const subject = `parameter '${p.name}' of ${where} is of type ${p.type}, but '${value}' (from ${source})`;
  switch (p.type) {
    case 'string':
      return value;
    case 'float':
      if (parsePythonFloat(value) === undefined) throw invalid(`${subject} is not a number`);
      return value;
    case 'uri':
      if (!URI_SCHEME.test(value)) throw invalid(`${subject} is not a URI: give a scheme such as s3://, https:// or file:// (or declare the parameter as type path)`);
      return value;
    case 'path': {
      let local = value;
      if (/^file:/i.test(value)) local = filePath(value, subject);
      else if (URI_SCHEME.test(value)) {
        throw invalid(`${subject} is a remote URI; Trainyard does not download path parameters: bind the data with spec.data and pass its local path, or declare the parameter as type uri`);
      }
      const absolute = resolve(projectDir, local);
      if ((options.checkPaths ?? true) && !existsSync(absolute)) throw invalid(`${subject} does not exist: no file or folder at ${absolute}`);
      return absolute;
    }
  }
}

function filePath(url: string, subject: string): string {
  try {
    return fileURLToPath(url);
  } catch (err) {
    throw invalid(`${subject} is not a usable file URI: ${(err as Error).message}`);
  }
}
