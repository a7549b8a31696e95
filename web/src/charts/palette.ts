/** Distinguishable line colours that read on light and dark backgrounds. */
export const PALETTE = ['#2f6fde', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#0c8599', '#d6a100', '#5c940d', '#a61e4d', '#495057'];

export function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
