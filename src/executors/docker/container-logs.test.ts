import { describe, expect, it } from 'vitest';
import { FrameReader } from './container-logs.js';

function frame(stream: number, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('the multiplexed log stream', () => {
  it('yields whole frames however the bytes are split', () => {
    const bytes = Buffer.concat([frame(1, '2024-01-01T00:00:00.1Z out\n'), frame(2, '2024-01-01T00:00:00.2Z err\n'), frame(1, 'x')]);
    const reader = new FrameReader();
    const frames: string[] = [];
    for (let i = 0; i < bytes.length; i += 5) frames.push(...reader.push(bytes.subarray(i, i + 5)).map((f) => f.toString()));
    expect(frames).toEqual(['2024-01-01T00:00:00.1Z out\n', '2024-01-01T00:00:00.2Z err\n', 'x']);
  });
});
