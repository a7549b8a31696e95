import { describe, expect, it } from 'vitest';
import { ApiError, TransportError } from '../clients/http.js';
import { invalid, notFound, ProblemList } from '../errors.js';
import { CliError, inDocument, reportOf } from './errors.js';

describe('CLI error reports', () => {
  it('lists every problem of a validation error once, under its summary', () => {
    const problems = new ProblemList();
    problems.add('spec.model.name', 'is required');
    problems.add('spec.resources.limits.cpu', "'lots' is not a CPU quantity");
    let err: unknown;
    try {
      problems.throwIfAny('Invalid ModelTraining manifest');
    } catch (e) {
      err = e;
    }
    expect(reportOf(err)).toEqual({
      lines: [
        'trainyard: Invalid ModelTraining manifest (2 problems)',
        '  - spec.model.name: is required',
        "  - spec.resources.limits.cpu: 'lots' is not a CPU quantity",
      ],
      exitCode: 1,
    });
  });

  it('does the same for an API error with details, and names the document', () => {
    const api = new ApiError(400, 'INVALID_PARAMETER_VALUE', 'Invalid ModelTraining manifest (1 problem):\n- id: bad', 'POST', '/api/v1/trainings', [
      { field: 'id', message: 'bad' },
    ]);
    expect(reportOf(inDocument(api, 'a.yaml, document 2')).lines).toEqual(['trainyard: a.yaml, document 2: Invalid ModelTraining manifest (1 problem)', '  - id: bad']);
  });

  it('prints user errors as one line without a stack trace', () => {
    expect(reportOf(notFound("Training 'x' does not exist"))).toEqual({ lines: ["trainyard: Training 'x' does not exist"], exitCode: 1 });
    expect(reportOf(invalid('bad')).lines).toEqual(['trainyard: bad']);
    expect(reportOf(new TransportError('Cannot reach http://127.0.0.1:1 (GET /x): refused', 'GET', 'http://127.0.0.1:1/x')).lines).toEqual([
      'trainyard: Cannot reach http://127.0.0.1:1 (GET /x): refused',
    ]);
    expect(reportOf(new CliError('timed out', 124))).toEqual({ lines: ['trainyard: timed out'], exitCode: 124 });
  });

  it('shows the stack of an unexpected error, saying it is a bug', () => {
    const report = reportOf(new TypeError('x is undefined'));
    expect(report.lines[0]).toMatch(/unexpected error/);
    expect(report.lines[1]).toMatch(/TypeError: x is undefined\n\s+at /);
  });
});
