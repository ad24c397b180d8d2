/**
 * Time limits, cancellable sleeps and shielding from outer cancellation.
 *
 * @module
 */

import { CancelReason } from '../cancel/cancel-reason.js';
import { CancelToken } from '../cancel/cancel-token.js';
import { cancelledErrorFor } from '../cancel/cancelled-error-for.js';
import { InvalidArgumentError, TimeoutError } from '../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { rejectionOutcome } from './internal/outcome.js';
import { validateFunction, validateTimeout, validateToken } from './internal/validate.js';

/** Options for {@link withTimeout}. */
export interface WithTimeoutOptions {
  /**
   * The token the work's token is a child of, so outer cancellation still reaches the work.
   * @default a new root token
   */
  token?: CancelToken;
}

const withTimeoutOptionKeys = optionKeys(['token']) satisfies OptionKeys<keyof WithTimeoutOptions>;

/**
 * Run `fn(token)` with a time limit. When `ms` passes first, `token` is cancelled with a
 * `timeout` reason and, once `fn` has ended, the call rejects with a {@link TimeoutError}
 * (whose `cause` is the work's own error, if it failed otherwise than by cancellation).
 *
 * Structured like Kotlin's `withTimeout` and Python's `asyncio.timeout`: the call settles only
 * after `fn` has ended, so no work is left running behind it. Compared with
 * `AbortSignal.timeout`, the work cannot outlive the call, and the error says it was a timeout.
 *
 * Not guaranteed: work that ignores its token keeps the call waiting past `ms`.
 *
 * @example
 * ```ts
 * const page = await withTimeout(5_000, (token) => fetch(url, { signal: token.signal }));
 * ```
 */
export function withTimeout<T>(
  ms: number,
  fn: (token: CancelToken) => T | PromiseLike<T>,
  options: WithTimeoutOptions = {},
): Promise<T> {
  // Validated here, outside the async body, so a bad argument throws at the call.
  validateTimeout('ms', ms);
  validateFunction('fn', fn);
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, withTimeoutOptionKeys, 'withTimeout');
  validateToken('options.token', options.token);
  const token = options.token === undefined ? new CancelToken() : options.token.child();
  return runWithTimeout(ms, fn, token);
}

async function runWithTimeout<T>(
  ms: number,
  fn: (token: CancelToken) => T | PromiseLike<T>,
  token: CancelToken,
): Promise<T> {
  let timedOutAfter: number | undefined;
  const timer = setTimeout(() => {
    // Already cancelled from outside: that cancellation stands; this is not a timeout.
    if (token.isCancelled) return;
    timedOutAfter = ms;
    token.cancel(CancelReason.timeout(ms));
  }, ms);
  let value: T;
  try {
    value = await fn(token);
  } catch (thrown) {
    throw rejectionOutcome(thrown, token, timedOutAfter, 'Operation').error;
  } finally {
    clearTimeout(timer);
    token.dispose();
  }
  if (timedOutAfter !== undefined) throw new TimeoutError(timedOutAfter, 'Operation');
  return value;
}

/**
 * Wait `ms` milliseconds, or reject with a {@link CancelledError} as soon as `token` is
 * cancelled (at once if it already is). Unlike `timers/promises`' `setTimeout` with a signal,
 * the rejection carries the {@link CancelReason}, and no `AbortSignal` is created.
 *
 * Every sleep cancelled for one reason rejects with the same `CancelledError` object (as every
 * consumer of an `AbortSignal` sees the one `signal.reason`): one `cancel()` that reaches
 * 100,000 sleepers builds one error, not 100,000 stack traces. Its `stack` is that of its first
 * use, so it does not say which sleep was waiting.
 *
 * @example
 * ```ts
 * while (!token.isCancelled) { await poll(); await sleep(1_000, token); }
 * ```
 */
export function sleep(ms: number, token?: CancelToken): Promise<void> {
  validateTimeout('ms', ms);
  validateToken('token', token);
  if (token === undefined) return new Promise((resolve) => setTimeout(resolve, ms));
  const reason = token.reason;
  if (reason !== undefined) return Promise.reject(cancelledErrorFor(reason));
  return new Promise<void>((resolve, reject) => {
    const registration = token.onCancel((cancelReason) => {
      clearTimeout(timer);
      reject(cancelledErrorFor(cancelReason));
    });
    const timer = setTimeout(() => {
      registration.dispose();
      resolve();
    }, ms);
  });
}

/** Options for {@link shield}. */
export interface ShieldOptions {
  /**
   * A limit for the shielded work, so cleanup cannot hang forever; past it the work's own token
   * is cancelled and the call rejects with a {@link TimeoutError}.
   * @default no limit
   */
  timeout?: number;
}

const shieldOptionKeys = optionKeys(['timeout']) satisfies OptionKeys<keyof ShieldOptions>;

/**
 * Run cleanup that outer cancellation cannot interrupt: `fn` gets a fresh root token that no
 * parent can cancel (only the optional `timeout` can). Use it in a `finally` block of a task
 * that is being cancelled, to flush, release or report before it ends.
 *
 * Effection calls this idea "critical"; in Warden "critical" means Dynamo's critical task
 * (a failure cancels the parent), so shielding is called `shield`. Like Python's
 * `asyncio.shield`, it protects the inner work, not the time the caller waits: a task's owner
 * still waits for the shielded work to finish.
 *
 * @example
 * ```ts
 * try { await work(token); } finally { await shield((t) => flushBuffers(t), { timeout: 2_000 }); }
 * ```
 */
export function shield<T>(
  fn: (token: CancelToken) => T | PromiseLike<T>,
  options: ShieldOptions = {},
): Promise<T> {
  validateFunction('fn', fn);
  checkOptionKeys(options, shieldOptionKeys, 'shield');
  if (options.timeout !== undefined) {
    validateTimeout('options.timeout', options.timeout);
    return withTimeout(options.timeout, fn);
  }
  try {
    return Promise.resolve(fn(new CancelToken()));
  } catch (error) {
    return Promise.reject(error);
  }
}
