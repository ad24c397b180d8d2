// The function form of fail-fast (the fail-fast decorator): a failure of the wrapped function is
// reported as fatal, and still reaches the caller.

import { isCancellation } from '../../task/internal/outcome.js';

/**
 * Wrap `fn` so that a throw or rejection that is not a cancellation calls `onFatal(error)` (which
 * starts the fatal path) before the returned promise rejects with the same error. `this` and the
 * arguments pass through unchanged.
 */
export function wrapFailFast<A extends unknown[], R, This>(
  fn: (this: This, ...args: A) => R,
  onFatal: (error: unknown) => void,
): (this: This, ...args: A) => Promise<Awaited<R>> {
  const failed = (error: unknown): Promise<never> => {
    if (!isCancellation(error)) onFatal(error);
    return Promise.reject(error);
  };
  return function failFastWrapper(this: This, ...args: A): Promise<Awaited<R>> {
    let result: R;
    try {
      result = fn.apply(this, args);
    } catch (error) {
      return failed(error);
    }
    return Promise.resolve(result).then(undefined, failed);
  };
}
