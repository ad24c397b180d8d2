/**
 * What a coordinator task is: a function of a {@link TaskContext}.
 *
 * @module
 */

import type { CancelToken } from '../cancel/cancel-token.js';

/**
 * What a task definition receives: its id, kind and input, its cancellation token, and the two
 * ways to tell subscribers how it is going.
 *
 * @example
 * ```ts
 * coordinator.define<{ urls: string[] }>('crawl', async (ctx) => {
 *   for (const [i, url] of ctx.input.urls.entries()) {
 *     const res = await fetch(url, { signal: ctx.token.signal });
 *     ctx.emit('page', { url, status: res.status });
 *     ctx.progress((i + 1) / ctx.input.urls.length);
 *   }
 *   return { pages: ctx.input.urls.length };
 * });
 * ```
 */
export interface TaskContext<I = unknown> {
  /** The task's id. */
  readonly id: string;
  /** The task's kind. */
  readonly kind: string;
  /** The input given to `start`, exactly as submitted (a durable backend: as stored JSON). */
  readonly input: I;
  /**
   * Cancelled by `cancel(id, reason)`, by the task's timeout (reason `timeout`) and by a
   * shutdown (reason `shutdown`). Pass `token.signal` to `fetch`, timers, `pg`, child processes.
   */
  readonly token: CancelToken;
  /** Which attempt this is, from 1 (a durable backend may retry). */
  readonly attempt: number;
  /**
   * Send every subscriber an event of the task's own `type` with JSON `data`, in order. Throws
   * `InvalidArgumentError` for a reserved type (`started`, `progress`, `completed`, `failed`,
   * `cancelled`, `overflow`, `shutdown`), a malformed one, or data that is not plain JSON.
   */
  emit(type: string, data?: unknown): void;
  /** Send a `progress` event with a JSON `value` (a fraction, a count, an object). */
  progress(value: unknown): void;
}

/**
 * A task of some kind: `(ctx) => result`. It may be async. Its result (plain JSON) is the
 * `completed` event's `result`; a throw or rejection is `failed`; ending because `ctx.token`
 * was cancelled (throwing `CancelledError`, an aborted `fetch`'s `AbortError`) is `cancelled`.
 * Code in its `finally` blocks runs before the terminal event is sent.
 */
export type TaskDefinition<I = unknown, R = unknown> = (ctx: TaskContext<I>) => R | Promise<R>;
