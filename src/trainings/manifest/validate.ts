/**
 * Turns a submitted ModelTraining manifest into a complete TrainingSpec: every problem is collected
 * and reported in one INVALID_PARAMETER_VALUE error naming each field; defaults are filled in so
 * `get` shows what will actually run.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { ProblemList } from '../../errors.js';
import { validateKey } from '../../tracking/validation.js';
import { parseDuration } from './duration.js';
import { formatMemory, parseCpu, parseGpu, parseMemory } from '../../quantity.js';
import { TrainingManifestSchema, type TrainingManifestInput, type TrainingSpecInput } from './schema.js';
import type { ResourceAmounts, TrainingSpec, TrainingSource } from './types.js';

export const DEFAULT_ARTIFACT_NAME_TEMPLATE = '{{ .Name }}-{{ .Version }}-{{ .RandomUUID }}.zip';
/** Trainyard's defaults (Odahu's 250m/256Mi limits are too small for a pandas import). */
export const DEFAULT_REQUESTS = { cpu: '500m', memory: '256Mi', gpu: 0 };
export const DEFAULT_LIMITS = { cpu: '1', memory: '1Gi', gpu: 0 };
/** Set by the platform for every training; a manifest may not override them. */
export const RESERVED_ENVS = [
  'MLFLOW_TRACKING_URI',
  'MLFLOW_RUN_ID',
  'MLFLOW_EXPERIMENT_ID',
  'TRAINYARD_OUTPUT_DIR',
  'TRAINYARD_TRAINING_ID',
  'CUDA_VISIBLE_DEVICES',
] as const;

const DATA_CONNECTION_TYPES = ['s3', 'gcs', 'azureblob', 'local', 'http', 'https'];
const OBJECT_STORAGE_TYPES = ['s3', 'gcs', 'azureblob', 'local'];

export interface ValidateOptions {
  /** The type of an existing connection, to check references in the same pass; omit to skip. */
  connectionType?: (id: string) => string | undefined;
  /** Executor used when the manifest names none. */
  defaultExecutor?: TrainingSpec['executor'];
}

export interface ValidatedManifest {
  id: string;
  spec: TrainingSpec;
}

export function validateManifest(input: unknown, options: ValidateOptions = {}): ValidatedManifest {
  const problems = new ProblemList();
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    problems.add('(manifest)', 'expected a mapping with kind, id and spec');
    problems.throwIfAny('Invalid ModelTraining manifest');
  }
  schemaProblems(TrainingManifestSchema, input, problems);
  const manifest = input as TrainingManifestInput;
  // Semantic checks run even after structural problems, on whatever parts have the right shape,
  // so one response lists every mistake.
  const spec = isRecord(manifest.spec) ? normalizeSpec(tolerant(manifest.spec), problems, options) : undefined;
  problems.throwIfAny('Invalid ModelTraining manifest');
  return { id: manifest.id ?? generateId(manifest.spec.model.name), spec: spec! };
}

/** Structural problems from the schema, one per field, with the schema's description as the hint. */
export function schemaProblems(schema: TSchema, value: unknown, problems: ProblemList, prefix = ''): void {
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    const field = prefix + pointerToField(e.path);
    // Unions report every branch; the first message for a field is the useful one.
    if (seen.has(field)) continue;
    seen.add(field);
    const hint = (e.schema as { description?: string }).description;
    const unexpected = e.message.startsWith('Unexpected property');
    problems.add(field, unexpected ? 'unknown field' : hint ? `${lowerFirst(e.message)} (${hint})` : lowerFirst(e.message));
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A spec whose containers have the shapes normalizeSpec walks; wrong shapes were already reported. */
function tolerant(raw: Record<string, unknown>): TrainingSpecInput {
  const s = { ...raw } as Record<string, unknown>;
  s.model = isRecord(s.model) ? s.model : {};
  for (const key of ['data', 'envs'] as const) s[key] = Array.isArray(s[key]) ? (s[key] as unknown[]).filter(isRecord) : undefined;
  for (const key of ['hyperParameters', 'algorithmSource', 'resources'] as const) if (!isRecord(s[key])) s[key] = undefined;
  const r = s.resources as Record<string, unknown> | undefined;
  if (r) for (const side of ['limits', 'requests']) if (!isRecord(r[side])) r[side] = undefined;
  for (const key of ['workDir', 'timeout', 'dockerfile', 'requirements', 'vcsName', 'reference'] as const) {
    if (s[key] !== undefined && typeof s[key] !== 'string' && typeof s[key] !== 'number') s[key] = undefined;
  }
  return s as unknown as TrainingSpecInput;
}

function normalizeSpec(s: TrainingSpecInput, problems: ProblemList, options: ValidateOptions): TrainingSpec | undefined {
  const template = typeof s.model.artifactNameTemplate === 'string' ? s.model.artifactNameTemplate : DEFAULT_ARTIFACT_NAME_TEMPLATE;
  checkTemplate(template, problems);

  if (s.toolchain === 'command' && s.command === undefined) problems.add('spec.command', "required when toolchain is 'command'");
  if (s.toolchain === 'mlflow' && s.command !== undefined) problems.add('spec.command', "only for toolchain 'command'; an mlflow training runs its entrypoint");

  const workDir = relativePath(String(s.workDir ?? './'), 'spec.workDir', problems);
  const data = (s.data ?? []).map((d, i) => {
    const field = `spec.data[${i}]`;
    const connection = d.connName ?? d.connection;
    if (connection === undefined) problems.add(`${field}.connName`, 'required: the connection to copy data from');
    if (d.connName !== undefined && d.connection !== undefined && d.connName !== d.connection) {
      problems.add(`${field}.connection`, `conflicts with connName '${d.connName}'; give one of them`);
    }
    if (connection !== undefined) checkConnection(connection, `${field}.connName`, DATA_CONNECTION_TYPES, problems, options);
    // A trailing '/' says "a folder": a single remote file then lands inside it under its own name.
    const folder = typeof d.localPath === 'string' && d.localPath.endsWith('/');
    const localPath = typeof d.localPath === 'string' ? relativePath(d.localPath, `${field}.localPath`, problems) + (folder ? '/' : '') : '';
    const out: TrainingSpec['data'][number] = { connName: connection ?? '', localPath };
    if (d.remotePath !== undefined) out.remotePath = d.remotePath;
    return out;
  });

  const hyperParameters: Record<string, string> = {};
  for (const [key, value] of Object.entries(s.hyperParameters ?? {})) {
    try {
      validateKey('param', key);
    } catch (err) {
      problems.add(`spec.hyperParameters.${key}`, (err as Error).message);
    }
    hyperParameters[key] = String(value);
  }

  const resources = normalizeResources(s.resources, problems);
  const envs = s.envs ?? [];
  envs.forEach((e, i) => {
    if (typeof e.name === 'string' && (RESERVED_ENVS as readonly string[]).includes(e.name)) problems.add(`spec.envs[${i}].name`, `${e.name} is set by Trainyard for every training`);
  });

  const source = normalizeSource(s, problems, options);
  let timeout: number | undefined;
  if (s.timeout !== undefined) {
    timeout = parseDuration(s.timeout);
    if (timeout === undefined) problems.add('spec.timeout', `'${s.timeout}' is not a duration: use seconds or e.g. "90s", "30m", "2h"`);
  }
  if (!problems.empty || !source) return undefined;

  const spec: TrainingSpec = {
    model: { name: s.model.name, version: s.model.version, artifactNameTemplate: template },
    toolchain: s.toolchain,
    entrypoint: s.entrypoint ?? (s.toolchain === 'mlflow' ? 'main' : ''),
    workDir,
    data,
    hyperParameters,
    resources,
    envs,
    executor: s.executor ?? options.defaultExecutor ?? 'local',
    experiment: s.experiment ?? s.model.name,
    ...sourceFields(s, source),
  };
  if (s.command !== undefined) spec.command = s.command;
  if (s.image !== undefined) spec.image = s.image;
  if (s.dockerfile !== undefined) spec.dockerfile = relativePath(s.dockerfile, 'spec.dockerfile', problems);
  if (s.requirements !== undefined) spec.requirements = relativePath(s.requirements, 'spec.requirements', problems);
  if (s.outputConnection !== undefined) spec.outputConnection = s.outputConnection;
  if (s.nodeSelector !== undefined) spec.nodeSelector = s.nodeSelector;
  if (timeout !== undefined) spec.timeout = timeout;
  return spec;
}

/** Exactly one source: a git connection, an object-storage path, or a local folder. */
function normalizeSource(s: TrainingSpecInput, problems: ProblemList, options: ValidateOptions): TrainingSource | undefined {
  const candidates: TrainingSource[] = [];
  if (s.vcsName !== undefined) {
    checkConnection(s.vcsName, 'spec.vcsName', ['git'], problems, options);
    candidates.push({ kind: 'git', connection: s.vcsName, reference: s.reference });
  } else if (s.reference !== undefined && s.algorithmSource?.vcs === undefined) {
    problems.add('spec.reference', 'only meaningful with vcsName');
  }
  const a = s.algorithmSource;
  if (a?.vcs) {
    checkConnection(a.vcs.connection, 'spec.algorithmSource.vcs.connection', ['git'], problems, options);
    candidates.push({ kind: 'git', connection: a.vcs.connection, reference: a.vcs.reference ?? s.reference });
  }
  if (a?.objectStorage) {
    checkConnection(a.objectStorage.connection, 'spec.algorithmSource.objectStorage.connection', OBJECT_STORAGE_TYPES, problems, options);
    candidates.push({ kind: 'objectStorage', connection: a.objectStorage.connection, path: a.objectStorage.path });
  }
  if (a?.local) candidates.push({ kind: 'local', path: a.local.path, snapshot: a.local.snapshot });
  if (candidates.length === 0) {
    problems.add('spec.algorithmSource', 'a source is required: vcsName (git), algorithmSource.objectStorage, or algorithmSource.local');
    return undefined;
  }
  if (candidates.length > 1) {
    problems.add('spec.algorithmSource', `give exactly one source; found ${candidates.map((c) => c.kind).join(' and ')}`);
    return undefined;
  }
  return candidates[0];
}

/** The spec keeps the user's own spelling of the source (vcsName/reference or algorithmSource). */
function sourceFields(s: TrainingSpecInput, _source: TrainingSource): Pick<TrainingSpec, 'vcsName' | 'reference' | 'algorithmSource'> {
  const out: Pick<TrainingSpec, 'vcsName' | 'reference' | 'algorithmSource'> = {};
  if (s.vcsName !== undefined) out.vcsName = s.vcsName;
  if (s.reference !== undefined) out.reference = s.reference;
  if (s.algorithmSource !== undefined) out.algorithmSource = s.algorithmSource;
  return out;
}

/**
 * Each dimension: a missing request defaults to Trainyard's default capped by the limit; a missing
 * limit defaults to Trainyard's default raised to the request. Only explicit contradictions are errors.
 */
export function normalizeResources(r: TrainingSpecInput['resources'], problems: ProblemList, field = 'spec.resources'): TrainingSpec['resources'] {
  const limits: ResourceAmounts = { ...DEFAULT_LIMITS };
  const requests: ResourceAmounts = { ...DEFAULT_REQUESTS };
  const dims = [
    { key: 'cpu', parse: parseCpu, hint: 'use cores ("2", 1.5) or millicores ("500m")', show: (v: unknown) => String(v) },
    { key: 'memory', parse: parseMemory, hint: 'use e.g. "512Mi", "1Gi", "1G"', show: (v: unknown) => (typeof v === 'number' ? formatMemory(v) : String(v)) },
    { key: 'gpu', parse: parseGpu, hint: 'use a whole number of GPUs', show: (v: unknown) => parseGpu(v) ?? 0 },
  ] as const;
  for (const d of dims) {
    const read = (side: 'limits' | 'requests') => {
      const raw = r?.[side]?.[d.key];
      if (raw === undefined) return undefined;
      const n = d.parse(raw);
      if (n === undefined) problems.add(`${field}.${side}.${d.key}`, `'${String(raw)}' is not a valid quantity: ${d.hint}`);
      return n === undefined ? undefined : { raw, n };
    };
    const limit = read('limits');
    const request = read('requests');
    const defLimit = { raw: DEFAULT_LIMITS[d.key], n: d.parse(DEFAULT_LIMITS[d.key])! };
    const defRequest = { raw: DEFAULT_REQUESTS[d.key], n: d.parse(DEFAULT_REQUESTS[d.key])! };
    const req = request ?? (limit && limit.n < defRequest.n ? limit : defRequest);
    const lim = limit ?? (req.n > defLimit.n ? req : defLimit);
    if (req.n > lim.n) problems.add(`${field}.requests.${d.key}`, `request ${String(req.raw)} exceeds limit ${String(lim.raw)}`);
    (limits as unknown as Record<string, unknown>)[d.key] = d.show(lim.raw);
    (requests as unknown as Record<string, unknown>)[d.key] = d.show(req.raw);
  }
  return { limits, requests };
}

function checkConnection(id: string, field: string, types: string[], problems: ProblemList, options: ValidateOptions): void {
  if (!options.connectionType) return;
  const type = options.connectionType(id);
  if (type === undefined) problems.add(field, `connection '${id}' does not exist`);
  else if (!types.includes(type)) problems.add(field, `connection '${id}' is of type '${type}'; expected one of ${types.join(', ')}`);
}

/** A relative, '/'-separated path inside the workspace: no absolute paths, no '..'. */
export function relativePath(path: string, field: string, problems: ProblemList): string {
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0')) {
    problems.add(field, `'${path}' must be a relative path inside the source`);
    return path;
  }
  const normalized = posix.normalize(path);
  if (normalized === '..' || normalized.startsWith('../')) {
    problems.add(field, `'${path}' leaves the workspace ('..' is not allowed)`);
    return path;
  }
  return normalized.replace(/\/$/, '') || '.';
}

const TEMPLATE_VARIABLE = /\{\{\s*\.(\w+)\s*\}\}/g;
function checkTemplate(template: string, problems: ProblemList): void {
  for (const m of template.matchAll(TEMPLATE_VARIABLE)) {
    if (!['Name', 'Version', 'RandomUUID'].includes(m[1]!)) {
      problems.add('spec.model.artifactNameTemplate', `unknown variable .${m[1]}; use .Name, .Version or .RandomUUID`);
    }
  }
  const rest = template.replace(TEMPLATE_VARIABLE, 'x');
  if (rest.includes('{{') || rest.includes('}}')) problems.add('spec.model.artifactNameTemplate', 'has an unclosed {{ ... }} placeholder');
  if (rest.includes('/') || rest.includes('\\')) problems.add('spec.model.artifactNameTemplate', 'must be a file name, without folders');
  if (!rest.endsWith('.zip') && !rest.endsWith('.tar.gz')) problems.add('spec.model.artifactNameTemplate', 'must end with .zip or .tar.gz');
}

export function renderArtifactName(template: string, vars: { Name: string; Version: string; RandomUUID: string }): string {
  return template.replace(TEMPLATE_VARIABLE, (_m, name: keyof typeof vars) => vars[name]);
}

function generateId(modelName: string): string {
  const base = modelName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, 50).replace(/-+$/, '');
  return `${base || 'training'}-${randomBytes(3).toString('hex')}`;
}

function pointerToField(path: string): string {
  const parts = path.split('/').filter(Boolean);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out || '(manifest)';
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
