/**
 * A handle on one running piece of work.
 *
 * @module
 */

import { CancelReason, type CancelReasonInput } from '../cancel/cancel-reason.js';
import type { CancelToken } from '../cancel/cancel-token.js';
import { rejectionOutcome, type Unsuccessful } from './internal/outcome.js';

/** Where a task is in its life. Only `running` ever changes. */
export type TaskStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What a task's owner (a {@link Scope}) is told when the task ends. @internal */
export interface TaskOwner {
  /** Called exactly once, after the task's status is final. */
  taskEnded(task: Task<unknown>): void;
}

let lastTaskId = 0;

// A task's status as a small integer, indexing STATUS, plus a DETACHED flag bit: the outcome
// lives in two fields of the task (`_state`, `_result`) instead of an object allocated per task.
const RUNNING = 0;
const SUCCEEDED = 1;
const FAILED = 2;
const CANCELLED = 3;
const STATUS_MASK = 3;
const DETACHED = 4;
const STATUS: readonly TaskStatus[] = ['running', 'succeeded', 'failed', 'cancelled'];

/** State few tasks need (a timeout, a recorded spawn site), kept out of every task's fields. */
interface TaskExtra {
  site: Error | undefined;
  timer: NodeJS.Timeout | undefined;
  timedOutAfter: number | undefined;
}

// Reading the clock costs about as much as spawning a trivial task, so spawns share a reading:
// it is taken again after 64 spawns, and after the current run of synchronous code (a
// microtask clears it). Stored as milliseconds since CLOCK_BASE, a small integer that V8 keeps
// unboxed, where a full `Date.now()` value would be a heap number per task.
const CLOCK_BASE = Date.now();
const SPAWNS_PER_READING = 64;
let clockReading = 0;
let readingsLeft = 0;
// Not queueMicrotask: Node wraps each of its callbacks in an AsyncResource, a promise is cheaper.
const settled = Promise.resolve();

function clearClockReading(): void {
  readingsLeft = 0;
}

function spawnTime(): number {
  if (readingsLeft === 0) {
    clockReading = Date.now() - CLOCK_BASE;
    readingsLeft = SPAWNS_PER_READING;
    void settled.then(clearClockReading);
  }
  readingsLeft--;
  return clockReading;
}

// A resolver typed through a method, so it is bivariant in T: without it this private field would
// make `Task<number>` unassignable to `Task<unknown>` (private members count in the comparison).
type Resolve<T> = { bivariant(value: T): void }['bivariant'];

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
  /** @internal links in the owner's list of running tasks */
  _prev: Task<unknown> | null = null;
  /** @internal */
  _next: Task<unknown> | null = null;

  private readonly _name: string | undefined;
  private readonly _owner: TaskOwner;
  private readonly _startedAt: number;
  private _state: number = RUNNING;
  // The value of a succeeded task, the error of a failed or cancelled one.
  private _result: unknown = undefined;
  private _waiters: Array<[Resolve<T>, (error: unknown) => void]> | undefined;
  private _extra: TaskExtra | undefined;

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
    this._extra =
      site === undefined ? undefined : { site, timer: undefined, timedOutAfter: undefined };
    this._startedAt = spawnTime();
  }

  /**
   * When the task was spawned, in `Date.now()` milliseconds. Tasks spawned together (up to 64
   * in one synchronous run of code) share one reading of the clock.
   */
  get startedAt(): number {
    return CLOCK_BASE + this._startedAt;
  }

  /** The name given at spawn, or `task-<id>`. */
  get name(): string {
    return this._name ?? `task-${this.id}`;
  }

  /** `running` until the task ends, then its final status. */
  get status(): TaskStatus {
    return STATUS[this._state & STATUS_MASK] as TaskStatus;
  }

  /** The error of a `failed` or `cancelled` task; otherwise `undefined`. */
  get error(): Error | undefined {
    const status = this._state & STATUS_MASK;
    return status === FAILED || status === CANCELLED ? (this._result as Error) : undefined;
  }

  /** @internal The value of a `succeeded` task, for owners that keep it; otherwise `undefined`. */
  get _value(): T | undefined {
    return (this._state & STATUS_MASK) === SUCCEEDED ? (this._result as T) : undefined;
  }

  /** Where the task was spawned (a stack trace), when the scope records spawn sites. */
  get spawnSite(): string | undefined {
    return this._extra?.site?.stack?.split('\n').slice(2).join('\n');
  }

  /** True once {@link Task.detach} was called. */
  get detached(): boolean {
    return (this._state & DETACHED) !== 0;
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
    const status = this._state & STATUS_MASK;
    if (status !== RUNNING) {
      return status === SUCCEEDED
        ? Promise.resolve(this._result as T)
        : Promise.reject(this._result as Error);
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
    this._state |= DETACHED;
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
      const extra = this._extraState();
      extra.timer = setTimeout(() => {
        // Already cancelled (by its scope, say): that reason stands; this is not a timeout.
        if (this.token.isCancelled) return;
        extra.timedOutAfter = timeoutMs;
        this.token.cancel(CancelReason.timeout(timeoutMs));
      }, timeoutMs);
    }
    let result: T | PromiseLike<T>;
    try {
      result = fn(this.token);
    } catch (error) {
      this._rejected(error);
      return;
    }
    if (isThenable(result)) {
      // Bound methods rather than arrow functions: smaller, and no closure context per task.
      result.then(this._resolved.bind(this), this._rejected.bind(this));
    } else {
      this._resolved(result);
    }
  }

  private _extraState(): TaskExtra {
    if (this._extra === undefined) {
      this._extra = { site: undefined, timer: undefined, timedOutAfter: undefined };
    }
    return this._extra;
  }

  private _rejected(error: unknown): void {
    const timedOutAfter = this._extra?.timedOutAfter;
    // The description is only used by a TimeoutError: build the string only then.
    const what = timedOutAfter === undefined ? '' : this._what();
    this._settleUnsuccessful(rejectionOutcome(error, this.token, timedOutAfter, what));
  }

  private _resolved(value: T): void {
    const timedOutAfter = this._extra?.timedOutAfter;
    if (timedOutAfter !== undefined) {
      this._settleUnsuccessful(
        rejectionOutcome(undefined, this.token, timedOutAfter, this._what()),
      );
    } else {
      this._settle(SUCCEEDED, value);
    }
  }

  private _what(): string {
    return `Task '${this.name}'`;
  }

  private _settleUnsuccessful(outcome: Unsuccessful): void {
    this._settle(outcome.status === 'failed' ? FAILED : CANCELLED, outcome.error);
  }

  private _settle(state: number, result: unknown): void {
    this._state = (this._state & DETACHED) | state;
    this._result = result;
    const extra = this._extra;
    if (extra !== undefined && extra.timer !== undefined) clearTimeout(extra.timer);
    // The task is over: its token leaves the tree so long-lived parents hold nothing for it.
    this.token.dispose();
    const waiters = this._waiters;
    if (waiters !== undefined) {
      this._waiters = undefined;
      for (const [resolve, reject] of waiters) {
        if (state === SUCCEEDED) resolve(result as T);
        else reject(result);
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
