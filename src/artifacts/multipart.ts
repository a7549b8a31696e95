import { invalid } from '../errors.js';
import { MULTIPART_LIMITS, type UploadedPart } from './store.js';

export function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MULTIPART_LIMITS.maxParts) {
    throw invalid(`Invalid part_number ${partNumber}: must be an integer from 1 to ${MULTIPART_LIMITS.maxParts}`);
  }
}

/** Parts in ascending order, refusing an empty list or a part listed twice. */
export function sortParts(parts: UploadedPart[]): UploadedPart[] {
  if (parts.length === 0) throw invalid('Completing a multipart upload needs at least one part');
  for (const p of parts) checkPartNumber(p.partNumber);
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  sorted.forEach((p, i) => {
    if (i > 0 && sorted[i - 1]!.partNumber === p.partNumber) throw invalid(`Part ${p.partNumber} is listed twice`);
  });
  return sorted;
}
