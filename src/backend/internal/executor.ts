// The one piece of code every backend runs its attempts through (after Oban's executor): each
// attempt's handler is a Warden `Task` in the executor's `Scope` (the backend's, for its whole
// life), with its handler context and time limit; when it ends, its outcome is classified the same
// way everywhere — succeeded, failed, timed out, cancelled, or handed back — and handed to the
// backend, which only stores it and schedules what comes next. Failures are reported here too,
// with one log line and the backend's `onError` hook.

import { CancelReason } from '../../cancel/cancel-reason.js';
import type { CancelToken } from '../../cancel/cancel-token.js';
import { TimeoutError } from '../../errors.js';
import type { Logger } from '../../observe/logger.js';
import { Scope } from '../../task/scope.js';
import type { Task } from '../../task/task.js';
import type { FailedTaskInfo } from '../task-backend.js';
import type { Attempt } from './attempt.js';

/** How an attempt ended. */
export type AttemptEnd =
  /** Its handler returned `value`. */
  | { readonly status: 'succeeded'; readonly value: unknown }
  /** It threw or rejected; `timedOut` when its own time limit ran out first. */
  | { readonly status: 'failed'; readonly error: Error; readonly timedOut: boolean }
  /** It ended by its cancellation, for `reason` (its token's). */
  | { readonly status: 'cancelled'; readonly reason: CancelReason }
  /** A shutdown handed it back to a durable queue (see {@link Attempt.handingBack}). */
  | { readonly status: 'handed-back' };

/** What an {@link Executor} needs. */
export interface ExecutorOptions<A extends Attempt> {
  /** The backend's name, for logs and for its scope. */
  readonly name: string;
  /** The token the executor's scope is a child of (none: a root). */
  readonly token: CancelToken | undefined;
  readonly logger: Logger;
  /** The backend's `onError` hook. */
  readonly onError: ((error: Error, task: FailedTaskInfo) => void) | undefined;
  /** Told, synchronously, as each attempt ends. */
  ended(attempt: A, end: AttemptEnd): void;
}

/** How a failure is reported: whether another attempt follows, and how many there may be. */
export interface FailureReport {
  readonly willRetry: boolean;
  readonly maxAttempts: number;
}

/** See the file comment. */
export class Executor<A extends Attempt> {
  /** The scope every attempt runs in; cancelling it cancels every running attempt. */
  readonly scope: Scope;
  private readonly _attempts = new Map<Task<unknown>, A>();
  /** The attempt being spawned: a handler that returns synchronously ends inside spawn(). */
  private _starting: A | undefined = undefined;

  constructor(private readonly _options: ExecutorOptions<A>) {
    this.scope = new Scope({
      name: _options.name,
      policy: 'isolate',
      ...(_options.token === undefined ? {} : { token: _options.token }),
      logger: _options.logger,
      // Failures are the backend's to report (it knows whether one is retried): see report().
      onError: ignore,
      onTaskEnd: (task) => this._taskEnded(task),
    });
  }

  /** Attempts whose handler runs now. */
  get size(): number {
    return this._attempts.size;
  }

  /** Start `attempt`'s handler. */
  run(attempt: A): void {
    // Saved and restored: a synchronous handler may start another attempt (an inline submit).
    const outer = this._starting;
    this._starting = attempt;
    let task: Task<unknown>;
    try {
      task = this.scope.spawn(
        (token) => attempt.invoke(token),
        attempt.timeout === undefined
          ? { name: attempt.type }
          : { name: attempt.type, timeout: attempt.timeout },
      );
    } finally {
      this._starting = outer;
    }
    // A handler that returned synchronously has ended already.
    if (task.status === 'running') {
      attempt.task = task;
      this._attempts.set(task, attempt);
    }
  }

  /** The attempts whose handler runs now. */
  running(): A[] {
    return [...this._attempts.values()];
  }

  /** Cancel every running attempt with `reason`. */
  cancelAll(reason: CancelReason): void {
    this.scope.cancel(reason);
  }

  /** Log a failed attempt and tell the backend's `onError` hook (a throw there is logged). */
  report(attempt: A, error: Error, { willRetry, maxAttempts }: FailureReport): void {
    const { logger, name, onError } = this._options;
    const of = maxAttempts > 1 ? ` on attempt ${attempt.attempt} of ${maxAttempts}` : '';
    logger[willRetry ? 'warn' : 'error'](
      {
        err: error,
        backend: name,
        taskId: attempt.id,
        taskType: attempt.type,
        attempt: attempt.attempt,
        ...(maxAttempts > 1 ? { maxAttempts, willRetry } : {}),
      },
      `task '${attempt.type}' (${attempt.id}) failed${of}${willRetry ? '; it will be retried' : ''}`,
    );
    if (onError === undefined) return;
    try {
      onError(error, {
        id: attempt.id,
        type: attempt.type,
        payload: attempt.payload,
        attempt: attempt.attempt,
      });
    } catch (hookError) {
      logger.error(
        { err: hookError, backend: name, taskId: attempt.id },
        'backend onError hook threw',
      );
    }
  }

  private _taskEnded(task: Task<unknown>): void {
    let attempt = this._attempts.get(task);
    if (attempt === undefined) {
      // It ended inside spawn (a synchronous handler): run() has not recorded it yet.
      attempt = this._starting;
      if (attempt === undefined) return;
      this._starting = undefined;
    } else {
      this._attempts.delete(task);
    }
    attempt.task = null;
    this._options.ended(attempt, endOf(attempt, task));
  }
}

function ignore(): void {}

/** Classify how `attempt`'s task ended. */
function endOf(attempt: Attempt, task: Task<unknown>): AttemptEnd {
  const status = task.status;
  if (status === 'succeeded') return { status, value: task.value };
  if (attempt.handingBack) return { status: 'handed-back' };
  if (status === 'cancelled') {
    // The task's own token says why (a cancellation error thrown may carry another reason).
    return { status, reason: task.token.reason ?? CancelReason.requested('task cancelled') };
  }
  const error = task.error as Error;
  return { status: 'failed', error, timedOut: error instanceof TimeoutError };
}
