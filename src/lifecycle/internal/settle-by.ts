// Runs several pieces of shutdown work at once and waits for them until a cutoff, never longer.
// Used for each phase's hooks and for the drain of the root scope.

import { TimeoutError, toError } from '../../errors.js';

/** How one piece of work ended relative to its cutoff. */
export type SettleStatus = 'ok' | 'failed' | 'hung';

/** The result for one piece of work. */
export interface Settled {
  status: SettleStatus;
  /** Milliseconds from start until it settled, or until the cutoff when it hung. */
  durationMs: number;
  /** What it threw, for `failed`. */
  error?: Error;
}

/** The monotonic clock every budget is measured on. */
export const now = (): number => performance.now();

/**
 * Start every `work(signal)` at once and resolve when all have settled or `cutoff` (on the
 * {@link now} clock) has passed, whichever is first. Work still pending at the cutoff is `hung`
 * and its `signal` is aborted with a {@link TimeoutError}; its eventual result is ignored (and a
 * late rejection is swallowed, since it was already reported as hung). A synchronous throw is a
 * failure like a rejection. Never rejects.
 */
export function settleBy(
  works: ReadonlyArray<(signal: AbortSignal) => unknown>,
  cutoff: number,
): Promise<Settled[]> {
  const start = now();
  const results: Settled[] = works.map(() => ({ status: 'hung', durationMs: 0 }));
  if (works.length === 0) return Promise.resolve(results);
  const controller = new AbortController();
  return new Promise<Settled[]>((resolve) => {
    let pending = works.length;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(results);
    };
    // The timer is armed before any work runs, so work that blocks for a while cannot push it.
    // It stays ref'd: the process must not exit early (with code 0) while shutdown is pending.
    const timer = setTimeout(
      () => {
        const elapsed = now() - start;
        for (const result of results) {
          if (result.status === 'hung') result.durationMs = elapsed;
        }
        controller.abort(new TimeoutError(Math.round(cutoff - start), 'Shutdown phase'));
        finish();
      },
      Math.max(0, cutoff - start),
    );
    works.forEach((work, index) => {
      const settle = (status: SettleStatus, error?: unknown): void => {
        if (done) return;
        const result = results[index] as Settled;
        result.status = status;
        result.durationMs = now() - start;
        if (status === 'failed') result.error = toError(error);
        if (--pending === 0) finish();
      };
      let value: unknown;
      try {
        value = work(controller.signal);
      } catch (error) {
        settle('failed', error);
        return;
      }
      Promise.resolve(value).then(
        () => settle('ok'),
        (error: unknown) => settle('failed', error),
      );
    });
  });
}
