/**
 * MLproject files as MLflow Projects read them: a project name, entry points with typed
 * parameters and a command template, and at most one environment (python_env, conda_env or
 * docker_env). Every problem in the file is reported at once, each naming its field and the file.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { invalid, ProblemList } from '../../errors.js';
import { parsePythonFloat } from './python-float.js';
import { fillPlaceholders } from './shell.js';

/** The name MLflow looks for; any capitalisation is accepted, as MLflow does. */
export const MLPROJECT_FILE = 'MLproject';
/** Environment files MLflow uses when the MLproject names none. */
export const DEFAULT_PYTHON_ENV_FILE = 'python_env.yaml';
export const DEFAULT_CONDA_ENV_FILE = 'conda.yaml';

export const PARAMETER_TYPES = ['string', 'float', 'path', 'uri'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface MLprojectParameter {
  name: string;
  type: ParameterType;
  /** Absent: the parameter is required. Numbers keep the text written in the file ("1.0" stays "1.0"). */
  default?: string;
}

export interface MLprojectEntryPoint {
  name: string;
  /** In file order; extra parameters are appended after these. */
  parameters: MLprojectParameter[];
  command: string;
}

export interface DockerEnv {
  image: string;
  /** `host:container[:mode]` strings, as `docker run -v` takes them. */
  volumes: string[];
  /** A name copies the host's variable; a [name, value] pair sets one. */
  environment: (string | [string, string])[];
}

export type ProjectEnvironment =
  | { type: 'python'; /** absolute path of the python_env file; absent: the executor's own Python */ file?: string }
  | { type: 'conda'; file: string }
  | { type: 'docker'; docker: DockerEnv };

export interface MLproject {
  /** Absolute path of the MLproject file. */
  file: string;
  /** The project folder: relative `path` parameters and env files are resolved against it. */
  dir: string;
  name?: string;
  entryPoints: Record<string, MLprojectEntryPoint>;
  environment: ProjectEnvironment;
}

const PARAMETER_NAME = /^[\w.\-:/]+$/;
const ENV_FIELDS = ['python_env', 'conda_env', 'docker_env'] as const;

/** The MLproject file in `dir` (matched case-insensitively), or undefined. */
export async function findMLproject(dir: string): Promise<string | undefined> {
  const names = await readdir(dir);
  const found = names.find((n) => n.toLowerCase() === MLPROJECT_FILE.toLowerCase());
  return found === undefined ? undefined : join(dir, found);
}

/**
 * Reads and validates the MLproject of a project folder, including that the environment file
 * it names exists. Without a python_env/conda_env/docker_env it falls back to python_env.yaml or
 * conda.yaml in the folder, as MLflow does.
 */
export async function loadMLproject(dir: string): Promise<MLproject> {
  const projectDir = resolve(dir);
  let file: string | undefined;
  try {
    file = await findMLproject(projectDir);
  } catch (err) {
    throw invalid(`Cannot read the project folder ${projectDir} to find its ${MLPROJECT_FILE} file: ${(err as Error).message}`);
  }
  if (file === undefined) {
    throw invalid(
      `toolchain 'mlflow' needs an ${MLPROJECT_FILE} file in the work directory, but ${join(projectDir, MLPROJECT_FILE)} does not exist (check spec.workDir, or use toolchain 'command')`,
    );
  }
  const project = parseMLproject(await readFile(file, 'utf8'), file);
  const env = project.environment;
  if (env.type !== 'docker' && env.file !== undefined) {
    if (!(await exists(env.file))) {
      const field = env.type === 'python' ? 'python_env' : 'conda_env';
      throw invalid(`${file}: ${field} names ${env.file}, but no such file exists`);
    }
  } else if (env.type === 'python') {
    for (const [type, name] of [['python', DEFAULT_PYTHON_ENV_FILE], ['conda', DEFAULT_CONDA_ENV_FILE]] as const) {
      const candidate = join(projectDir, name);
      if (await exists(candidate)) {
        project.environment = { type, file: candidate };
        break;
      }
    }
  }
  return project;
}

/** Parses MLproject text; `file` is its absolute path, used for the project folder and in errors. */
export function parseMLproject(text: string, file: string): MLproject {
  const dir = resolve(file, '..');
  const problems = new ProblemList();
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const at = e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    // The message's first line is the problem; what follows is a picture of the spot.
    const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw invalid(`${file} is not valid YAML${at}: ${what}`);
  }
  const root = doc.contents;
  if (!isMap(root)) {
    throw invalid(`${file} must be a YAML mapping with entry_points (and optionally name, python_env, conda_env or docker_env)`);
  }
  const top = entries(root);

  const project: MLproject = { file, dir, entryPoints: {}, environment: { type: 'python' } };
  const name = top.get('name');
  if (name !== undefined && !isNull(name)) {
    const value = scalarText(name);
    if (value === undefined) problems.add('name', 'must be a string');
    else project.name = value;
  }

  const envFields = ENV_FIELDS.filter((f) => top.has(f) && !isNull(top.get(f)!));
  if (envFields.length > 1) problems.add(envFields.join(', '), 'a project may declare only one environment; keep one of them');
  const envField = envFields[0];
  if (envField === 'docker_env') {
    const docker = parseDockerEnv(top.get('docker_env')!, problems);
    if (docker) project.environment = { type: 'docker', docker };
  } else if (envField !== undefined) {
    const envFile = projectFile(top.get(envField)!, dir, envField, problems);
    if (envFile !== undefined) project.environment = { type: envField === 'python_env' ? 'python' : 'conda', file: envFile };
  }

  const eps = top.get('entry_points');
  if (eps !== undefined && !isNull(eps)) {
    if (!isMap(eps)) problems.add('entry_points', 'must be a mapping of entry point names to {parameters, command}');
    else {
      for (const [epName, epNode] of entries(eps)) {
        const ep = parseEntryPoint(epName, epNode, problems);
        if (ep) project.entryPoints[epName] = ep;
      }
    }
  }
  problems.throwIfAny(`Invalid MLproject file ${file}`);
  return project;
}

function parseEntryPoint(name: string, node: Node, problems: ProblemList): MLprojectEntryPoint | undefined {
  const field = `entry_points.${name}`;
  if (!isMap(node)) {
    problems.add(field, 'must be a mapping with command and (optionally) parameters');
    return undefined;
  }
  const fields = entries(node);
  const commandNode = fields.get('command');
  const command = commandNode === undefined ? undefined : scalarText(commandNode);
  if (command === undefined || command.trim() === '') problems.add(`${field}.command`, 'required: the command line to run, with {parameter} placeholders');

  const parameters: MLprojectParameter[] = [];
  const paramsNode = fields.get('parameters');
  if (paramsNode !== undefined && !isNull(paramsNode)) {
    if (!isMap(paramsNode)) problems.add(`${field}.parameters`, 'must be a mapping of parameter names to a type or {type, default}');
    else for (const [pName, pNode] of entries(paramsNode)) {
      const p = parseParameter(pName, pNode, `${field}.parameters.${pName}`, problems);
      if (p) parameters.push(p);
    }
  }
  if (command === undefined) return undefined;
  const declared = new Map(parameters.map((p) => [p.name, '']));
  try {
    fillPlaceholders(command, declared, { render: (v) => v, where: 'the command' });
  } catch (err) {
    problems.add(`${field}.command`, (err as Error).message);
  }
  return { name, parameters, command };
}

function parseParameter(name: string, node: Node, field: string, problems: ProblemList): MLprojectParameter | undefined {
  if (!PARAMETER_NAME.test(name)) {
    problems.add(field, 'a parameter name may only hold letters, digits, "_", "-", ".", ":" and "/"');
    return undefined;
  }
  let typeText: string | undefined = 'string';
  let def: string | undefined;
  if (isMap(node)) {
    const fields = entries(node);
    const t = fields.get('type');
    if (t !== undefined && !isNull(t)) typeText = scalarText(t);
    const d = fields.get('default');
    if (d !== undefined && !isNull(d)) {
      def = scalarText(d);
      if (def === undefined) problems.add(`${field}.default`, 'must be a single value (string or number)');
    }
  } else if (!isNull(node)) {
    // The short form `alpha: float` gives only the type.
    typeText = scalarText(node);
  }
  if (typeText === undefined || !(PARAMETER_TYPES as readonly string[]).includes(typeText)) {
    problems.add(isMap(node) ? `${field}.type` : field, `unknown parameter type ${JSON.stringify(typeText ?? null)}; use one of ${PARAMETER_TYPES.join(', ')}`);
    return undefined;
  }
  const type = typeText as ParameterType;
  if (type === 'float' && def !== undefined && parsePythonFloat(def) === undefined) {
    problems.add(`${field}.default`, `'${def}' is not a number, but the parameter is of type float`);
  }
  return def === undefined ? { name, type } : { name, type, default: def };
}

function parseDockerEnv(node: Node, problems: ProblemList): DockerEnv | undefined {
  if (!isMap(node)) {
    problems.add('docker_env', 'must be a mapping with image (and optionally volumes, environment)');
    return undefined;
  }
  const fields = entries(node);
  const imageNode = fields.get('image');
  const image = imageNode === undefined ? undefined : scalarText(imageNode);
  if (image === undefined || image.trim() === '') problems.add('docker_env.image', 'required: the image to run the project in');
  const volumes: string[] = [];
  const volumesNode = fields.get('volumes');
  if (volumesNode !== undefined && !isNull(volumesNode)) {
    const items = isSeq(volumesNode) ? volumesNode.items.map((i) => (isScalar(i) ? scalarText(i) : undefined)) : undefined;
    if (items === undefined || items.some((v) => v === undefined)) problems.add('docker_env.volumes', 'must be a list of strings such as "/host/path:/container/path"');
    else volumes.push(...(items as string[]));
  }
  const environment: DockerEnv['environment'] = [];
  const envNode = fields.get('environment');
  if (envNode !== undefined && !isNull(envNode)) {
    const ok = isSeq(envNode) && envNode.items.every((item) => {
      if (isScalar(item) && scalarText(item) !== undefined) return environment.push(scalarText(item)!) > 0;
      if (isSeq(item) && item.items.length === 2) {
        const [k, v] = item.items.map((x) => (isScalar(x) ? scalarText(x) : undefined));
        if (k !== undefined && v !== undefined) return environment.push([k, v]) > 0;
      }
      return false;
    });
    if (!ok) {
      problems.add('docker_env.environment', 'must be a list whose items are a variable name (copied from the host) or a [name, value] pair');
    }
  }
  return image === undefined ? undefined : { image, volumes, environment };
}

/** An environment file named in the MLproject, resolved inside the project folder. */
function projectFile(node: Node, dir: string, field: string, problems: ProblemList): string | undefined {
  const value = scalarText(node);
  if (value === undefined || value === '') {
    problems.add(field, 'must be the path of a file in the project');
    return undefined;
  }
  const path = normalize(value);
  if (isAbsolute(path) || path === '..' || path.startsWith('../')) {
    problems.add(field, `'${value}' must be a path inside the project folder`);
    return undefined;
  }
  return join(dir, path);
}

/** A YAML node; null where the file has a key with no value (`alpha:`). */
type Node = YamlNode | null;

/** The mapping's entries keyed by their text, in file order. */
function entries(map: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  if (!isMap(map)) return out;
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    out.set(key, (pair.value as YamlNode | undefined) ?? null);
  }
  return out;
}

function isNull(node: Node): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/**
 * A scalar's text as the author wrote it: `1.0` stays "1.0" (MLflow, being Python, keeps the
 * float 1.0 and prints it so), `true` stays "true". Undefined for mappings, lists and null.
 */
function scalarText(node: Node): string | undefined {
  if (node === null || !isScalar(node) || node.value === null) return undefined;
  if (typeof node.value === 'string') return node.value;
  return node.source ?? String(node.value);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
