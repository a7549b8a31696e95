import { describe, expect, it } from 'vitest';
import { formatMemory, parseCpu, parseGpu, parseMemory } from './quantity.js';

describe('resource quantities', () => {
  it('reads CPU as millicores', () => {
    expect(parseCpu('500m')).toBe(500);
    expect(parseCpu('2')).toBe(2000);
    expect(parseCpu(1.5)).toBe(1500);
    expect(parseCpu('0.25')).toBe(250);
    for (const bad of ['', 'two', '-1', '1 cpu', 0, null]) expect(parseCpu(bad)).toBeUndefined();
  });

  it('reads memory in binary and decimal units', () => {
    expect(parseMemory('128Mi')).toBe(128 * 2 ** 20);
    expect(parseMemory('1Gi')).toBe(2 ** 30);
    expect(parseMemory('1G')).toBe(1e9);
    expect(parseMemory('1000')).toBe(1000);
    expect(parseMemory('1.5Gi')).toBe(1.5 * 2 ** 30);
    for (const bad of ['1GB', 'lots', '-5Mi', '']) expect(parseMemory(bad)).toBeUndefined();
  });

  it('reads GPUs as whole numbers and formats memory back', () => {
    expect(parseGpu('2')).toBe(2);
    expect(parseGpu(0)).toBe(0);
    expect(parseGpu(1.5)).toBeUndefined();
    expect(formatMemory(2 ** 30)).toBe('1Gi');
    expect(formatMemory(3 * 2 ** 20)).toBe('3Mi');
    expect(formatMemory(1000)).toBe('1000');
  });
});
