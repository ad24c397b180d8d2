/**
 * The error of work stopped by its token: the cancel layer's own. Their codes are in the one
 * registry, `errorCodes` (errors.ts).
 *
 * @module
 */

import { WardenError } from '../errors.js';
import type { CancelReason } from './cancel-reason.js';

/**
 * Thrown (or used as a rejection) when work stops because its {@link CancelToken} was cancelled.
 *
 * It is also the `reason` of a token's `signal`, so `fetch(url, { signal: token.signal })`
 * rejects with a `CancelledError` that carries the same {@link CancelReason}. Like
 * `signal.reason`, Warden makes one `CancelledError` per reason and shares it (`sleep`,
 * `throwIfCancelled`, `signal`, a task's recorded error): one `cancel()` reaching 100,000
 * waiters builds one error, and its `stack` is that of its first use.
 *
 * @example
 * ```ts
 * try { await sleep(1000, token); } catch (e) { if (e instanceof CancelledError) console.log(e.reason.kind); }
 * ```
 */
export class CancelledError extends WardenError {
  /** Why the work was cancelled. */
  readonly reason: CancelReason;

  constructor(reason: CancelReason) {
    super('WARDEN_ERR_CANCELLED', `Cancelled (${reason.kind}): ${reason.message}`, {
      cause: reason.cause,
    });
    this.reason = reason;
  }
}
