/**
 * Bench rows and their report: one line per figure with its budget and verdict, and the same
 * results as JSON under bench-results/ for release notes and comparisons.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Better = 'higher' | 'lower';

export type Measurement = { value: number; note?: string } | { unavailable: string };

/** One figure of the bench. Budgets are the SQLite ones from DESIGN.md "Performance budgets". */
export interface Row<C> {
  name: string;
  budget: number;
  unit: string;
  better: Better;
  measure(ctx: C): Promise<Measurement>;
}

export type Verdict = 'PASS' | 'FAIL' | 'INFO' | 'N/A';

export interface Result {
  backend: string;
  name: string;
  unit: string;
  better: Better;
  budget: number;
  value: number | null;
  verdict: Verdict;
  note?: string;
}

/** Budgets hold for SQLite; other backends' figures are reported for information. */
export function judge(backend: string, row: Row<unknown>, m: Measurement): Result {
  const base = { backend, name: row.name, unit: row.unit, better: row.better, budget: row.budget };
  if ('unavailable' in m) return { ...base, value: null, verdict: 'N/A', note: m.unavailable };
  const ok = row.better === 'higher' ? m.value >= row.budget : m.value <= row.budget;
  const verdict: Verdict = backend !== 'sqlite' ? 'INFO' : ok ? 'PASS' : 'FAIL';
  return { ...base, value: m.value, verdict, ...(m.note ? { note: m.note } : {}) };
}

const NAME_WIDTH = 74;

export function formatResult(r: Result): string {
  const budget = `budget ${r.better === 'higher' ? '≥' : '≤'} ${fmt(r.budget)} ${r.unit}`;
  const value = r.value === null ? 'not available' : `${fmt(r.value)} ${r.unit}`;
  const note = r.note ? `  (${r.note})` : '';
  return `${`[${r.backend}] ${r.name}`.padEnd(NAME_WIDTH)} ${value.padStart(22)}   ${budget.padEnd(28)} ${r.verdict}${note}`;
}

function fmt(n: number): string {
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function writeResults(dir: string, results: readonly Result[], meta: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replaceAll(':', '-').replace(/\..*/, '');
  const body = JSON.stringify({ ...meta, results }, null, 2) + '\n';
  const file = join(dir, `bench-${stamp}.json`);
  writeFileSync(file, body);
  writeFileSync(join(dir, 'latest.json'), body);
  return file;
}
