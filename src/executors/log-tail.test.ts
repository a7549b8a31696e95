import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followFile, LineSplitter } from './log-tail.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'trainyard-tail-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function collect(iter: AsyncIterable<{ data: Buffer; offset: number }>): Promise<{ text: string; offset: number }> {
  let text = '';
  let offset = 0;
  for await (const chunk of iter) {
    text += chunk.data.toString('utf8');
    offset = chunk.offset;
  }
  return { text, offset };
}

describe('followFile', () => {
  it('waits for a file that does not exist yet and reads everything written before the writer finished', async () => {
    const path = join(dir, 'job.log');
    let done = false;
    const reading = collect(followFile(path, { until: () => done, pollMs: 5 }));
    await new Promise((r) => setTimeout(r, 30));
    writeFileSync(path, 'first\n');
    await new Promise((r) => setTimeout(r, 30));
    appendFileSync(path, 'second, no newline');
    done = true;
    expect(await reading).toEqual({ text: 'first\nsecond, no newline', offset: 24 });
  });

  it('resumes from a byte offset and reads a finished file to its end', async () => {
    const path = join(dir, 'job.log');
    writeFileSync(path, 'abc\ndef\n');
    expect(await collect(followFile(path, { offset: 4, until: () => true }))).toEqual({ text: 'def\n', offset: 8 });
  });

  it('ends quietly when aborted', async () => {
    const abort = new AbortController();
    const reading = collect(followFile(join(dir, 'never.log'), { until: () => false, signal: abort.signal, pollMs: 5 }));
    abort.abort();
    expect(await reading).toEqual({ text: '', offset: 0 });
  });

  it('reads in chunks and reports the offset after each', async () => {
    const path = join(dir, 'job.log');
    writeFileSync(path, 'x'.repeat(10));
    const offsets: number[] = [];
    for await (const c of followFile(path, { until: () => true, chunkBytes: 4 })) offsets.push(c.offset);
    expect(offsets).toEqual([4, 8, 10]);
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks, multi-byte characters included, and tracks the consumed offset', () => {
    const s = new LineSplitter(100);
    const bytes = Buffer.from('héllo\r\nwörld\npart');
    expect(s.push(bytes.subarray(0, 2))).toEqual([]); // cuts inside "é"
    expect(s.consumed).toBe(100);
    expect(s.push(bytes.subarray(2, 12))).toEqual(['héllo']);
    expect(s.consumed).toBe(108);
    expect(s.push(bytes.subarray(12))).toEqual(['wörld']);
    expect(s.consumed).toBe(115);
    expect(s.flush()).toEqual(['part']);
    expect(s.consumed).toBe(119);
    expect(s.flush()).toEqual([]);
  });

  it('delivers an endless line in bounded pieces', () => {
    const s = new LineSplitter(0, 4);
    expect(s.push(Buffer.from('abcdefghij'))).toEqual(['abcd', 'efgh']);
    expect(s.push(Buffer.from('k\n'))).toEqual(['ijk']);
    expect(s.consumed).toBe(12);
  });
});
