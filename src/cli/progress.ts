/**
 * Live progress of a waiting command: the training's log as it is written, one line per state
 * change, and on a terminal a spinner line with the elapsed time and colours. When the output is
 * not a terminal (a pipe, a CI log) there are no escape codes at all, only whole lines.
 * `::metric`/`::param`/`::tag` lines are left out: they become the run's data, summarised at the
 * end (`train logs` shows the log as written).
 */
import { formatElapsed } from './output.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const COLOURS: Record<string, string> = { succeeded: '32', failed: '31', cancelled: '33', running: '36', scheduling: '2', unknown: '33' };
const CLEAR_LINE = '\r\x1b[2K';
const DIRECTIVE = /^::(metric|param|tag)\s/;

export class ProgressView {
  readonly tty: boolean;
  private readonly colour: boolean;
  private partial = '';
  private decoder = new TextDecoder();
  private spinner: { timer: NodeJS.Timeout; frame: number; text: () => string } | undefined;
  private shown = false;

  constructor(
    private readonly out: ProgressStream,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.tty = out.isTTY === true;
    this.colour = this.tty && !env.NO_COLOR && env.TERM !== 'dumb';
  }

  /** `[1.2s] quickstart: running (the training process started)` */
  state(id: string, state: string, elapsedMs: number, detail?: string): void {
    const label = this.paint(COLOURS[state] ?? '0', state);
    this.line(`${this.paint('2', `[${formatElapsed(elapsedMs)}]`)} ${id}: ${label}${detail ? ` ${this.paint('2', `(${detail})`)}` : ''}`);
  }

  /** A chunk of the training's log; printed line by line so state lines never split a log line. */
  log(chunk: Uint8Array): void {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.partial = text;
      return;
    }
    this.partial = text.slice(end + 1);
    const lines = text.slice(0, end).split('\n').filter((l) => !DIRECTIVE.test(l));
    if (lines.length > 0) this.write(`${lines.join('\n')}\n`);
  }

  /** The log ended: print what is left of an unfinished last line. */
  endLog(): void {
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    this.decoder = new TextDecoder();
    if (rest && !DIRECTIVE.test(rest)) this.write(`${rest}\n`);
  }

  /** A plain message line (a notice, a summary line). */
  line(text: string): void {
    this.write(`${text}\n`);
  }

  /** Text in bold/green/... on a terminal, as is otherwise. */
  paint(code: string, text: string): string {
    return this.colour ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  /** Shows a spinner with `text()` below the log, on a terminal only. */
  startSpinner(text: () => string): void {
    if (!this.tty || this.spinner) return;
    const timer = setInterval(() => {
      if (!this.spinner) return;
      this.spinner.frame = (this.spinner.frame + 1) % FRAMES.length;
      this.draw();
    }, 100);
    timer.unref();
    this.spinner = { timer, frame: 0, text };
    this.draw();
  }

  stopSpinner(): void {
    if (!this.spinner) return;
    clearInterval(this.spinner.timer);
    this.spinner = undefined;
    this.erase();
  }

  private write(text: string): void {
    this.erase();
    this.out.write(text);
    this.draw();
  }

  private draw(): void {
    if (!this.spinner) return;
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    const text = `${FRAMES[this.spinner.frame]} ${this.spinner.text()}`.slice(0, width);
    this.out.write(`${CLEAR_LINE}${this.paint('36', text)}`);
    this.shown = true;
  }

  private erase(): void {
    if (!this.shown) return;
    this.out.write(CLEAR_LINE);
    this.shown = false;
  }
}
