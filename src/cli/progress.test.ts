import { describe, expect, it } from 'vitest';
import { ProgressView } from './progress.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, columns: 60, write: (s: string) => writes.push(s) } };
}
const bytes = (s: string) => new TextEncoder().encode(s);

describe('ProgressView', () => {
  it('prints whole lines without escape codes when not a terminal', () => {
    const { writes, out } = stream(false);
    const view = new ProgressView(out, {});
    view.startSpinner(() => 'quickstart running');
    view.state('quickstart', 'running', 1234, 'the training process started');
    view.log(bytes('epoch 1\nepo'));
    view.log(bytes('ch 2\n::metric name=mse value=1 step=2\nlast line without newline'));
    view.endLog();
    view.stopSpinner();
    const text = writes.join('');
    expect(text).toBe('[1.2s] quickstart: running (the training process started)\nepoch 1\nepoch 2\nlast line without newline\n');
    expect(text).not.toContain('\x1b');
  });

  it('leaves ::metric, ::param and ::tag lines out of the live log', () => {
    const { writes, out } = stream(false);
    const view = new ProgressView(out, {});
    view.log(bytes('::param name=a value=1\n::tag name=t value=x\nkept\n::metric name=m value=2'));
    view.endLog();
    expect(writes.join('')).toBe('kept\n');
  });

  it('keeps a multi-byte character split across chunks whole', () => {
    const { writes, out } = stream(false);
    const view = new ProgressView(out, {});
    const euro = bytes('cost 5€\n');
    view.log(euro.subarray(0, 7));
    view.log(euro.subarray(7));
    expect(writes.join('')).toBe('cost 5€\n');
  });

  it('on a terminal colours states and keeps a spinner line below the log', () => {
    const { writes, out } = stream(true);
    const view = new ProgressView(out, {});
    view.startSpinner(() => 'quickstart running 0.1s');
    view.log(bytes('hello\n'));
    view.state('quickstart', 'failed', 500);
    view.stopSpinner();
    const text = writes.join('');
    expect(text).toContain('\x1b[31mfailed\x1b[0m');
    expect(text).toMatch(/⠋ quickstart running 0\.1s/);
    // The spinner is erased before each printed line and after stopping.
    expect(text.indexOf('\r\x1b[2Khello\n')).toBeGreaterThan(0);
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('honours NO_COLOR on a terminal', () => {
    const { writes, out } = stream(true);
    new ProgressView(out, { NO_COLOR: '1' }).state('x', 'succeeded', 0);
    expect(writes.join('')).toBe('[0.0s] x: succeeded\n');
  });
});
