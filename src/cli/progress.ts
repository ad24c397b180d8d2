/**
 * The live progress line `submit --wait` keeps on stderr while a task runs, when stderr is a
 * terminal: one line, redrawn in place, erased before the result is printed.
 *
 * @module
 */

import type { TaskEvent } from '../backend/task-events.js';
import { duration, shortJson } from './format.js';
import type { Output } from './output.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const REDRAW_MS = 100;

/**
 * A progress line for one task. Does nothing unless the output is interactive (stderr is a
 * TTY and not `--json`).
 *
 * @example
 * ```ts
 * const line = new ProgressLine(output, 'countdown', id);
 * for await (const event of events) line.update(event);
 * line.clear();
 * ```
 */
export class ProgressLine {
  private readonly _startedAt = Date.now();
  private readonly _timer: NodeJS.Timeout | undefined;
  private _frame = 0;
  private _status = 'queued';
  private _progress = '';
  private _last = '';
  private _drawn = false;
  private _done = false;

  constructor(
    private readonly _output: Output,
    private readonly _kind: string,
    private readonly _id: string,
  ) {
    if (!_output.interactive) return;
    this._timer = setInterval(() => this._draw(), REDRAW_MS);
    this._timer.unref();
    this._draw();
  }

  /** Take in the task's next event. */
  update(event: TaskEvent): void {
    if (event.type === 'started') this._status = 'running';
    else if (event.type === 'progress') {
      const value = (event.data as { value?: unknown } | null)?.value;
      this._progress =
        typeof value === 'number' && value >= 0 && value <= 1
          ? `${Math.round(value * 100)}%`
          : shortJson(value, 30);
    } else if (event.type === 'shutdown' || event.type === 'overflow') {
      this._last = 'reconnecting…';
    } else {
      this._last = `${event.type} ${shortJson(event.data, 40)}`.trim();
    }
    this._draw();
  }

  /** Say the connection dropped and is being re-established. */
  reconnecting(): void {
    this._last = 'reconnecting…';
    this._draw();
  }

  /** Erase the line and stop redrawing, for good. */
  clear(): void {
    this._done = true;
    if (this._timer !== undefined) clearInterval(this._timer);
    if (this._drawn) this._output.stderr('\r\x1b[2K');
    this._drawn = false;
  }

  private _draw(): void {
    if (this._done || !this._output.interactive) return;
    this._frame = (this._frame + 1) % FRAMES.length;
    const parts = [
      // The full id is on stdout already; its start is enough to tell tasks apart here.
      `${FRAMES[this._frame]} ${this._kind} ${this._id.slice(0, 8)}`,
      this._status,
      duration(Date.now() - this._startedAt),
      this._progress,
      this._last,
    ].filter((part) => part !== '');
    const columns = (process.stderr.columns ?? 100) - 1;
    const text = parts.join(' · ');
    this._output.stderr(
      `\r\x1b[2K${text.length > columns ? `${text.slice(0, columns - 1)}…` : text}`,
    );
    this._drawn = true;
  }
}
