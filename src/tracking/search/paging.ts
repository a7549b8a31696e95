import { invalid } from '../../errors.js';

/** MLflow's ViewType enum: which lifecycle stages a search returns. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

const VIEW_TYPES: Record<string, ViewType> = { ACTIVE_ONLY: 'ACTIVE_ONLY', DELETED_ONLY: 'DELETED_ONLY', ALL: 'ALL', '1': 'ACTIVE_ONLY', '2': 'DELETED_ONLY', '3': 'ALL' };

/** Reads a view type given by name or by its proto number; absent means ACTIVE_ONLY. */
export function parseViewType(value: string | undefined, field: string): ViewType {
  if (value === undefined || value === '') return 'ACTIVE_ONLY';
  const view = VIEW_TYPES[value.toUpperCase()];
  if (!view) throw invalid(`Invalid value '${value}' for parameter '${field}' supplied: expected one of ACTIVE_ONLY, DELETED_ONLY, ALL.`);
  return view;
}

export function lifecycleStages(view: ViewType): string[] {
  return view === 'ACTIVE_ONLY' ? ['active'] : view === 'DELETED_ONLY' ? ['deleted'] : ['active', 'deleted'];
}

/** max_results with its default when absent, refused when not in 1..max. */
export function resolveMaxResults(value: number | undefined, limits: { defaultValue: number; max: number }, field = 'max_results'): number {
  if (value === undefined) return limits.defaultValue;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalid(`Invalid value ${value} for parameter '${field}' supplied: it must be a positive integer.`);
  }
  if (value > limits.max) throw invalid(`Invalid value ${value} for parameter '${field}' supplied: it must be at most ${limits.max}.`);
  return value;
}
