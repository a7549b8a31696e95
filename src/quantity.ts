/**
 * Kubernetes-style resource quantities, as Odahu manifests write them: cpu "500m", "2", 1.5;
 * memory "512Mi", "1Gi", "1G", "1000000"; gpu whole numbers.
 */

/** Millicores, or undefined when the text is not a CPU quantity. */
export function parseCpu(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 0 && Number.isFinite(value) ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const milli = m[2] === 'm' ? n : n * 1000;
  return milli > 0 && Number.isInteger(Math.round(milli)) ? Math.round(milli) : undefined;
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** Bytes, or undefined when the text is not a memory quantity. */
export function parseMemory(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 0 && Number.isFinite(value) ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)([kMGT]i?|Ki)?$/.exec(value.trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * MEMORY_UNITS[m[2] ?? '']!;
  return bytes > 0 ? Math.round(bytes) : undefined;
}

export function parseGpu(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Renders bytes in the largest binary unit that divides them, as people write them. */
export function formatMemory(bytes: number): string {
  for (const unit of ['Ti', 'Gi', 'Mi', 'Ki'] as const) {
    if (bytes % MEMORY_UNITS[unit]! === 0) return `${bytes / MEMORY_UNITS[unit]!}${unit}`;
  }
  return String(bytes);
}

/** Millicores, bytes and GPUs of validated amounts. */
export function resourceNumbers(a: { cpu: string; memory: string; gpu: number }): { millicores: number; bytes: number; gpus: number } {
  return { millicores: parseCpu(a.cpu) ?? 0, bytes: parseMemory(a.memory) ?? 0, gpus: a.gpu };
}
