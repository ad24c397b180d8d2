/**
 * A handle on one running piece of work.
 *
 * @module
 */

import { CancelReason, type CancelReasonInput } from '../cancel/cancel-reason.js';
import type { CancelToken } from '../cancel/cancel-token.js';
import { type Outcome, rejectionOutcome } from './internal/outcome.js';

/** Where a task is in its life. Only `running` ever changes. */
export type TaskStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What a task's owner (a {@link Scope}) is told when the task ends. @internal */
export interface TaskOwner {
  /** Called exactly once, after the task's status is final. */
  taskEnded(task: Task<unknown>): void;
}

let lastTaskId = 0;

/**
 * A handle on a task spawned in a {@link Scope}: its identity, its token, its status and
 * its result.
 *
 * A `Task` is awaitable (`await task` is `await task.join()`). It always ends in exactly one of
 * `succeeded`, `failed` or `cancelled`:
 * - the function returned or resolved: `succeeded` (also after a cancellation it chose to
 *   handle by returning);
 * - it threw or rejected with a cancellation error ({@link CancelledError}, an `AbortError`)
 *   while its token was cancelled: `cancelled`;
 * - its own `timeout` fired before it ended: `failed` with a {@link TimeoutError};
 * - anything else: `failed` with the error (a non-`Error` throw is wrapped in a
 *   {@link NonErrorThrownError}).
 *
 * Compared with a bare promise: a task can be cancelled, knows its name, age and status
 * synchronously, and always has an owner that waits for it.
 *
 * @example
 * ```ts
 * const task = scope.spawn((token) => sleep(1000, token), { name: 'nap' });
 * task.cancel();
 * await task.join().catch((e) => e instanceof CancelledError); // true
 * task.status; // 'cancelled'
 * ```
 */
export class Task<T> implements PromiseLike<T> {
  /** Process-unique, increasing id. */
  readonly id: number;
  /** The task's cancellation token, a child of its scope's token. */
  readonly token: CancelToken;
  /** `Date.now()` when the task was spawned. */
  readonly startedAt: number;
  /** @internal links in the owner's list of running tasks */
  _prev: Task<unknown> | null = null;
  /** @internal */
  _next: Task<unknown> | null = null;

  private readonly _name: string | undefined;
  private readonly _owner: TaskOwner;
  private readonly _site: Error | undefined;
  private _outcome: Outcome<T> | undefined = undefined;
  private _timer: NodeJS.Timeout | undefined = undefined;
  private _timedOutAfter: number | undefined = undefined;
  private _waiters: Array<[(value: T) => void, (error: unknown) => void]> | undefined;
  private _detached = false;

  /** @internal Tasks are made by {@link Scope.spawn}. */
  constructor(
    owner: TaskOwner,
    token: CancelToken,
    name: string | undefined,
    site: Error | undefined,
  ) {
    this.id = ++lastTaskId;
    this._owner = owner;
    this.token = token;
    this._name = name;
    this._site = site;
    this.startedAt = Date.now();
  }

  /** The name given at spawn, or `task-<id>`. */
  get name(): string {
    return this._name ?? `task-${this.id}`;
  }

  /** `running` until the task ends, then its final status. */
  get status(): TaskStatus {
    return this._outcome === undefined ? 'running' : this._outcome.status;
  }

  /** The error of a `failed` or `cancelled` task; otherwise `undefined`. */
  get error(): Error | undefined {
    const outcome = this._outcome;
    return outcome !== undefined && outcome.status !== 'succeeded' ? outcome.error : undefined;
  }

  /** Where the task was spawned (a stack trace), when the scope records spawn sites. */
  get spawnSite(): string | undefined {
    return this._site?.stack?.split('\n').slice(2).join('\n');
  }

  /** True once {@link Task.detach} was called. */
  get detached(): boolean {
    return this._detached;
  }

  /**
   * Ask the task to stop: cancels its token (and every token below it). Idempotent. The task
   * ends when its function notices; `join()` tells how.
   */
  cancel(reason?: CancelReasonInput): void {
    this.token.cancel(reason ?? CancelReason.requested('task cancelled'));
  }

  /**
   * Wait for the task to end. Resolves with its value; rejects with its error, a
   * {@link CancelledError} or a {@link TimeoutError}. May be called any number of times.
   */
  join(): Promise<T> {
    const outcome = this._outcome;
    if (outcome !== undefined) {
      return outcome.status === 'succeeded'
        ? Promise.resolve(outcome.value)
        : Promise.reject(outcome.error);
    }
    return new Promise<T>((resolve, reject) => {
      if (this._waiters === undefined) this._waiters = [[resolve, reject]];
      else this._waiters.push([resolve, reject]);
    });
  }

  /**
   * Declare that nobody will join this task. Its failure no longer fails its scope (or cancels
   * its siblings); it is reported through the scope's `onError` hook (by default, logged).
   * Unlike tokio's `detach`, the task stays owned: its scope still cancels it and waits for it.
   */
  detach(): void {
    this._detached = true;
  }

  // biome-ignore lint/suspicious/noThenProperty: a Task is deliberately awaitable.
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.join().then(onFulfilled, onRejected);
  }

  /** @internal Run `fn` as this task. Called once by the owner, right after construction. */
  _run(fn: (token: CancelToken) => T | PromiseLike<T>, timeoutMs: number | undefined): void {
    if (timeoutMs !== undefined) {
      this._timer = setTimeout(() => {
        this._timedOutAfter = timeoutMs;
        this.token.cancel(CancelReason.timeout(timeoutMs));
      }, timeoutMs);
    }
    let result: T | PromiseLike<T>;
    try {
      result = fn(this.token);
    } catch (error) {
      this._settle(rejectionOutcome(error, this.token, this._timedOutAfter, this._what()));
      return;
    }
    if (isThenable(result)) {
      result.then(
        (value) => this._resolved(value),
        (error: unknown) =>
          this._settle(rejectionOutcome(error, this.token, this._timedOutAfter, this._what())),
      );
    } else {
      this._resolved(result);
    }
  }

  private _resolved(value: T): void {
    if (this._timedOutAfter !== undefined) {
      this._settle(rejectionOutcome(undefined, this.token, this._timedOutAfter, this._what()));
    } else {
      this._settle({ status: 'succeeded', value });
    }
  }

  private _what(): string {
    return `Task '${this.name}'`;
  }

  private _settle(outcome: Outcome<T>): void {
    this._outcome = outcome;
    if (this._timer !== undefined) clearTimeout(this._timer);
    // The task is over: its token leaves the tree so long-lived parents hold nothing for it.
    this.token.dispose();
    const waiters = this._waiters;
    if (waiters !== undefined) {
      this._waiters = undefined;
      for (const [resolve, reject] of waiters) {
        if (outcome.status === 'succeeded') resolve(outcome.value);
        else reject(outcome.error);
      }
    }
    this._owner.taskEnded(this as Task<unknown>);
  }
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<T>).then === 'function'
  );
}
