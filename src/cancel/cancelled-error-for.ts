// One CancelledError per CancelReason, shared by everything Warden rejects or aborts for that
// reason, as every consumer of an AbortSignal sees the one `signal.reason`.
//
// Building an Error captures a stack trace, which costs microseconds: one cancel that reaches
// 100,000 sleepers spent more than a second building 100,000 identical errors. The cache is
// weak, so an error lives only as long as its reason does.

import type { CancelReason } from './cancel-reason.js';
import { CancelledError } from './cancelled-error.js';

const errors = new WeakMap<CancelReason, CancelledError>();

/**
 * The {@link CancelledError} for `reason`: made on first use, then the same object every time.
 * Its stack trace is that of the first use.
 *
 * @internal
 */
export function cancelledErrorFor(reason: CancelReason): CancelledError {
  let error = errors.get(reason);
  if (error === undefined) {
    error = new CancelledError(reason);
    errors.set(reason, error);
  }
  return error;
}
