/**
 * Fail-fast work on the process-wide runtime: a failure that nobody handles takes the
 * process down, loudly and gracefully, so its supervisor restarts it.
 *
 * @module
 */

import type { TaskFn } from '../task/scope.js';
import type { Task } from '../task/task.js';
import { getDefaultRuntime } from './default-runtime.js';
import type { FailFastOptions } from './runtime-options.js';

/**
 * Spawn a fail-fast background task on the default runtime ({@link Runtime.failFast}). If it
 * fails other than by cancellation: a FATAL banner on stderr (task name, error, full stack), a
 * graceful shutdown that cancels and drains every other task within the deadline, then exit
 * code 1. Cancelling it is never fatal.
 *
 * Compared with a bare `queueMicrotask`/floating promise: the failure cannot be silent, and the
 * process does not stay up half-broken ("silent async death").
 *
 * @example
 * ```ts
 * failFast(async (token) => {
 *   while (!token.isCancelled) { await drainQueue(token); await sleep(1_000, token); }
 * }, { name: 'queue-drainer' });
 * ```
 */
export function failFast<T>(fn: TaskFn<T>, options: FailFastOptions): Task<T> {
  return getDefaultRuntime().failFast(fn, options);
}

/**
 * Wrap a function so its failure is fatal, on the default runtime ({@link Runtime.failFastFn}):
 * the function form of {@link failFast}, the fail-fast decorator. The wrapper returns a promise
 * that still rejects with the failure (after the fatal path has started); a cancellation
 * ({@link CancelledError}, `AbortError`) is passed through and is never fatal.
 *
 * Not guaranteed: if the caller also leaves that rejection unhandled and no crash handlers are
 * installed, Node's own unhandled-rejection crash can end the process before the graceful
 * shutdown; install them with `getDefaultRuntime().install()`.
 *
 * @example
 * ```ts
 * const reconcileLoop = failFastFn(async (token: CancelToken) => {
 *   while (!token.isCancelled) { await reconcile(); await sleep(60_000, token); }
 * }, { name: 'reconcile-loop' });
 * ```
 */
export function failFastFn<A extends unknown[], R, This = unknown>(
  fn: (this: This, ...args: A) => R,
  options: FailFastOptions,
): (this: This, ...args: A) => Promise<Awaited<R>> {
  return getDefaultRuntime().failFastFn(fn, options);
}
