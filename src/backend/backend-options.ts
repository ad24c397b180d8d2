/**
 * Options shared by the in-memory backends ({@link InlineBackend}, {@link InProcessBackend}),
 * with their defaults in one place.
 *
 * @module
 */

import type { CancelToken } from '../cancel/cancel-token.js';
import { type OptionKeys, optionKeys } from '../internal/option-keys.js';
import type { Runtime } from '../lifecycle/runtime.js';
import type { Logger } from '../observe/logger.js';
import type { FailedTaskInfo } from './task-backend.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './validate-payload.js';

/** Options every in-memory backend takes. */
export interface BackendOptions {
  /**
   * A name for logs, errors and the runtime's shutdown report.
   * @default 'inline' or 'in-process'
   */
  name?: string;
  /**
   * Where the backend logs: every task failure (with `taskId` and `taskType`) at `error`, the
   * shutdown report at `info` (or `warn` when tasks had to be cancelled).
   * @default createConsoleLogger()
   */
  logger?: Logger;
  /**
   * Told of every task failure, after it is logged and counted. It must not throw (a throw is
   * logged and otherwise ignored).
   * @default none
   */
  onError?: (error: Error, task: FailedTaskInfo) => void;
  /**
   * The largest payload `submit` accepts, in bytes of UTF-8 JSON.
   * @default 1 MiB (1,048,576)
   */
  maxPayloadBytes?: number;
  /**
   * How long `shutdown()` lets tasks finish before cancelling them, in milliseconds, when the
   * call does not say.
   * @default 10_000
   */
  shutdownTimeout?: number;
  /**
   * How long `shutdown()` waits, after cancelling stragglers, for them to end, in milliseconds,
   * when the call does not say.
   * @default 1_000
   */
  shutdownGrace?: number;
  /**
   * A token whose cancellation cancels every running task of this backend (and every task
   * started later starts cancelled). The backend's own token is a child of it.
   * @default a new root token
   */
  token?: CancelToken;
  /**
   * The process {@link Runtime} whose shutdown drains this backend. On `start()` the backend adds
   * a `drain`-phase hook to it that calls `shutdown()` within what is left of that phase's
   * budget (grace: a quarter of it, at most `shutdownGrace`; the last tenth kept as slack), and
   * that rejects with a `TasksAbandonedError` if tasks ignored their cancellation, so the
   * runtime's report is `incomplete`. The backend removes the hook when it shuts down by itself.
   * `false`: no hook; shut the backend down yourself.
   * @default getDefaultRuntime(), read at `start()`
   */
  runtime?: Runtime | false;
  /**
   * How many of a task's own events (`ctx.emit`, `ctx.progress`) its history keeps; when it
   * emits more, the oldest are dropped (a follower resuming before them skips to the oldest kept
   * one). `started` and the terminal event are always kept. An integer ≥ 1.
   * @default 1_000
   */
  maxEventsPerTask?: number;
  /**
   * How many finished tasks (their record, result and history) are kept for `getTask`,
   * `listTasks` and `events`; beyond it the oldest finished are forgotten first. Queued and
   * running tasks are always kept. An integer ≥ 0.
   * @default 10_000
   */
  maxFinishedTasks?: number;
}

/** The defaults of {@link BackendOptions}. */
export const backendDefaults = {
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  shutdownTimeout: 10_000,
  shutdownGrace: 1_000,
  maxEventsPerTask: 1_000,
  maxFinishedTasks: 10_000,
} as const satisfies BackendOptions;

/** @internal The keys of {@link BackendOptions}. */
export const backendOptionKeys = optionKeys(backendDefaults, [
  'name',
  'logger',
  'onError',
  'token',
  'runtime',
]) satisfies OptionKeys<keyof BackendOptions>;
