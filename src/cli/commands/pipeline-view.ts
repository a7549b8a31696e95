/**
 * A pipeline run's DAG, live. On a terminal: one line per task (in topological order, with what it
 * needs), redrawn in place as states change, under a header with the elapsed time. Elsewhere (a
 * pipe, a CI log): no escape codes, one line per task state change.
 */
import type { TaskState } from '../../pipelines/records.js';
import type { PipelineRunView, PipelineTaskView } from '../../pipelines/view.js';
import { formatElapsed } from '../output.js';
import type { ProgressStream } from '../progress.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MARK: Record<TaskState, string> = { pending: '·', running: '', succeeded: '✓', cached: '≡', failed: '✗', 'upstream-failed': '⊘', cancelled: '⊘' };
const COLOUR: Partial<Record<TaskState | 'running-run', string>> = { succeeded: '32', cached: '34', failed: '31', 'upstream-failed': '33', cancelled: '33', running: '36', pending: '2' };

export class DagView {
  readonly tty: boolean;
  private readonly colour: boolean;
  private drawn = 0;
  private frame = 0;
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly out: ProgressStream,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.tty = out.isTTY === true;
    this.colour = this.tty && !env.NO_COLOR && env.TERM !== 'dumb';
  }

  update(run: PipelineRunView, elapsedMs: number): void {
    if (this.tty) this.redraw(run, elapsedMs);
    else this.changes(run, elapsedMs);
  }

  /** A line that stays (a notice): printed above the live block. */
  line(text: string): void {
    if (this.tty) this.erase();
    this.out.write(`${text}\n`);
    this.drawn = 0;
  }

  paint(code: string, text: string): string {
    return this.colour ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  /** The block as it stands, without moving the cursor back: the final picture. */
  freeze(): void {
    this.drawn = 0;
  }

  /** Lines of the block, for tests and for the final print on a pipe. */
  render(run: PipelineRunView, elapsedMs: number, width = 120): string[] {
    const done = run.tasks.filter((t) => ['succeeded', 'cached'].includes(t.state)).length;
    const header = `${run.id}  ${this.paint(COLOUR[run.state as TaskState] ?? '36', run.state)}  ${done}/${run.tasks.length} done  ${this.paint('2', formatElapsed(elapsedMs))}`;
    const nameWidth = Math.max(...run.tasks.map((t) => t.name.length));
    const lines = [header];
    for (const t of run.tasks) {
      const mark = t.state === 'running' ? FRAMES[this.frame % FRAMES.length]! : MARK[t.state];
      const needs = t.needs.length ? this.paint('2', ` ← ${t.needs.join(', ')}`) : '';
      const text = `  ${this.paint(COLOUR[t.state] ?? '0', `${mark} ${t.state.padEnd(15)}`)} ${t.name.padEnd(nameWidth)}${needs}${detail(t)}`;
      lines.push(truncate(text, width));
    }
    return lines;
  }

  private redraw(run: PipelineRunView, elapsedMs: number): void {
    this.frame++;
    this.erase();
    const lines = this.render(run, elapsedMs, Math.max(40, (this.out.columns || 100) - 1));
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  private erase(): void {
    if (this.drawn === 0) return;
    // Up to the block's first line, then clear from there to the end of the screen.
    this.out.write(`\x1b[${this.drawn}A\r\x1b[0J`);
    this.drawn = 0;
  }

  private changes(run: PipelineRunView, elapsedMs: number): void {
    for (const t of run.tasks) {
      const key = `${t.state}:${t.attempt}`;
      if (this.seen.get(t.name) === key) continue;
      const first = !this.seen.has(t.name);
      this.seen.set(t.name, key);
      if (first && t.state === 'pending') continue;
      this.out.write(`[${formatElapsed(elapsedMs)}] ${t.name}: ${t.state}${detail(t)}\n`);
    }
  }
}

function detail(t: PipelineTaskView): string {
  if (t.state === 'running') return t.maxAttempts > 1 ? `  (try ${t.attempt}/${t.maxAttempts})` : '';
  if (t.state === 'cached' && t.cachedFrom) return `  (from ${t.cachedFrom.pipelineRunId})`;
  if (t.state === 'pending' && t.retryAt) return `  (${t.message ?? 'retrying'})`;
  if (t.state === 'failed' || t.state === 'upstream-failed') return t.message ? `  (${t.message})` : '';
  return '';
}

/** Cuts a line to `width` visible characters, keeping colour codes whole. */
function truncate(text: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\x1b') {
      const end = text.indexOf('m', i);
      out += text.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= width) {
      out += '…';
      break;
    }
    out += text[i];
    visible++;
  }
  return text.includes('\x1b') ? `${out}\x1b[0m` : out;
}
