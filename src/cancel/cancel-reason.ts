/**
 * Why a {@link CancelToken} was cancelled, so that a caller (and every client watching a task)
 * can tell a user's request from a timeout, a shutdown or a failure elsewhere in the tree.
 *
 * @module
 */

/**
 * The kinds of cancellation:
 * - `requested`: someone asked for it (`cancel()`, an API call, an adopted `AbortSignal`);
 * - `timeout`: a time limit ran out;
 * - `shutdown`: the process is shutting down;
 * - `parent-failure`: something the work belongs to failed (a critical task, or a sibling in a
 *   `'cancel-siblings'` scope) and took the tree down with it; `cause` holds that failure.
 */
export type CancelReasonKind = 'requested' | 'timeout' | 'shutdown' | 'parent-failure';

/**
 * Why work was cancelled. Plain data: it can be logged, sent to a client or stored as JSON
 * (except `cause`, which is whatever error caused it).
 */
export interface CancelReason {
  /** What kind of cancellation this is. */
  readonly kind: CancelReasonKind;
  /** A human-readable sentence. */
  readonly message: string;
  /** The failure behind a `parent-failure`, or the original `AbortSignal` reason. */
  readonly cause?: unknown;
}

const KINDS: ReadonlySet<string> = new Set<CancelReasonKind>([
  'requested',
  'timeout',
  'shutdown',
  'parent-failure',
]);

/**
 * Builders for {@link CancelReason} values.
 *
 * @example
 * ```ts
 * token.cancel(CancelReason.shutdown('SIGTERM'));
 * token.reason?.kind; // 'shutdown'
 * ```
 */
export const CancelReason = {
  /** Someone asked for the work to stop. */
  requested(message = 'cancellation requested', cause?: unknown): CancelReason {
    return cause === undefined
      ? { kind: 'requested', message }
      : { kind: 'requested', message, cause };
  },
  /** A time limit of `ms` milliseconds ran out. */
  timeout(ms: number, message = `timed out after ${ms} ms`): CancelReason {
    return { kind: 'timeout', message };
  },
  /** The process (or the owning service) is shutting down. */
  shutdown(message = 'shutting down'): CancelReason {
    return { kind: 'shutdown', message };
  },
  /** A failure elsewhere in the tree (`cause`) took this work down. */
  parentFailure(cause: unknown, message = 'a related task failed'): CancelReason {
    return { kind: 'parent-failure', message, cause };
  },
  /** True when `value` is a {@link CancelReason}. */
  is(value: unknown): value is CancelReason {
    return (
      typeof value === 'object' &&
      value !== null &&
      KINDS.has((value as CancelReason).kind) &&
      typeof (value as CancelReason).message === 'string'
    );
  },
} as const;

/** What `cancel()` accepts: a full reason, a message (kind `requested`), or nothing. */
export type CancelReasonInput = CancelReason | string | undefined;
