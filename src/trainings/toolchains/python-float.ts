/**
 * Numbers as Python's float() reads them, for values that come from Python programs and MLflow
 * files: decimal and exponent forms, `_` digit separators, and nan / inf / infinity in any case.
 * Stricter than JavaScript's Number(), which also takes "", "0x10" and " ".
 */
export function parsePythonFloat(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?nan$/i.test(t)) return Number.NaN;
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)(e[+-]?\d(_?\d)*)?$/i.test(t)) return undefined;
  return Number(t.replaceAll('_', ''));
}
