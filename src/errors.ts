/**
 * The one error type of Trainyard. It carries an MLflow error code so the HTTP layer can answer
 * exactly as MLflow does; services throw it and never think about status codes.
 */
export type ErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'BAD_REQUEST'
  | 'INVALID_STATE'
  | 'INTERNAL_ERROR'
  | 'ENDPOINT_NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'NOT_IMPLEMENTED'
  | 'RESOURCE_CONFLICT'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'TEMPORARILY_UNAVAILABLE';

// MLflow's mapping (mlflow/exceptions.py); INVALID_STATE is a 500 there too.
const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  RESOURCE_CONFLICT: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  INVALID_STATE: 500,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
};

/** One problem in a request, named by its field path (e.g. `spec.resources.limits.cpu`). */
export interface FieldProblem {
  field: string;
  message: string;
}

export class TrainyardError extends Error {
  readonly code: ErrorCode;
  /** Every problem found, when validation collected more than one. */
  readonly problems: FieldProblem[] | undefined;

  constructor(code: ErrorCode, message: string, problems?: FieldProblem[]) {
    super(message);
    this.name = 'TrainyardError';
    this.code = code;
    this.problems = problems;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export const invalid = (message: string, problems?: FieldProblem[]) =>
  new TrainyardError('INVALID_PARAMETER_VALUE', message, problems);
export const notFound = (message: string) => new TrainyardError('RESOURCE_DOES_NOT_EXIST', message);
export const alreadyExists = (message: string) => new TrainyardError('RESOURCE_ALREADY_EXISTS', message);
export const invalidState = (message: string) => new TrainyardError('INVALID_STATE', message);

/** Collects field problems so a validator can report all of them in one error. */
export class ProblemList {
  readonly items: FieldProblem[] = [];
  add(field: string, message: string): void {
    this.items.push({ field, message });
  }
  get empty(): boolean {
    return this.items.length === 0;
  }
  throwIfAny(summary: string): void {
    if (this.items.length === 0) return;
    const lines = this.items.map((p) => `${p.field}: ${p.message}`);
    throw invalid(`${summary} (${this.items.length} problem${this.items.length === 1 ? '' : 's'}):\n- ${lines.join('\n- ')}`, this.items);
  }
}
