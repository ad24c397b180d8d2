// A bounded wait on work that takes no token: `withTimeout` over `token.race`, so every bounded
// wait in Warden is the one primitive (its timer cleared, its listener removed, whichever way
// the wait ends).

import { TimeoutError } from '../../errors.js';
import { withTimeout } from '../timeouts.js';

/**
 * Resolves `true` once `promise` settles (resolved or rejected), or `false` after `ms` if it has
 * not by then. Never rejects; the work behind `promise` is not stopped.
 */
export async function settleWithin(ms: number, promise: PromiseLike<unknown>): Promise<boolean> {
  try {
    await withTimeout(Math.max(0, ms), (token) => token.race(promise));
  } catch (error) {
    if (error instanceof TimeoutError) return false;
  }
  return true;
}
