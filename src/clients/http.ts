/**
 * The transport every Trainyard client shares: JSON over fetch, MLflow error bodies turned into
 * `ApiError`, short retries for transient failures. Runs in Node 20+ (undici's fetch keeps
 * connections alive by default) and in browsers, so nothing here may import `node:` modules.
 */

export type QueryScalar = string | number | boolean;
/** Lists become repeated keys (`run_ids=a&run_ids=b`), as MLflow's GET endpoints read them. */
export type Query = Record<string, QueryScalar | readonly QueryScalar[] | undefined | null>;

/** A request body fetch can send; streams (ReadableStream, or a Node Readable through `toWeb`) are not retried. */
export type RawBody = string | Uint8Array | Blob | ReadableStream<Uint8Array>;

export interface HttpClientOptions {
  /** Server root, e.g. `http://127.0.0.1:5000` (a path prefix such as `/mlflow` is kept). */
  baseUrl: string;
  /** Sent with every request, e.g. `{ authorization: 'Bearer …' }`; a function is called per request. */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** Retries after the first attempt for connection errors and 429/502/503/504. Default 3. */
  retries?: number;
  /** First retry delay; doubles each time. Default 200 ms. */
  retryDelayMs?: number;
  /** Aborts a request (all attempts together) after this long. Default: no limit. */
  timeoutMs?: number;
  /** Another fetch implementation (tests, polyfills). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  query?: Query;
  /** JSON-encoded unless it is a RawBody passed through `send`. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface SendOptions {
  query?: Query;
  body?: RawBody;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** An error answer from the server, with MLflow's `error_code` (or one derived from the status). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly method: string,
    readonly path: string,
    /** Per-field problems when the server listed them (`details` in Trainyard's error bodies). */
    readonly details?: { field: string; message: string }[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The server could not be reached at all (refused, reset, DNS, timeout), after the retries. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 30_000;

// Used when an error answer is not MLflow JSON (a proxy's HTML page, a plain-text 503).
const CODE_FOR_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'ENDPOINT_NOT_FOUND',
  405: 'ENDPOINT_NOT_FOUND',
  409: 'RESOURCE_CONFLICT',
  413: 'BAD_REQUEST',
  429: 'REQUEST_LIMIT_EXCEEDED',
  501: 'NOT_IMPLEMENTED',
  503: 'TEMPORARILY_UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export class HttpClient {
  readonly baseUrl: string;
  private readonly options: HttpClientOptions;
  private readonly fetchFn: typeof fetch;

  constructor(options: HttpClientOptions | string) {
    this.options = typeof options === 'string' ? { baseUrl: options } : options;
    this.baseUrl = this.options.baseUrl.replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/.test(this.baseUrl)) {
      throw new TypeError(`Server URL must start with http:// or https://, got '${this.options.baseUrl}'`);
    }
    // Bound so that a polyfill or the browser's fetch is not called with the client as `this`.
    const f = this.options.fetch ?? globalThis.fetch;
    this.fetchFn = (input, init) => f(input, init);
  }

  url(path: string, query?: Query): string {
    const qs = query ? encodeQuery(query) : '';
    return this.baseUrl + (path.startsWith('/') ? path : `/${path}`) + (qs ? `?${qs}` : '');
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.json<T>('GET', path, { query, signal });
  }
  post<T>(path: string, body: unknown = {}, signal?: AbortSignal): Promise<T> {
    return this.json<T>('POST', path, { body, signal });
  }
  patch<T>(path: string, body: unknown = {}, signal?: AbortSignal): Promise<T> {
    return this.json<T>('PATCH', path, { body, signal });
  }
  /** MLflow's registry DELETE endpoints carry a JSON body. */
  delete<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return this.json<T>('DELETE', path, { body, signal });
  }

  /** A JSON request and its JSON answer; an empty answer reads as `{}`. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const res = await this.send(method, path, { query: options.query, body, headers, signal: options.signal });
    const text = await res.text();
    if (text === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'BAD_RESPONSE', `Expected JSON from ${method} ${path}, got: ${excerpt(text)}`, method, path);
    }
  }

  /**
   * Sends a request and returns the successful response with its body unread (for streaming);
   * any non-2xx answer becomes an ApiError. Bodies that can be replayed are retried on transient
   * failures; streams are sent once.
   */
  async send(method: string, path: string, options: SendOptions = {}): Promise<Response> {
    const url = this.url(path, options.query);
    const signal = this.signal(options.signal);
    const replayable = !(options.body instanceof ReadableStream);
    const retries = replayable ? (this.options.retries ?? 3) : 0;
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers: { ...this.staticHeaders(), ...options.headers },
      body: options.body as BodyInit | undefined,
      signal,
    };
    // Node's fetch wants this for streamed request bodies; browsers that stream need it too.
    if (!replayable) init.duplex = 'half';
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchFn(url, init);
      } catch (err) {
        if (signal?.aborted || attempt >= retries) {
          const why = signal?.aborted ? 'request aborted or timed out' : errorText(err);
          throw new TransportError(`Cannot reach ${this.baseUrl} (${method} ${path}): ${why}`, method, url, { cause: err });
        }
        await this.pause(this.backoff(attempt), signal, method, path, url);
        continue;
      }
      if (res.ok) return res;
      if (RETRY_STATUSES.has(res.status) && attempt < retries) {
        await res.body?.cancel();
        await this.pause(this.backoff(attempt, res.headers.get('retry-after')), signal, method, path, url);
        continue;
      }
      throw await apiErrorOf(res, method, path);
    }
  }

  /**
   * A GET answer's body as it arrives (a log followed live). An abort through `signal` ends the
   * iteration quietly; a caller that stops early (break, return) ends the request, so the server
   * stops sending.
   */
  async *stream(path: string, options: { query?: Query; signal?: AbortSignal; accept?: string } = {}): AsyncGenerator<Uint8Array> {
    const { signal } = options;
    let res: Response;
    try {
      res = await this.send('GET', path, { query: options.query, signal, headers: { accept: options.accept ?? 'text/plain' } });
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
    if (!res.body) return;
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  }

  /** Waits before a retry; an abort or timeout meanwhile ends the request like a failed attempt. */
  private async pause(ms: number, signal: AbortSignal | undefined, method: string, path: string, url: string): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch (err) {
      throw new TransportError(`Cannot reach ${this.baseUrl} (${method} ${path}): request aborted or timed out`, method, url, { cause: err });
    }
  }

  private staticHeaders(): Record<string, string> {
    const h = this.options.headers;
    return typeof h === 'function' ? h() : (h ?? {});
  }

  private signal(caller: AbortSignal | undefined): AbortSignal | undefined {
    const timeout = this.options.timeoutMs === undefined ? undefined : AbortSignal.timeout(this.options.timeoutMs);
    if (caller && timeout) return AbortSignal.any([caller, timeout]);
    return caller ?? timeout;
  }

  private backoff(attempt: number, retryAfter?: string | null): number {
    const seconds = retryAfter ? Number(retryAfter) : NaN;
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
    return (this.options.retryDelayMs ?? 200) * 2 ** attempt;
  }
}

export function encodeQuery(query: Query): string {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    const items: readonly QueryScalar[] = Array.isArray(value) ? value : [value as QueryScalar];
    for (const item of items) qs.append(key, String(item));
  }
  return qs.toString();
}

/** Builds an ApiError from an error response, reading MLflow's `{error_code, message}` when present. */
export async function apiErrorOf(res: Response, method: string, path: string): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { error_code?: unknown }).error_code === 'string') {
    const body = parsed as { error_code: string; message?: unknown; details?: unknown };
    const details = Array.isArray(body.details) ? (body.details as { field: string; message: string }[]) : undefined;
    return new ApiError(res.status, body.error_code, typeof body.message === 'string' ? body.message : '', method, path, details);
  }
  const code = CODE_FOR_STATUS[res.status] ?? (res.status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
  const message = text.trim() ? excerpt(text) : `HTTP ${res.status} ${res.statusText}`.trim();
  return new ApiError(res.status, code, message, method, path);
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, ...) in the cause.
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
