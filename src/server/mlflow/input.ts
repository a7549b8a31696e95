/**
 * Reading MLflow request messages. GET requests carry the message in the query string (lists as
 * repeated keys), the others in a JSON body; MLflow accepts both spellings of a field's value
 * (numbers as JSON numbers or strings), so these accessors do too and name the field when they refuse.
 */
import { invalid } from '../../errors.js';
import { parseInt64 } from '../../tracking/validation.js';

export type Message = Record<string, unknown>;

export function optStr(msg: Message, field: string): string | undefined {
  const v = one(msg[field]);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied: expected a string`);
}

export function reqStr(msg: Message, field: string): string {
  const v = optStr(msg, field);
  if (v === undefined || v === '') throw invalid(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`);
  return v;
}

export function optInt(msg: Message, field: string): number | undefined {
  const v = one(msg[field]);
  if (v === undefined || v === null || v === '') return undefined;
  return parseInt64(field, v);
}

export function reqInt(msg: Message, field: string): number {
  const v = optInt(msg, field);
  if (v === undefined) throw invalid(`Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`);
  return v;
}

export function optBool(msg: Message, field: string): boolean | undefined {
  const v = one(msg[field]);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'True' || v === '1') return true;
  if (v === 'false' || v === 'False' || v === '0') return false;
  throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied: expected true or false`);
}

/** A repeated string field: a JSON array, one query value, or repeated query keys. */
export function strList(msg: Message, field: string): string[] {
  const v = msg[field];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((item) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number') return String(item);
    throw invalid(`Invalid value ${JSON.stringify(item)} for parameter '${field}' supplied: expected a list of strings`);
  });
}

/** A repeated message field (JSON body only). */
export function objList(msg: Message, field: string): Message[] {
  const v = msg[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => x === null || typeof x !== 'object' || Array.isArray(x))) {
    throw invalid(`Invalid value for parameter '${field}' supplied: expected a list of objects`);
  }
  return v as Message[];
}

export function keyValues(msg: Message, field: string): { key: string; value: string }[] {
  return objList(msg, field).map((t) => ({ key: t.key as string, value: t.value as string }));
}

function one(v: unknown): unknown {
  // A scalar given twice in a query string keeps its first value, as Flask's request.args does.
  return Array.isArray(v) ? v[0] : v;
}
