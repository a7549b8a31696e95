import { describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { jsonpath } from './jsonpath.js';

const training = {
  id: 'wine',
  spec: { model: { name: 'wine', version: '1.0' }, hyperParameters: { alpha: '0.5', 'l1-ratio': '0.1' } },
  status: { state: 'succeeded', exitCode: 0, artifacts: [{ runId: 'r1', artifactName: 'wine.zip' }] },
};
const list = { items: [training, { ...training, id: 'iris', status: { state: 'failed', artifacts: [] } }] };

describe('jsonpath', () => {
  it('reads a field, a nested field and the root', () => {
    expect(jsonpath('{.status.state}', training)).toBe('succeeded');
    expect(jsonpath('{.status.exitCode}', training)).toBe('0');
    expect(jsonpath('{$.id}', training)).toBe('wine');
    expect(JSON.parse(jsonpath('{.spec.model}', training))).toEqual({ name: 'wine', version: '1.0' });
  });

  it('expands [*] over a list, joining results with a space', () => {
    expect(jsonpath('{.items[*].id}', list)).toBe('wine iris');
    expect(jsonpath('{.items[*].status.state}', list)).toBe('succeeded failed');
    // A wildcard that reaches nothing prints nothing rather than failing.
    expect(jsonpath('{.items[*].status.artifacts[*].artifactName}', list)).toBe('wine.zip');
  });

  it('indexes lists, from the end too, and quotes odd keys', () => {
    expect(jsonpath('{.items[1].id}', list)).toBe('iris');
    expect(jsonpath('{.items[-1].id}', list)).toBe('iris');
    expect(jsonpath("{.spec.hyperParameters['l1-ratio']}", training)).toBe('0.1');
    expect(jsonpath('{.spec.hyperParameters.*}', training)).toBe('0.5 0.1');
  });

  it('mixes text and string literals with paths', () => {
    expect(jsonpath('{.id}{"\\t"}{.status.state}{"\\n"}', training)).toBe('wine\tsucceeded\n');
    expect(jsonpath('state={.status.state}', training)).toBe('state=succeeded');
  });

  it('takes a bare path without braces', () => {
    expect(jsonpath('.status.state', training)).toBe('succeeded');
  });

  it('says which path is missing', () => {
    expect(() => jsonpath('{.status.nope}', training)).toThrow(/\{\.status\.nope\} is not found/);
    expect(() => jsonpath('{.items[5].id}', list)).toThrow(CliError);
  });

  it('refuses what it does not support, naming what it does', () => {
    expect(() => jsonpath('{range .items[*]}{.id}{end}', list)).toThrow(/range\/end\) is not supported; supported:/);
    expect(() => jsonpath('{..id}', list)).toThrow(/recursive descent/);
    expect(() => jsonpath('{.items[?(@.id=="wine")]}', list)).toThrow(/cannot read/);
    expect(() => jsonpath('{.status.state', training)).toThrow(/never closed/);
  });
});
