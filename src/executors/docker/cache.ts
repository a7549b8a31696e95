/**
 * The images Trainyard built (`trainyard/build:<hash>`): what they are, when a job last used
 * them, and removing those nobody used for a while. An image that any container still refers
 * to, running or stopped, is never removed.
 */
import type { DockerClient } from './client.js';
import { statusCodeOf } from './client.js';
import { BUILD_REPOSITORY } from './image-source.js';
import type { ImageUsage } from './usage.js';

export interface CachedImage {
  tag: string;
  hash: string;
  id: string;
  /** Bytes, as the daemon reports the image's size. */
  size: number;
  /** Epoch ms. */
  created: number;
  /** Epoch ms of the last job that used it; null when none is recorded. */
  lastUsed: number | null;
  /** Containers (running or stopped) created from it. */
  containers: number;
}

export interface PruneResult {
  removed: CachedImage[];
  kept: { image: CachedImage; why: string }[];
  /** Images that could not be removed, with the daemon's reason. */
  failed: { image: CachedImage; error: string }[];
}

export async function listCachedImages(client: DockerClient, usage: ImageUsage): Promise<CachedImage[]> {
  let images;
  let containers;
  try {
    images = await (await client.api()).listImages({ filters: { reference: [BUILD_REPOSITORY] } });
    containers = await (await client.api()).listContainers({ all: true });
  } catch (err) {
    throw client.error(err, 'list the images Trainyard built');
  }
  const used = new Map<string, number>();
  for (const c of containers) used.set(c.ImageID, (used.get(c.ImageID) ?? 0) + 1);
  const lastUse = await usage.lastUsed();
  const out: CachedImage[] = [];
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) {
      const hash = tag.startsWith(`${BUILD_REPOSITORY}:`) ? tag.slice(BUILD_REPOSITORY.length + 1) : undefined;
      if (hash === undefined) continue;
      out.push({ tag, hash, id: image.Id, size: image.Size, created: image.Created * 1000, lastUsed: lastUse.get(hash) ?? null, containers: used.get(image.Id) ?? 0 });
    }
  }
  return out.sort((a, b) => (b.lastUsed ?? b.created) - (a.lastUsed ?? a.created));
}

/** Removes built images not used since `cutoff` (epoch ms); with `dryRun`, only says which. */
export async function pruneCachedImages(client: DockerClient, usage: ImageUsage, cutoff: number, dryRun = false): Promise<PruneResult> {
  const result: PruneResult = { removed: [], kept: [], failed: [] };
  for (const image of await listCachedImages(client, usage)) {
    const last = image.lastUsed ?? image.created;
    if (image.containers > 0) {
      result.kept.push({ image, why: `${image.containers} container(s) use it` });
    } else if (last >= cutoff) {
      result.kept.push({ image, why: image.lastUsed === null ? 'built recently' : 'used recently' });
    } else if (dryRun) {
      result.removed.push(image);
    } else {
      try {
        // By tag, not id: another tag of the same image stays, and the daemon refuses an image in use.
        await (await client.api()).getImage(image.tag).remove();
        result.removed.push(image);
      } catch (err) {
        if (statusCodeOf(err) === 404) continue;
        result.failed.push({ image, error: client.error(err, `remove ${image.tag}`).message });
      }
    }
  }
  return result;
}
