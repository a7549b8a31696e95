/**
 * Typed pipeline parameters: declarations with defaults, and values given at submit, either
 * typed (JSON) or as text (`-p key=value`), checked and converted before anything runs.
 */
import { ProblemList } from '../../errors.js';
import { PARAM_TYPES, type ParamType } from './schema.js';
import type { ParamDecl, ParamValue } from './types.js';

/** Declarations from the manifest: `{type, default}` or a bare default whose type is inferred. */
export function normalizeParamDecls(raw: Record<string, unknown> | undefined, problems: ProblemList): Record<string, ParamDecl> {
  const out: Record<string, ParamDecl> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const field = `params.${name}`;
    if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(name)) {
      problems.add(field, 'a parameter name is a letter or "_" followed by up to 63 letters, digits, "_", "." or "-"');
      continue;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const { type, default: def, description } = value as { type?: unknown; default?: unknown; description?: unknown };
      if (!PARAM_TYPES.includes(type as ParamType)) continue; // the schema already named it
      const decl: ParamDecl = { type: type as ParamType };
      if (typeof description === 'string') decl.description = description;
      if (def !== undefined) {
        const checked = convert(decl.type, def);
        if ('why' in checked) problems.add(`${field}.default`, checked.why);
        else decl.default = checked.value;
      }
      out[name] = decl;
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      const type: ParamType = typeof value === 'boolean' ? 'boolean' : typeof value === 'string' ? 'string' : Number.isInteger(value) ? 'integer' : 'float';
      out[name] = { type, default: value };
    }
  }
  return out;
}

/**
 * Every declared parameter's value: given, else its default. Text is converted to the declared
 * type; a typed value must already have it. Refuses unknown names and missing values, naming each.
 */
export function resolveParams(decls: Record<string, ParamDecl>, given: Record<string, unknown> = {}): Record<string, ParamValue> {
  const problems = new ProblemList();
  const values: Record<string, ParamValue> = {};
  const declared = Object.keys(decls);
  for (const name of Object.keys(given)) {
    if (!(name in decls)) {
      problems.add(`params.${name}`, `the pipeline declares no parameter '${name}' (${declared.length ? `declared: ${declared.join(', ')}` : 'it declares none'})`);
    }
  }
  for (const [name, decl] of Object.entries(decls)) {
    const raw = given[name];
    if (raw === undefined) {
      if (decl.default === undefined) problems.add(`params.${name}`, `required: the ${decl.type} parameter '${name}' has no default`);
      else values[name] = decl.default;
      continue;
    }
    const v = convert(decl.type, raw);
    if ('why' in v) problems.add(`params.${name}`, v.why);
    else values[name] = v.value;
  }
  problems.throwIfAny('Invalid pipeline parameters');
  return values;
}

/** The value in the declared type, or why it cannot be one. */
function convert(type: ParamType, raw: unknown): { value: ParamValue } | { why: string } {
  const show = typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw);
  const refuse = (what: string) => ({ why: `expected ${what}, got ${show}` });
  switch (type) {
    case 'string':
      if (typeof raw === 'string') return { value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { value: String(raw) };
      return refuse('a string');
    case 'integer': {
      const n = typeof raw === 'string' && /^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw) : raw;
      return typeof n === 'number' && Number.isSafeInteger(n) ? { value: n } : refuse('an integer');
    }
    case 'float': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      return typeof n === 'number' && Number.isFinite(n) ? { value: n } : refuse('a float');
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === 'false') return { value: raw === 'true' };
      return refuse('a boolean (true or false)');
  }
}

/** A parameter as text in commands and the environment. */
export function paramText(value: ParamValue): string {
  return String(value);
}

/** `key=value` pairs from the command line; the value keeps any further '='. */
export function parseParamArgs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const problems = new ProblemList();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) problems.add('-p', `'${pair}' is not key=value`);
    else out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  problems.throwIfAny('Invalid parameters');
  return out;
}
