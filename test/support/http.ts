/** Plain HTTP calls as an MLflow client makes them: JSON bodies for writes, query strings for reads. */
export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class Http {
  constructor(readonly base: string) {}

  async get<T = any>(path: string, query: Record<string, string | number | boolean | (string | number)[] | undefined> = {}): Promise<Reply<T>> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
    }
    const q = qs.toString();
    return this.send<T>('GET', q ? `${path}?${q}` : path);
  }

  post<T = any>(path: string, body: unknown = {}): Promise<Reply<T>> {
    return this.send<T>('POST', path, body);
  }
  patch<T = any>(path: string, body: unknown = {}): Promise<Reply<T>> {
    return this.send<T>('PATCH', path, body);
  }
  delete<T = any>(path: string, body: unknown = {}): Promise<Reply<T>> {
    return this.send<T>('DELETE', path, body);
  }

  async send<T>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
    const res = await fetch(this.base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
}

/** `/api/2.0/mlflow` + path. */
export const ml = (path: string) => `/api/2.0/mlflow${path}`;
