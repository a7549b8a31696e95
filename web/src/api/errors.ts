import { ApiError, TransportError } from '../../../src/clients/http.js';

export interface ErrorText {
  title: string;
  detail: string;
  /** The server answered that the thing asked for does not exist. */
  notFound: boolean;
}

/** What to tell a person about a failed request or a failed render. */
export function describeError(err: unknown): ErrorText {
  if (err instanceof TransportError) {
    return {
      title: 'Cannot reach the Trainyard server',
      detail: `${err.message}. Check that the server is running and reachable; this page retries on its own.`,
      notFound: false,
    };
  }
  if (err instanceof ApiError) {
    const notFound = err.status === 404;
    const title = err.status >= 500 ? `The server failed (${err.status} ${err.errorCode})` : `${err.errorCode} (HTTP ${err.status})`;
    const details = err.details?.map((d) => `${d.field}: ${d.message}`).join('; ');
    return { title, detail: [err.message || `${err.method} ${err.path}`, details].filter(Boolean).join(' — '), notFound };
  }
  if (err instanceof Error) return { title: 'Something went wrong', detail: err.message, notFound: false };
  return { title: 'Something went wrong', detail: String(err), notFound: false };
}

/** True when the server reached us but refused the input (a bad filter, say), not a failure. */
export function isInputError(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status === 400;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 404 || err.errorCode === 'RESOURCE_DOES_NOT_EXIST');
}

/** The server has no such API (an older server, or a feature not built yet). */
export function isMissingApi(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && err.errorCode === 'ENDPOINT_NOT_FOUND';
}
