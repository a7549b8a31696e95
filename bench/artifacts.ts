/**
 * The artifact figures: a 1 GiB file uploaded to and downloaded from the server's artifact proxy
 * (local store), against a plain stream copy of the same file on the same disk, and the server's
 * memory while the bytes flow.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BenchContext } from './context.js';
import type { Measurement, Row } from './report.js';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
const PATH = '/api/2.0/mlflow-artifacts/artifacts/0/bench/artifacts/blob.bin';

interface Transfer {
  copyMiBps: number;
  uploadMiBps: number;
  downloadMiBps: number;
  /** Highest server RSS seen while the bytes flowed, and before they did. */
  peakRss: number;
  baseRss: number;
}

const done = new WeakMap<BenchContext, Promise<Transfer>>();

/** One measured round per bench context, shared by the rows below. */
function transfer(ctx: BenchContext): Promise<Transfer> {
  let t = done.get(ctx);
  if (!t) {
    t = measureTransfer(ctx);
    done.set(ctx, t);
  }
  return t;
}

async function measureTransfer(ctx: BenchContext): Promise<Transfer> {
  const source = join(ctx.dir, 'artifact-source.bin');
  const copy = join(ctx.dir, 'artifact-copy.bin');
  const back = join(ctx.dir, 'artifact-download.bin');
  try {
    await pipeline(generated(SIZE), createWriteStream(source));
    const copySeconds = await timed(() => pipeline(createReadStream(source), createWriteStream(copy)));
    rmSync(copy, { force: true });

    const url = new URL(ctx.server.url);
    const baseRss = ctx.server.rss();
    let peakRss = baseRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, ctx.server.rss())), 20);
    try {
      const uploadSeconds = await timed(
        () =>
          new Promise<void>((resolve, reject) => {
            const headers = { 'content-type': 'application/octet-stream', 'content-length': String(SIZE) };
            const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: PATH, headers, agent: false }, (res) => {
              res.resume();
              res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`upload answered ${res.statusCode}`))));
            });
            req.on('error', reject);
            pipeline(createReadStream(source), req).catch(reject);
          }),
      );
      const downloadSeconds = await timed(
        () =>
          new Promise<void>((resolve, reject) => {
            request({ host: url.hostname, port: url.port, method: 'GET', path: PATH, agent: false }, (res) => {
              if (res.statusCode !== 200) reject(new Error(`download answered ${res.statusCode}`));
              pipeline(res, createWriteStream(back)).then(resolve, reject);
            })
              .on('error', reject)
              .end();
          }),
      );
      if (statSync(back).size !== SIZE) throw new Error(`downloaded ${statSync(back).size} bytes, expected ${SIZE}`);
      return {
        copyMiBps: SIZE / MiB / copySeconds,
        uploadMiBps: SIZE / MiB / uploadSeconds,
        downloadMiBps: SIZE / MiB / downloadSeconds,
        peakRss,
        baseRss,
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    for (const f of [source, copy, back]) rmSync(f, { force: true });
  }
}

function generated(size: number): Readable {
  const block = createHash('sha512').update('trainyard bench').digest();
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < size; offset += MiB) {
        const chunk = Buffer.allocUnsafe(Math.min(MiB, size - offset));
        for (let at = 0; at < chunk.length; at += block.length) block.copy(chunk, at);
        chunk.writeUInt32LE(offset / MiB, 0);
        yield chunk;
      }
    })(),
  );
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

const share = (through: number, copy: number): Measurement => ({
  value: (through / copy) * 100,
  note: `${through.toFixed(0)} MiB/s through the server, ${copy.toFixed(0)} MiB/s stream copy`,
});

export const artifactRows: Row<BenchContext>[] = [
  {
    name: 'artifact upload through the server, 1 GiB, share of disk copy speed',
    budget: 50,
    unit: '%',
    better: 'higher',
    measure: async (ctx) => {
      const t = await transfer(ctx);
      return share(t.uploadMiBps, t.copyMiBps);
    },
  },
  {
    name: 'artifact download through the server, 1 GiB, share of disk copy speed',
    budget: 50,
    unit: '%',
    better: 'higher',
    measure: async (ctx) => {
      const t = await transfer(ctx);
      return share(t.downloadMiBps, t.copyMiBps);
    },
  },
  {
    // "Constant memory": a server that held the file would need more than 1 GiB here.
    name: 'server RSS peak, during a 1 GiB artifact upload + download',
    budget: 300,
    unit: 'MB',
    better: 'lower',
    measure: async (ctx) => {
      const t = await transfer(ctx);
      return { value: t.peakRss / MiB, note: `${(t.baseRss / MiB).toFixed(0)} MB before the transfer` };
    },
  },
];
