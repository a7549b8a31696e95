/**
 * When each built image was last used by a job. Docker does not record it, and `image prune`
 * needs it to keep what is in use and drop what is not: one small file per image hash, whose
 * modification time is the last use.
 */
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class ImageUsage {
  constructor(private readonly dir: string) {}

  async touch(hash: string, tag: string): Promise<void> {
    if (!/^[0-9a-f]+$/.test(hash)) return;
    const file = join(this.dir, hash);
    const now = new Date();
    try {
      await utimes(file, now, now);
    } catch {
      await mkdir(this.dir, { recursive: true });
      await writeFile(file, `${tag}\n`);
    }
  }

  /** Last use per image hash (epoch ms). */
  async lastUsed(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return out;
    }
    for (const name of names) {
      if (!/^[0-9a-f]+$/.test(name)) continue;
      const st = await stat(join(this.dir, name)).catch(() => undefined);
      if (st) out.set(name, st.mtimeMs);
    }
    return out;
  }
}
