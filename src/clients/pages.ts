/** One page of a paginated MLflow listing; `nextPageToken` is absent on the last page. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/**
 * Walks every page of a listing. MLflow may end with an empty page after a full one, and an
 * empty or missing token means the end, as MLflow's own client reads it.
 */
export async function* allPages<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    yield* page.items;
    token = page.nextPageToken || undefined;
  } while (token);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function page<T>(items: T[] | undefined, nextPageToken: string | undefined): Page<T> {
  return nextPageToken ? { items: items ?? [], nextPageToken } : { items: items ?? [] };
}
