/**
 * A task group: the owner that spawns tasks, cancels them and waits for them.
 *
 * @module
 */

import { CancelReason, type CancelReasonInput } from '../cancel/cancel-reason.js';
import { CancelToken } from '../cancel/cancel-token.js';
import { InvalidArgumentError, ScopeClosedError } from '../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { createConsoleLogger, type Logger } from '../observe/logger.js';
import { TaskSet } from './internal/task-set.js';
import { validateTimeout } from './internal/validate.js';
import { Task, type TaskOwner } from './task.js';

/**
 * What a scope does when a task fails:
 * - `'cancel-siblings'` (Python's `TaskGroup`, Trio's nursery): the first failure cancels every
 *   other task with a `parent-failure` reason, and `close()` rejects with the failure (several
 *   failures together as an `AggregateError`);
 * - `'isolate'` (Kotlin's `SupervisorJob`): a failure is reported through `onError` and the
 *   other tasks go on; `close()` resolves.
 */
export type FailurePolicy = 'cancel-siblings' | 'isolate';

/** Options for {@link Scope}. */
export interface ScopeOptions {
  /**
   * A name for logs and errors.
   * @default 'scope'
   */
  name?: string;
  /**
   * What a task failure does to the rest.
   * @default 'cancel-siblings'
   */
  policy?: FailurePolicy;
  /**
   * The token this scope's token is a child of: cancelling it cancels every task in the scope.
   * @default a new root token
   */
  token?: CancelToken;
  /**
   * Told of every failure that does not fail the scope: every failure under `'isolate'`, and
   * those of detached tasks. It must not throw.
   * @default log the failure at `error` level
   */
  onError?: (error: Error, task: Task<unknown>) => void;
  /**
   * Told, synchronously, as each task ends, once its status is final (before the scope's failure
   * policy acts on it): for runners built on a scope that record each outcome, and for metrics.
   * It must not throw (a throw is logged).
   * @default none
   */
  onTaskEnd?: (task: Task<unknown>) => void;
  /**
   * Where the scope logs.
   * @default createConsoleLogger()
   */
  logger?: Logger;
  /**
   * Record a stack trace at every spawn, shown as {@link Task.spawnSite} in reports. Costs about
   * a microsecond per spawn.
   * @default process.env.WARDEN_SPAWN_SITES === '1'
   */
  recordSpawnSites?: boolean;
}

/** Options for {@link Scope.spawn}. */
export interface SpawnOptions {
  /**
   * A name for logs, reports and errors.
   * @default `task-<id>`
   */
  name?: string;
  /**
   * Milliseconds after which the task's token is cancelled with a `timeout` reason; the task
   * then fails with a {@link TimeoutError}. Must be a finite number ≥ 0.
   * @default no timeout
   */
  timeout?: number;
}

/** The function a task runs: it receives the task's token and may return a value or a promise. */
export type TaskFn<T> = (token: CancelToken) => T | PromiseLike<T>;

const defaults = {
  name: 'scope',
  policy: 'cancel-siblings',
} as const satisfies Partial<ScopeOptions>;

const scopeOptionKeys = optionKeys(defaults, [
  'token',
  'onError',
  'onTaskEnd',
  'logger',
  'recordSpawnSites',
]) satisfies OptionKeys<keyof ScopeOptions>;

const spawnOptionKeys = optionKeys(['name', 'timeout']) satisfies OptionKeys<keyof SpawnOptions>;

/**
 * A task group (Trio's nursery, Python's `asyncio.TaskGroup`): every task spawned here is a
 * child of the scope's token and the scope waits for all of them.
 *
 * **Invariants.** `close()` settles only after every task spawned here has ended. A task never
 * outlives its scope's `close()`. A task failure is never lost: under `'cancel-siblings'` it
 * rejects `close()`, under `'isolate'` (or for a detached task) it goes to `onError`.
 *
 * **Cancellation.** `scope.cancel(reason)` cancels the scope's token and so every task; tasks
 * that end by reacting to it are `cancelled`, which is not a failure. Leaving an
 * `await using` block cancels what is still running and waits for it.
 *
 * **Compared with `Promise.allSettled`.** `allSettled` waits but cannot stop the others when
 * one fails; `Promise.all` stops waiting at the first failure but leaves the rest running
 * unobserved. A scope does neither: it cancels and it waits.
 *
 * **Not guaranteed.** A task that ignores its token keeps `close()` waiting; bound it with
 * a `timeout` at spawn, or with the runtime's shutdown deadline.
 *
 * @example
 * ```ts
 * await using scope = new Scope({ name: 'fetchers' });
 * const a = scope.spawn((token) => fetch(urlA, { signal: token.signal }));
 * const b = scope.spawn((token) => fetch(urlB, { signal: token.signal }), { timeout: 5_000 });
 * await scope.close(); // both done, or the first failure after cancelling the other
 * ```
 */
export class Scope implements TaskOwner, AsyncDisposable {
  /** The scope's name. */
  readonly name: string;
  /** The failure policy. */
  readonly policy: FailurePolicy;
  /** The scope's token; every task's token is a child of it. */
  readonly token: CancelToken;

  private readonly _onError: (error: Error, task: Task<unknown>) => void;
  private readonly _onTaskEnd: ((task: Task<unknown>) => void) | undefined;
  private readonly _logger: Logger | undefined;
  private readonly _recordSpawnSites: boolean;
  private readonly _tasks = new TaskSet();
  private _closing = false;
  private _finished = false;
  private readonly _failures: Error[] = [];
  private _idle: (() => void) | undefined = undefined;
  private _closed: Promise<void> | undefined = undefined;

  constructor(options: ScopeOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('options', 'an object', options);
    }
    checkOptionKeys(options, scopeOptionKeys, 'Scope');
    const { token, policy = defaults.policy, onError, onTaskEnd } = options;
    if (token !== undefined && !(token instanceof CancelToken)) {
      throw new InvalidArgumentError('options.token', 'a CancelToken', token);
    }
    if (policy !== 'cancel-siblings' && policy !== 'isolate') {
      throw new InvalidArgumentError('options.policy', "'cancel-siblings' or 'isolate'", policy);
    }
    if (onError !== undefined && typeof onError !== 'function') {
      throw new InvalidArgumentError('options.onError', 'a function', onError);
    }
    if (onTaskEnd !== undefined && typeof onTaskEnd !== 'function') {
      throw new InvalidArgumentError('options.onTaskEnd', 'a function', onTaskEnd);
    }
    this._onTaskEnd = onTaskEnd;
    this.name = options.name ?? defaults.name;
    this.policy = policy;
    this.token = token === undefined ? new CancelToken() : token.child();
    this._logger = options.logger;
    this._onError = onError ?? ((error, task) => this._defaultOnError(error, task));
    this._recordSpawnSites = options.recordSpawnSites ?? process.env.WARDEN_SPAWN_SITES === '1';
  }

  /** How many tasks are running now. */
  get size(): number {
    return this._tasks.size;
  }

  /** True once `close()` has been called. */
  get closing(): boolean {
    return this._closing;
  }

  /** The tasks running now, oldest last. A snapshot; for reports. */
  running(): Task<unknown>[] {
    return this._tasks.snapshot();
  }

  /**
   * Start `fn(token)` as a task of this scope. `fn` may be async or not; a synchronous throw is a
   * failure like any other. Throws {@link ScopeClosedError} once the scope has finished, and
   * {@link InvalidArgumentError} for a bad `fn` or option, at the call.
   *
   * @param options - a {@link SpawnOptions} object, or just the task's name.
   */
  spawn<T>(fn: TaskFn<T>, options?: SpawnOptions | string): Task<T> {
    if (typeof fn !== 'function') throw new InvalidArgumentError('fn', 'a function', fn);
    if (this._finished) throw new ScopeClosedError(this.name);
    let name: string | undefined;
    let timeout: number | undefined;
    if (typeof options === 'string') {
      name = options;
    } else if (options !== undefined) {
      checkOptionKeys(options, spawnOptionKeys, 'Scope.spawn');
      name = options.name;
      timeout = options.timeout;
      if (timeout !== undefined) validateTimeout('options.timeout', timeout);
    }
    const site = this._recordSpawnSites ? new Error('spawned here') : undefined;
    const task = new Task<T>(this, this.token.child(), name, site);
    this._tasks.add(task as Task<unknown>);
    task._run(fn, timeout);
    return task;
  }

  /** Cancel every task in the scope (and any spawned later, which start cancelled). */
  cancel(reason?: CancelReasonInput): void {
    this.token.cancel(reason ?? CancelReason.requested(`scope '${this.name}' cancelled`));
  }

  /**
   * Wait for every task to end, including tasks spawned while waiting; after that the scope is
   * finished and `spawn` throws. Under `'cancel-siblings'`, rejects with the failure (or an
   * `AggregateError` of all of them) once everything has ended. Idempotent.
   */
  close(): Promise<void> {
    if (this._closed === undefined) {
      this._closing = true;
      this._closed = this._whenIdle().then(() => this._finish());
    }
    return this._closed;
  }

  private _whenIdle(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this._tasks.size === 0) resolve();
      else this._idle = resolve;
    });
  }

  /** Cancel whatever is still running, then {@link Scope.close}. Used by `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    if (this._tasks.size > 0) this.cancel(CancelReason.requested(`scope '${this.name}' exited`));
    return this.close();
  }

  /** @internal */
  taskEnded(task: Task<unknown>): void {
    this._tasks.remove(task);
    const onTaskEnd = this._onTaskEnd;
    if (onTaskEnd !== undefined) {
      try {
        onTaskEnd(task);
      } catch (hookError) {
        this._log().error({ err: hookError, scope: this.name }, 'scope onTaskEnd hook threw');
      }
    }
    if (task.status === 'failed') this._failed(task);
    if (this._tasks.size === 0 && this._idle !== undefined) {
      const idle = this._idle;
      this._idle = undefined;
      idle();
    }
  }

  private _failed(task: Task<unknown>): void {
    const error = task.error as Error;
    if (this.policy === 'isolate' || task.detached) {
      try {
        this._onError(error, task);
      } catch (hookError) {
        this._log().error({ err: hookError, scope: this.name }, 'scope onError hook threw');
      }
      return;
    }
    this._failures.push(error);
    if (this._failures.length === 1) {
      this.token.cancel(CancelReason.parentFailure(error, `task '${task.name}' failed`));
    }
  }

  private _finish(): void | Promise<void> {
    // A task spawned between going idle and this callback (spawning while closing is allowed)
    // must be waited for too.
    if (this._tasks.size > 0) return this._whenIdle().then(() => this._finish());
    this._finished = true;
    this.token.dispose();
    const failures = this._failures;
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      throw new AggregateError(failures, `${failures.length} tasks failed in scope '${this.name}'`);
    }
  }

  private _defaultOnError(error: Error, task: Task<unknown>): void {
    this._log().error(
      { err: error, scope: this.name, task: task.name, taskId: task.id },
      `task '${task.name}' failed`,
    );
  }

  private _log(): Logger {
    return this._logger ?? createConsoleLogger();
  }
}
