// A child process's stdout as lines (split by node:readline), and a wait for the first line that
// matches a pattern, whether it has been printed already or is still to come.

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** The lines a stream has produced so far, and waits for more. */
export class OutputLines {
  /** Every complete line so far. */
  readonly lines: string[] = [];
  private readonly _waiters = new Set<{ pattern: RegExp; resolve(line: string): void }>();

  constructor(stream: Readable) {
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      this.lines.push(line);
      for (const waiter of [...this._waiters]) {
        if (waiter.pattern.test(line)) {
          this._waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    });
  }

  /**
   * The first line matching `pattern`. Never settles on its own when no such line comes:
   * race it with a timeout or the process's exit, and call `cancel()` after.
   */
  first(pattern: RegExp): { found: Promise<string>; cancel(): void } {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen !== undefined) return { found: Promise.resolve(seen), cancel: () => {} };
    let waiter: { pattern: RegExp; resolve(line: string): void } | undefined;
    const found = new Promise<string>((resolve) => {
      waiter = { pattern, resolve };
      this._waiters.add(waiter);
    });
    return {
      found,
      cancel: () => {
        if (waiter !== undefined) this._waiters.delete(waiter);
      },
    };
  }
}
