/**
 * A task's source tree for one try: the pipeline snapshot, then its inputs put in place (upstream
 * outputs from the content-addressed store, staged connection data).
 */
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { invalid } from '../../errors.js';
import type { RunContext } from './context.js';
import { resetSource, type TaskWorkspace } from './workspace.js';

/** The task's source tree for this try: the snapshot, then its inputs put in place. */
export async function prepareSource(ctx: RunContext, name: string, ws: TaskWorkspace): Promise<void> {
  const { task } = ctx.rendered.get(name)!;
  await resetSource(ws);
  const hash = ctx.run.spec.source.snapshot;
  if (hash !== undefined) await ctx.deps.snapshots.materialize(hash, ws.src);
  else await mkdir(ws.src, { recursive: true });
  if (task.workDir !== '.') {
    const st = await stat(ws.workDir).catch(() => undefined);
    if (!st?.isDirectory()) {
      if (hash !== undefined) throw invalid(`tasks.${name}.workDir: '${task.workDir}' is not a folder in the pipeline source`);
      await mkdir(ws.workDir, { recursive: true });
    }
  }
  let connection = 0;
  for (const input of task.inputs) {
    if (input.kind === 'connection') {
      await cp(join(ws.staging, String(connection++)), ws.workDir, { recursive: true, force: true });
      continue;
    }
    for (const o of ctx.tasks.get(input.from)?.outputs ?? []) {
      if (input.output !== undefined && o.name !== input.output) continue;
      const dest = join(ws.workDir, ...(input.path ?? o.path).split('/'));
      await rm(dest, { recursive: true, force: true });
      await ctx.deps.outputs.materialize(o.digest, dest);
    }
  }
}

