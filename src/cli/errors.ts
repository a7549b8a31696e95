/**
 * How the CLI reports failures: a user's mistake (bad manifest, unknown id, unreachable server)
 * is one clear line naming the field, plus one line per listed problem, and exit code 1; only a
 * defect in Trainyard itself shows a stack trace.
 */
import { ApiError, TransportError } from '../clients/http.js';
import { TrainyardError, type FieldProblem } from '../errors.js';

/** Exit code when `--timeout` ran out while waiting (as timeout(1) does). */
export const EXIT_TIMEOUT = 124;
/** Exit code after Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** A mistake in how the CLI was called or in a file it read; `exitCode` defaults to 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly problems?: FieldProblem[],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The error code of a service or API error, so commands can tell "not found" from other failures. */
export function errorCode(err: unknown): string | undefined {
  if (err instanceof TrainyardError) return err.code;
  if (err instanceof ApiError) return err.errorCode;
  return undefined;
}

export const isNotFound = (err: unknown) => errorCode(err) === 'RESOURCE_DOES_NOT_EXIST';
export const isAlreadyExists = (err: unknown) => errorCode(err) === 'RESOURCE_ALREADY_EXISTS';

/** Gives a user error the document it came from ("training.yaml, document 2"), keeping its problems. */
export function inDocument(err: unknown, where: string): unknown {
  const user = describeUserError(err);
  if (!user) return err;
  return new CliError(`${where}: ${user.summary}`, 1, user.problems);
}

interface UserError {
  summary: string;
  problems: FieldProblem[];
  exitCode: number;
}

function describeUserError(err: unknown): UserError | undefined {
  if (err instanceof CliError) return { summary: err.message, problems: err.problems ?? [], exitCode: err.exitCode };
  if (err instanceof TrainyardError) return fromMessage(err.message, err.problems);
  if (err instanceof ApiError) return fromMessage(err.message, err.details);
  if (err instanceof TransportError) return { summary: err.message, problems: [], exitCode: 1 };
  return undefined;
}

/** Validation messages repeat their problems as "- field: message" lines; the list is printed once, from the problems. */
function fromMessage(message: string, problems: FieldProblem[] | undefined): UserError {
  if (!problems || problems.length === 0) return { summary: message, problems: [], exitCode: 1 };
  const first = message.split('\n', 1)[0]!.replace(/:\s*$/, '');
  return { summary: first, problems, exitCode: 1 };
}

/** The lines to print on stderr for an error, and the exit code. */
export function reportOf(err: unknown): { lines: string[]; exitCode: number } {
  const user = describeUserError(err);
  if (user) {
    const lines = [`trainyard: ${user.summary}`, ...user.problems.map((p) => `  - ${p.field}: ${p.message}`)];
    return { lines, exitCode: user.exitCode };
  }
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { lines: [`trainyard: unexpected error (a bug in Trainyard; please report it):`, text], exitCode: 1 };
}
