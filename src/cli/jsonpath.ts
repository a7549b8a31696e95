/**
 * The part of kubectl's JSONPath templates that `-o jsonpath=...` users reach for, evaluated over
 * plain data without any code evaluation: text with `{.a.b}`, `{.items[*].id}`, `{.items[0]}`,
 * `{.a['odd-key']}`, `{.spec.*}`, `{$}` and string literals such as `{"\n"}`. Several results
 * are joined with a space. `range`, filters and recursive descent are refused with a clear message.
 */
import { CliError } from './errors.js';

type Step = { key: string } | { index: number } | { all: true };
type Part = { text: string } | { path: Step[]; source: string };

const SUPPORTED = `supported: {.field.sub}, {.list[0]}, {.list[*].field}, {.map['key']}, {.map.*}, {$}, {"text"}`;

/** Renders `template` over `data`, e.g. `{.status.state}` → `succeeded`. */
export function jsonpath(template: string, data: unknown): string {
  return parseTemplate(template)
    .map((part) => ('text' in part ? part.text : evaluate(part.path, part.source, data).map(scalarText).join(' ')))
    .join('');
}

export function parseTemplate(template: string): Part[] {
  if (!template.includes('{')) return [{ path: parsePath(template.trim(), template), source: template }];
  const parts: Part[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      parts.push({ text: template.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: template.slice(i, open) });
    const close = closingBrace(template, open);
    const expr = template.slice(open + 1, close).trim();
    parts.push(expr.startsWith('"') ? { text: stringLiteral(expr) } : { path: parsePath(expr, expr), source: expr });
    i = close + 1;
  }
  return parts;
}

function closingBrace(template: string, open: number): number {
  let quoted = false;
  for (let j = open + 1; j < template.length; j++) {
    const c = template[j];
    if (quoted && c === '\\') j++;
    else if (c === '"') quoted = !quoted;
    else if (c === '}' && !quoted) return j;
  }
  throw new CliError(`jsonpath: '{' at position ${open + 1} is never closed`);
}

function stringLiteral(expr: string): string {
  try {
    const value: unknown = JSON.parse(expr);
    if (typeof value === 'string') return value;
  } catch {
    // reported below
  }
  throw new CliError(`jsonpath: ${expr} is not a valid string literal`);
}

function parsePath(expr: string, source: string): Step[] {
  const firstWord = /^[a-z]+\b/.exec(expr)?.[0];
  if (firstWord === 'range' || firstWord === 'end') throw new CliError(`jsonpath: {${source}} (range/end) is not supported; ${SUPPORTED}`);
  let rest = expr.startsWith('$') ? expr.slice(1) : expr;
  if (rest === '.' || rest === '') return [];
  const steps: Step[] = [];
  while (rest.length > 0) {
    let m: RegExpExecArray | null;
    if (rest.startsWith('..')) throw new CliError(`jsonpath: recursive descent '..' in {${source}} is not supported; ${SUPPORTED}`);
    if ((m = /^\.([A-Za-z0-9_-]+)/.exec(rest))) steps.push({ key: m[1]! });
    else if ((m = /^\.\*/.exec(rest))) steps.push({ all: true });
    else if ((m = /^\[\*\]/.exec(rest))) steps.push({ all: true });
    else if ((m = /^\[(-?\d+)\]/.exec(rest))) steps.push({ index: Number(m[1]) });
    else if ((m = /^\[\s*'([^']*)'\s*\]/.exec(rest)) || (m = /^\[\s*"([^"]*)"\s*\]/.exec(rest))) steps.push({ key: m[1]! });
    else if (steps.length === 0 && (m = /^([A-Za-z0-9_-]+)/.exec(rest))) steps.push({ key: m[1]! });
    else throw new CliError(`jsonpath: cannot read {${source}} at '${rest}'; ${SUPPORTED}`);
    rest = rest.slice(m[0].length);
  }
  return steps;
}

/** The values the path reaches; a path without wildcards that reaches nothing is an error, as in kubectl. */
function evaluate(path: Step[], source: string, data: unknown): unknown[] {
  let nodes: unknown[] = [data];
  let wildcard = false;
  for (const step of path) {
    const next: unknown[] = [];
    for (const node of nodes) {
      if ('all' in step) {
        wildcard = true;
        if (Array.isArray(node)) next.push(...node);
        else if (isObject(node)) next.push(...Object.values(node));
      } else if ('index' in step) {
        if (Array.isArray(node)) {
          const i = step.index < 0 ? node.length + step.index : step.index;
          if (i >= 0 && i < node.length) next.push(node[i]);
        }
      } else if (isObject(node) && Object.hasOwn(node, step.key)) {
        next.push(node[step.key]);
      }
    }
    nodes = next;
  }
  if (nodes.length === 0 && !wildcard) throw new CliError(`jsonpath: {${source}} is not found`);
  return nodes;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  if (v === null || typeof v !== 'object') return String(v);
  return JSON.stringify(v);
}
