/**
 * A handle on one running piece of work.
 *
 * @module
 */

import { CancelReason, type CancelReasonInput } from '../cancel/cancel-reason.js';
import type { CancelToken } from '../cancel/cancel-token.js';
import { rejectionOutcome, type Unsuccessful } from './internal/outcome.js';
import { queueWatch, type Watcher } from './internal/watch-queue.js';

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
// join() was called while the task ran: its ending must reject the promise join() handed out.
const JOINED = 8;
// The task watches its function's promise (see `internal/watch-queue.ts`): `_result` holds the
// promise that watching made, no longer the function's own.
const WATCHING = 16;
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
 * **Timing.** A task's status changes a few microtasks after its function's promise settles,
 * never later than the end of that microtask checkpoint (before any timer or I/O callback):
 * tasks spawned in a burst start watching their promises in batches once the burst is over.
 *
 * @example
 * ```ts
 * const task = scope.spawn((token) => sleep(1000, token), { name: 'nap' });
 * task.cancel();
 * await task.join().catch((e) => e instanceof CancelledError); // true
 * task.status; // 'cancelled'
 * ```
 */
export class Task<T> implements PromiseLike<T>, Watcher {
  /** Process-unique, increasing id. */
  readonly id: number;
  /** The task's cancellation token, a child of its scope's token. */
  readonly token: CancelToken;
  /** @internal Where the owner keeps it while it runs (see `internal/task-set.ts`). */
  _slot = -1;

  private readonly _name: string | undefined;
  private readonly _owner: TaskOwner;
  private readonly _startedAt: number;
  private _state: number = RUNNING;
  // The value of a succeeded task, the error of a failed or cancelled one. While the task runs:
  // its function's promise until the task watches it, then the promise `then` gave when it
  // started watching, which `join()` hands out (see `_joinOutcome`): joining a running task
  // allocates nothing more.
  private _result: unknown = undefined;
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

  /**
   * The value of a `succeeded` task; otherwise `undefined` (to wait for it, `join()`). With
   * the scope option `onTaskEnd`, it lets a runner record each outcome without a promise per
   * task.
   */
  get value(): T | undefined {
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
   * {@link CancelledError} or a {@link TimeoutError}. May be called any number of times; while
   * the task runs, every call returns the same promise.
   */
  join(): Promise<T> {
    const status = this._state & STATUS_MASK;
    if (status !== RUNNING) {
      return status === SUCCEEDED
        ? Promise.resolve(this._result as T)
        : Promise.reject(this._result as Error);
    }
    // Called from the task's own function before it returned its promise: ask again once it has.
    if (this._result === undefined) return settled.then(() => this.join());
    this._watch();
    this._state |= JOINED;
    return this._result as Promise<T>;
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
      // A thenable that is not a promise (a query builder, say) may start work on every `then`
      // or return anything from it: adopt it once into a promise of our own. (The test is
      // `Promise.resolve`'s own; written out, it is cheaper than `instanceof` per spawn.)
      const promise =
        (result as Promise<T>).constructor === Promise
          ? (result as Promise<T>)
          : Promise.resolve(result);
      this._result = promise;
      queueWatch(this);
    } else {
      this._resolved(result);
    }
  }

  /** @internal Start watching the function's promise, if not yet (see `internal/watch-queue.ts`). */
  _watch(): void {
    if ((this._state & WATCHING) !== 0) return;
    this._state |= WATCHING;
    // Bound methods rather than arrow functions: smaller, and no closure context per task.
    // The promise `then` returns is what `join()` hands out while the task runs.
    this._result = (this._result as Promise<T>).then(
      this._resolved.bind(this),
      this._rejected.bind(this),
    );
  }

  private _extraState(): TaskExtra {
    if (this._extra === undefined) {
      this._extra = { site: undefined, timer: undefined, timedOutAfter: undefined };
    }
    return this._extra;
  }

  // `_rejected` and `_resolved` settle the task when its function's promise settles, then return
  // what settles the promise `join()` hands out.
  private _rejected(error: unknown): T | undefined {
    const timedOutAfter = this._extra?.timedOutAfter;
    // The description is only used by a TimeoutError: build the string only then.
    const what = timedOutAfter === undefined ? '' : this._what();
    this._settleUnsuccessful(rejectionOutcome(error, this.token, timedOutAfter, what));
    return this._joinOutcome();
  }

  private _resolved(value: T): T | undefined {
    const timedOutAfter = this._extra?.timedOutAfter;
    if (timedOutAfter !== undefined) {
      this._settleUnsuccessful(
        rejectionOutcome(undefined, this.token, timedOutAfter, this._what()),
      );
    } else {
      this._settle(SUCCEEDED, value);
    }
    return this._joinOutcome();
  }

  // The value of a succeeded task; the error of one that did not, thrown only if someone joined
  // while it ran: otherwise nobody handles that promise, and rejecting it would be an unhandled
  // rejection. A later `join()` makes a promise of its own from the settled state.
  private _joinOutcome(): T | undefined {
    const state = this._state;
    if ((state & STATUS_MASK) === SUCCEEDED) return this._result as T;
    if ((state & JOINED) !== 0) throw this._result;
    return undefined;
  }

  private _what(): string {
    return `Task '${this.name}'`;
  }

  private _settleUnsuccessful(outcome: Unsuccessful): void {
    this._settle(outcome.status === 'failed' ? FAILED : CANCELLED, outcome.error);
  }

  private _settle(state: number, result: unknown): void {
    this._state = (this._state & ~STATUS_MASK) | state;
    this._result = result;
    const extra = this._extra;
    if (extra !== undefined && extra.timer !== undefined) clearTimeout(extra.timer);
    // The task is over: its token leaves the tree so long-lived parents hold nothing for it.
    this.token.dispose();
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
