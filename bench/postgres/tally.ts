// Handler activity counted in this process, for the in-process (PGlite) cases: the same
// `Observed` view a `Fleet` gives of its children, fed directly by the handlers.

import type { Observed } from './measure.js';
import { type BenchPayload, now } from './protocol.js';

interface Waiter {
  readonly check: () => boolean;
  readonly resolve: () => void;
}

/** Counts handler starts and ends in this process; wakes waiters as they happen. */
export class Tally implements Observed {
  done = 0;
  lastAt = 0;
  readonly #starts = new Map<number, number>();
  readonly #fired = new Map<number, number>();
  readonly #waiters = new Set<Waiter>();

  /** Call first thing in a handler. */
  started(payload: BenchPayload): void {
    if (payload.t !== undefined) {
      this.#starts.set(payload.seq, now());
      this.#poke();
    }
  }

  /** Call as a handler ends. */
  ended(): void {
    this.done++;
    this.lastAt = now();
    if (this.#waiters.size > 0) this.#poke();
  }

  /** A cancellation probe's token fired. */
  fired(seq: number): void {
    this.#fired.set(seq, now());
    this.#poke();
  }

  startOf(seq: number): number | undefined {
    return this.#starts.get(seq);
  }

  firedAt(seq: number): number | undefined {
    return this.#fired.get(seq);
  }

  clearProbes(): void {
    this.#starts.clear();
    this.#fired.clear();
  }

  async until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return;
    let waiter: Waiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        waiter = { check, resolve };
        this.#waiters.add(waiter);
        timer = setTimeout(
          () => reject(new Error(`${what}: timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
    } finally {
      clearTimeout(timer);
      if (waiter !== undefined) this.#waiters.delete(waiter);
    }
  }

  #poke(): void {
    for (const waiter of this.#waiters) {
      if (waiter.check()) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
