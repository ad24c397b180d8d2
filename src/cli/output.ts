/**
 * Where a command's output goes: results on stdout (human text, or one JSON value per line with
 * `--json`), problems on stderr, and a progress line on stderr when it is a terminal.
 *
 * @module
 */

/** A writable stream, as much of one as the CLI uses. */
export interface TextStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * A command's output in one mode: human-readable text, or JSON lines (`--json`) that a script
 * can parse one line at a time.
 *
 * @example
 * ```ts
 * const output = new Output(json);
 * output.result(`Task ${id} queued`, record); // the text, or the record as one JSON line
 * ```
 */
export class Output {
  /** True with `--json`: every result is one line of JSON. */
  readonly json: boolean;
  private readonly _stdout: TextStream;
  private readonly _stderr: TextStream;

  constructor(json: boolean, streams: { stdout?: TextStream; stderr?: TextStream } = {}) {
    this.json = json;
    this._stdout = streams.stdout ?? process.stdout;
    this._stderr = streams.stderr ?? process.stderr;
  }

  /** True when stderr is a terminal (and not in JSON mode): a live progress line fits there. */
  get interactive(): boolean {
    return !this.json && this._stderr.isTTY === true;
  }

  /** A result: `human` in human mode, `data` as one JSON line with `--json`. */
  result(human: string | (() => string), data: unknown): void {
    if (this.json) this._stdout.write(`${JSON.stringify(data)}\n`);
    else this._stdout.write(`${typeof human === 'string' ? human : human()}\n`);
  }

  /** Text on stdout in either mode (help, which has no JSON form). */
  print(text: string): void {
    this._stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A line for people on stdout (nothing with `--json`). */
  say(text: string): void {
    if (!this.json) this._stdout.write(`${text}\n`);
  }

  /** A notice for people on stderr (nothing with `--json`). */
  note(text: string): void {
    if (!this.json) this._stderr.write(`${text}\n`);
  }

  /** Write raw text to stderr (the progress line, an error report). */
  stderr(text: string): void {
    this._stderr.write(text);
  }

  /** Resolves once what was written to stdout and stderr has been handed to the OS. */
  flush(): Promise<void> {
    const drained = (stream: TextStream) =>
      new Promise<void>((resolve) => {
        const writable = stream as TextStream & { write(text: string, cb: () => void): boolean };
        try {
          writable.write('', () => resolve());
        } catch {
          resolve();
        }
      });
    return Promise.all([drained(this._stdout), drained(this._stderr)]).then(() => {});
  }
}
