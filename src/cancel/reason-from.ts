// The reason a cancel records: from what `cancel(reason?)` was given, or from an AbortSignal's
// abort (a token's own signal maps back to its reason).

import { InvalidArgumentError } from '../errors.js';
import { CancelReason, type CancelReasonInput } from './cancel-reason.js';
import { CancelledError } from './cancelled-error.js';

/** The reason of `cancel(input)`: a message makes a `requested` one; throws on anything else. */
export function toReason(input: CancelReasonInput): CancelReason {
  if (input === undefined) return CancelReason.requested();
  if (typeof input === 'string') return CancelReason.requested(input);
  if (CancelReason.is(input)) return input;
  throw new InvalidArgumentError('reason', 'a CancelReason, a string or undefined', input);
}

/** The reason of a signal's abort: `timeout` for `AbortSignal.timeout()`, else `requested`. */
export function reasonFromAbort(abortReason: unknown): CancelReason {
  if (abortReason instanceof CancelledError) return abortReason.reason;
  if (abortReason instanceof DOMException && abortReason.name === 'TimeoutError') {
    return { kind: 'timeout', message: abortReason.message, cause: abortReason };
  }
  const message = abortReason instanceof Error ? abortReason.message : 'signal aborted';
  return CancelReason.requested(message, abortReason);
}
