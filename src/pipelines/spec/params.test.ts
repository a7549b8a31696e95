import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../../test/support/problems.js';
import { ProblemList } from '../../errors.js';
import { normalizeParamDecls, parseParamArgs, resolveParams } from './params.js';

describe('pipeline parameters', () => {
  const problems = new ProblemList();
  const decls = normalizeParamDecls(
    { l2: { type: 'float', default: 0.0001 }, epochs: 300, name: 'boston', fast: false, whole: { type: 'float', default: 1 }, req: { type: 'string' } },
    problems,
  );

  it('infers the type of a bare default and keeps declared ones', () => {
    expect(problems.empty).toBe(true);
    expect(decls).toEqual({
      l2: { type: 'float', default: 0.0001 },
      epochs: { type: 'integer', default: 300 },
      name: { type: 'string', default: 'boston' },
      fast: { type: 'boolean', default: false },
      whole: { type: 'float', default: 1 },
      req: { type: 'string' },
    });
  });

  it('converts text to the declared type, so -p l2=0.010 and a JSON 0.01 are the same value', () => {
    const values = resolveParams(decls, { l2: '0.010', epochs: '50', fast: 'true', req: 'x' });
    expect(values).toEqual({ l2: 0.01, epochs: 50, name: 'boston', fast: true, whole: 1, req: 'x' });
    expect(resolveParams(decls, { l2: 0.01, req: 'x' }).l2).toBe(0.01);
  });

  it('refuses wrong types, unknown names and missing values, every one named', () => {
    expect(problemsOf(() => resolveParams(decls, { l2: 'abc', epochs: 1.5, fast: 'yes', nope: 1 }))).toEqual([
      "params.nope: the pipeline declares no parameter 'nope' (declared: l2, epochs, name, fast, whole, req)",
      "params.l2: expected a float, got 'abc'",
      'params.epochs: expected an integer, got 1.5',
      "params.fast: expected a boolean (true or false), got 'yes'",
      "params.req: required: the string parameter 'req' has no default",
    ]);
  });

  it('reads key=value pairs, keeping further = signs in the value', () => {
    expect(parseParamArgs(['l2=0.1', 'expr=a=b'])).toEqual({ l2: '0.1', expr: 'a=b' });
    expect(() => parseParamArgs(['novalue'])).toThrow(/'novalue' is not key=value/);
  });
});
