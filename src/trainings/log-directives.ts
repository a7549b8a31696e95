/**
 * Logging without a client: a training prints lines such as
 *
 *     ::metric name=rmse value=0.41 step=3
 *     ::param name=alpha value=0.5
 *     ::tag name=stage value="two words"
 *
 * and the platform records them into the training's run. Attributes are `name=value` pairs
 * separated by spaces; a value with spaces is written in double quotes with JSON string escapes
 * (`\"`, `\\`, `\n`, `\u00e9`). A metric's `step` defaults to 0 and its `timestamp` (epoch ms) to
 * the time the line was read; its value may be `nan`, `inf` or `-inf` as Python prints them.
 *
 * A malformed line yields a message for a warning in the log; it never fails the training. Lines
 * that do not start with `::metric`, `::param` or `::tag` are ordinary output (other tools print
 * `::` lines too, e.g. GitHub Actions commands).
 */
import { validateKey, validateParamValue, validateTagValue } from '../tracking/validation.js';
import { parsePythonFloat } from './toolchains/python-float.js';

export type LogDirective =
  | { kind: 'metric'; key: string; value: number; step: number; timestamp?: number }
  | { kind: 'param'; key: string; value: string }
  | { kind: 'tag'; key: string; value: string };

export interface DirectiveError {
  kind: 'invalid';
  message: string;
}

/** Longer lines are refused: the largest legal value (a tag, 8000 characters) fits many times over. */
export const MAX_DIRECTIVE_LINE = 64 * 1024;

const DIRECTIVE = /^::(metric|param|tag)(?=\s|$)/;
const ATTRIBUTES: Record<LogDirective['kind'], readonly string[]> = {
  metric: ['name', 'value', 'step', 'timestamp'],
  param: ['name', 'value'],
  tag: ['name', 'value'],
};

/** The directive on a line, a message saying why it is malformed, or undefined for ordinary output. */
export function parseDirective(line: string): LogDirective | DirectiveError | undefined {
  const text = line.trim();
  const m = DIRECTIVE.exec(text);
  if (!m) return undefined;
  const kind = m[1] as LogDirective['kind'];
  const bad = (why: string): DirectiveError => ({ kind: 'invalid', message: `Ignored a malformed ::${kind} line: ${why}` });
  if (text.length > MAX_DIRECTIVE_LINE) return bad(`longer than ${MAX_DIRECTIVE_LINE} characters`);

  const attrs = parseAttributes(text.slice(m[0].length));
  if (typeof attrs === 'string') return bad(attrs);
  for (const name of attrs.keys()) {
    if (!ATTRIBUTES[kind].includes(name)) return bad(`unknown attribute '${name}'; ::${kind} takes ${ATTRIBUTES[kind].join(', ')}`);
  }
  const key = attrs.get('name');
  if (key === undefined) return bad('name=... is required');
  const value = attrs.get('value');
  if (value === undefined) return bad('value=... is required');
  try {
    validateKey(kind, key);
    if (kind === 'param') return { kind, key, value: validateParamValue(key, value) };
    if (kind === 'tag') return { kind, key, value: validateTagValue(key, value) };
  } catch (err) {
    return bad((err as Error).message);
  }

  const number = parsePythonFloat(value);
  if (number === undefined) return bad(`value '${value}' of metric '${key}' is not a number`);
  const directive: LogDirective = { kind, key, value: number, step: 0 };
  const step = attrs.get('step');
  if (step !== undefined) {
    if (!/^-?\d+$/.test(step) || !Number.isSafeInteger(Number(step))) return bad(`step '${step}' of metric '${key}' is not an integer`);
    directive.step = Number(step);
  }
  const timestamp = attrs.get('timestamp');
  if (timestamp !== undefined) {
    if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(Number(timestamp))) {
      return bad(`timestamp '${timestamp}' of metric '${key}' is not a time in epoch milliseconds`);
    }
    directive.timestamp = Number(timestamp);
  }
  return directive;
}

/** `name=value` pairs, or a message saying what is wrong with them. */
function parseAttributes(text: string): Map<string, string> | string {
  const attrs = new Map<string, string>();
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) return attrs;
    const eq = /^([A-Za-z_]\w*)=/.exec(text.slice(i));
    if (!eq) return `expected name=value at '${preview(text.slice(i))}'`;
    const name = eq[1]!;
    if (attrs.has(name)) return `attribute '${name}' is given twice`;
    i += eq[0].length;
    let value: string;
    if (text[i] === '"') {
      const end = closingQuote(text, i);
      if (end === -1) return `the quoted value of '${name}' has no closing quote`;
      try {
        value = JSON.parse(text.slice(i, end + 1)) as string;
      } catch {
        return `the quoted value of '${name}' has an invalid escape or a raw control character (use \\" \\\\ \\n \\t \\uXXXX)`;
      }
      i = end + 1;
      if (i < text.length && !/\s/.test(text[i]!)) return `expected a space after the quoted value of '${name}'`;
    } else {
      const start = i;
      while (i < text.length && !/\s/.test(text[i]!)) i++;
      value = text.slice(start, i);
    }
    attrs.set(name, value);
  }
}

/** Index of the quote closing the string that opens at `open`, skipping escaped characters; -1 if none. */
function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

function preview(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
