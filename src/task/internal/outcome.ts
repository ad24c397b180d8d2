// How a settled piece of work is classified: succeeded, failed, cancelled or timed out.
// Shared by Task, withTimeout and critical tasks so the three agree on every edge.

import type { CancelToken } from '../../cancel/cancel-token.js';
import { CancelledError } from '../../cancel/cancelled-error.js';
import { cancelledErrorFor } from '../../cancel/cancelled-error-for.js';
import { TimeoutError, toError } from '../../errors.js';

/** True when `error` is the work reacting to cancellation rather than failing on its own. */
export function isCancellation(error: unknown): boolean {
  return (
    error instanceof CancelledError ||
    (error instanceof Error && error.name === 'AbortError') ||
    (error instanceof DOMException && error.name === 'AbortError')
  );
}

/** Work that did not succeed, classified. */
export type Unsuccessful =
  | { readonly status: 'failed'; readonly error: Error }
  | { readonly status: 'cancelled'; readonly error: CancelledError };

/** Settled work, classified. */
export type Outcome<T> = { readonly status: 'succeeded'; readonly value: T } | Unsuccessful;

/**
 * Classify a rejection. A cancellation error counts as `cancelled` only when the work's own
 * token really was cancelled; an `AbortError` from some unrelated signal is a failure.
 * A timeout that fired first turns any ending into a {@link TimeoutError}.
 */
export function rejectionOutcome(
  thrown: unknown,
  token: CancelToken,
  timedOutAfter: number | undefined,
  what: string,
): Unsuccessful {
  if (timedOutAfter !== undefined) {
    const timeout = new TimeoutError(timedOutAfter, what);
    if (thrown !== undefined && !isCancellation(thrown))
      (timeout as { cause?: unknown }).cause = thrown;
    return { status: 'failed', error: timeout };
  }
  const reason = token.reason;
  if (reason !== undefined && isCancellation(thrown)) {
    return {
      status: 'cancelled',
      error: thrown instanceof CancelledError ? thrown : cancelledErrorFor(reason),
    };
  }
  return { status: 'failed', error: toError(thrown) };
}
