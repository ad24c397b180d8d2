// What the in-memory backends share: handler routing, submit checks, the table of task records,
// running a task as a Warden `Task`, failure reporting, counters, cancel, the shutdown drain, and
// the read side (records and event streams). Subclasses decide only when an accepted task
// starts (inline: at once; in-process: when a slot frees up).

import { CancelReason, type CancelReasonInput } from '../../cancel/cancel-reason.js';
import { InvalidArgumentError } from '../../errors.js';
import { checkOptionKeys } from '../../internal/option-keys.js';
import type { ShutdownHookRegistration } from '../../lifecycle/runtime-options.js';
import { createConsoleLogger, type Logger } from '../../observe/logger.js';
import { settleWithin } from '../../task/internal/settle-within.js';
import { validateTimeout } from '../../task/internal/validate.js';
import type { BackendOptions } from '../backend-options.js';
import {
  BackendNotStartedError,
  BackendShutDownError,
  DuplicateTaskIdError,
  UnknownTaskTypeError,
} from '../errors.js';
import { HandlerRegistry, validateTaskType } from '../handler-registry.js';
import type {
  BackendShutdownOptions,
  BackendShutdownReport,
  BackendState,
  BackendStats,
  HandlerRegistration,
  StragglerInfo,
  SubmitResult,
  TaskBackend,
  TaskExecutor,
  TaskHandler,
  TaskSpec,
} from '../task-backend.js';
import type {
  FollowOptions,
  ListTasksOptions,
  TaskEvent,
  TaskEventSource,
  TaskInfo,
} from '../task-events.js';
import { checkPayload } from '../validate-payload.js';
import type { AttemptHost } from './attempt.js';
import { type BatchFollower, type BatchSource, FOLLOW_BATCHES } from './batch-follow.js';
import { clockNow } from './clock.js';
import { startedEvent, terminalEvent } from './entry-events.js';
import { type AttemptEnd, Executor } from './executor.js';
import { checkFollow, Follower } from './follower.js';
import { emitEvent, type RecordLimits, recordProgress } from './record-event.js';
import { registerDrainHook } from './runtime-drain-hook.js';
import { logShutdownReport } from './shutdown-log.js';
import { CANCELLED, QUEUED, RUNNING, SUCCEEDED, TaskEntry } from './task-entry.js';
import { newTaskId } from './task-id.js';
import { TaskTable, taskInfo } from './task-table.js';
import {
  memoryTaskSpecKeys,
  type ResolvedBackendOptions,
  resolveBackendOptions,
  resolveShutdownOptions,
  validateReason,
  validateTaskId,
} from './validate-task.js';

/** @internal What a subclass of {@link MemoryBackend} is: its default name, class and options. */
export interface BackendKind {
  /** The default of the `name` option. */
  readonly defaultName: string;
  /** The class's name, for errors: `'InProcessBackend'`. */
  readonly className: string;
  /** Every key its options may have. */
  readonly optionKeys: ReadonlySet<string>;
}

/** @internal The shared core of {@link InlineBackend} and {@link InProcessBackend}. */
export abstract class MemoryBackend
  implements TaskBackend, TaskEventSource, BatchSource, AttemptHost<TaskEntry>
{
  /** A name for logs and errors. */
  readonly name: string;

  protected readonly _options: ResolvedBackendOptions;
  /** The class's name, for errors. */
  private readonly _className: string;
  /** Where a task spec's unknown key was given; built once, as `submit` is a hot path. */
  private readonly _submitContext: string;
  protected readonly _logger: Logger;
  /** Runs every task, in a scope cancelled when a shutdown runs out of time. */
  protected readonly _executor: Executor<TaskEntry>;
  protected _state: BackendState = 'created';
  protected _queued = 0;
  protected _running = 0;

  private readonly _registry = new HandlerRegistry();
  /** Every queued or running task, and the latest finished ones, by id. */
  private readonly _tasks: TaskTable;
  /** What `ctx.emit` and `ctx.progress` check against. */
  private readonly _limits: RecordLimits;
  private _succeeded = 0;
  private _failed = 0;
  private _cancelled = 0;
  private _submitted = 0;
  private _idleWaiters: Array<() => void> | undefined = undefined;
  private _shutdown: Promise<BackendShutdownReport> | undefined = undefined;
  private _runtimeHook: ShutdownHookRegistration | undefined = undefined;

  constructor(options: BackendOptions, kind: BackendKind) {
    this._options = resolveBackendOptions(options, kind);
    this._className = kind.className;
    this._submitContext = `${kind.className}.submit`;
    this.name = this._options.name;
    this._logger = this._options.logger ?? createConsoleLogger();
    this._executor = new Executor<TaskEntry>({
      name: this.name,
      token: this._options.token,
      logger: this._logger,
      onError: this._options.onError,
      ended: (entry, end) => this._ended(entry, end),
    });
    this._tasks = new TaskTable(this._options.maxFinishedTasks);
    this._limits = {
      name: this.name,
      logger: this._logger,
      maxEventsPerTask: this._options.maxEventsPerTask,
      maxPayloadBytes: this._options.maxPayloadBytes,
    };
  }

  /** @internal How many handler events a task's history keeps (for followers). */
  get maxEventsPerTask(): number {
    return this._options.maxEventsPerTask;
  }

  /** Where the backend is in its life: `created` → `started` → `stopping` → `stopped`. */
  get state(): BackendState {
    return this._state;
  }

  /**
   * Register the handler for tasks of `type` (1–128 characters, no whitespace). Throws
   * `InvalidArgumentError` if the type already has one. A task keeps the handler it was
   * accepted with, even if the registration is disposed before it runs.
   */
  register<P = unknown>(type: string, handler: TaskHandler<P>): HandlerRegistration {
    return this._registry.register(type, handler);
  }

  /** Set (or clear) the fallback that runs every task whose type has no handler. */
  setExecutor(executor: TaskExecutor | undefined): void {
    this._registry.setExecutor(executor);
  }

  /**
   * Start taking tasks, and add the drain hook to the runtime (see `BackendOptions.runtime`).
   * Idempotent; rejects with `BackendShutDownError` after a shutdown, and with the runtime's
   * `ShutdownStartedError` if the runtime is already past its drain phase.
   */
  start(): Promise<void> {
    if (this._state === 'created') {
      try {
        this._hookIntoRuntime();
      } catch (error) {
        return Promise.reject(error);
      }
      this._state = 'started';
      this._logger.debug({ backend: this.name }, `backend '${this.name}' started`);
    } else if (this._state !== 'started') {
      return Promise.reject(new BackendShutDownError(this.name));
    }
    return Promise.resolve();
  }

  /**
   * Submit a task. Never throws: every refusal is a rejection with a typed error (see
   * {@link TaskBackend}). The payload is checked by `validatePayload` and handed to the
   * handler as is (not copied): do not mutate it after submitting.
   */
  submit<P = unknown>(task: TaskSpec<P>): Promise<SubmitResult> {
    try {
      return this._accept(this._enter(task));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Cancel a task: a queued one is removed (and counted as cancelled) at once; a running one has
   * its token cancelled with `reason` (default: `requested`) and ends when its handler notices.
   * Resolves `true` when this call delivered the cancellation, `false` for an unknown, finished
   * or already-cancelled task.
   */
  cancel(id: string, reason?: CancelReasonInput): Promise<boolean> {
    try {
      return Promise.resolve(this._cancel(id, reason));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The counters, a snapshot: `submitted = queued + running + succeeded + failed + cancelled`. */
  stats(): BackendStats {
    return {
      queued: this._queued,
      running: this._running,
      succeeded: this._succeeded,
      failed: this._failed,
      cancelled: this._cancelled,
      submitted: this._submitted,
    };
  }

  /**
   * The record of task `id`: queued, running, or one of the latest `maxFinishedTasks` finished
   * ones; `undefined` for an id the backend does not hold (never submitted, or forgotten).
   */
  getTask(id: string): Promise<TaskInfo | undefined> {
    if (typeof id !== 'string')
      return Promise.reject(new InvalidArgumentError('id', 'a string', id));
    const entry = this._tasks.get(id);
    return Promise.resolve(entry === undefined ? undefined : taskInfo(entry));
  }

  /**
   * Task records, newest (most recently submitted) first, filtered by `state` and `type`, at most
   * `limit` (default 100), after the task `cursor` (the last id of the previous page; a cursor
   * the backend has forgotten ends the listing).
   */
  listTasks(options?: ListTasksOptions): Promise<TaskInfo[]> {
    try {
      return Promise.resolve(
        this._tasks.list(options, `${this._className}.listTasks`).map(taskInfo),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Follow task `id`'s events: those still in history with `seq > after`, then live ones as
   * they are recorded, ending after the terminal event (or when `signal` aborts, or `return()`
   * is called). The first `next()` rejects with `UnknownTaskError` for an id the backend does not
   * hold. Bad options throw `InvalidArgumentError` at the call. Each iteration of the returned
   * iterable is a new follower.
   */
  events(id: string, options: FollowOptions = {}): AsyncIterable<TaskEvent> {
    const { after, signal } = checkFollow(id, options, `${this._className}.events`);
    return { [Symbol.asyncIterator]: () => new Follower(this, id, after, signal) };
  }

  /** @internal {@link BatchSource}: follow a task in batches (the coordinator's fast path). */
  [FOLLOW_BATCHES](id: string, after: number): BatchFollower {
    return new Follower(this, id, after, undefined);
  }

  /** @internal For followers: the record with `id`. */
  lookup(id: string): TaskEntry | undefined {
    return this._tasks.get(id);
  }

  /** @internal {@link AttemptHost}: `ctx.emit(type, data)`. */
  attemptEmitted(entry: TaskEntry, type: unknown, data: unknown): void {
    emitEvent(this._limits, entry, type, data);
  }

  /** @internal {@link AttemptHost}: `ctx.progress(value)`. */
  attemptProgressed(entry: TaskEntry, value: unknown): void {
    recordProgress(this._limits, entry, value);
  }

  /** Resolves once no task is queued or running (at once if none is). Never rejects. */
  onIdle(): Promise<void> {
    if (this._running === 0 && this._queued === 0) return Promise.resolve();
    return new Promise((resolve) => {
      if (this._idleWaiters === undefined) this._idleWaiters = [resolve];
      else this._idleWaiters.push(resolve);
    });
  }

  /**
   * Stop intake (`submit` rejects with `BackendShutDownError` from now on), let running and
   * queued tasks finish for up to `timeout` ms, then drop the tasks still queued and cancel the
   * running ones with a `shutdown` reason, wait up to `grace` ms for them, and resolve with a
   * {@link BackendShutdownReport} naming every task it cancelled. The result is also logged. Resolves
   * within `timeout + grace` (plus timer jitter); never rejects, except for bad options.
   * Idempotent: later calls return the first call's promise.
   */
  shutdown(options: BackendShutdownOptions = {}): Promise<BackendShutdownReport> {
    if (this._shutdown !== undefined) return this._shutdown;
    let resolved: Required<BackendShutdownOptions>;
    try {
      resolved = resolveShutdownOptions(options, this._options, `${this._className}.shutdown`);
    } catch (error) {
      return Promise.reject(error);
    }
    this._shutdown = this._runShutdown(resolved);
    return this._shutdown;
  }

  /** `await using backend = …`: shuts the backend down with its default options. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /** A started entry's attempt has ended (told by the executor). */
  private _ended(entry: TaskEntry, end: AttemptEnd): void {
    this._running--;
    const state = entry.end(end, clockNow());
    if (state === SUCCEEDED) this._succeeded++;
    else if (state === CANCELLED) this._cancelled++;
    else {
      this._failed++;
      this._executor.report(entry, entry.outcome as Error, { willRetry: false, maxAttempts: 1 });
    }
    this._tasks.retire(entry);
    const log = entry.log;
    if (log?.waiting !== undefined) log.publish(terminalEvent(entry));
    if (entry.onEnd !== undefined) entry.onEnd();
    this._afterEnd();
    if (this._idleWaiters !== undefined && this._running === 0 && this._queued === 0) {
      this._wakeIdle();
    }
  }

  /** Decide when `entry` starts; resolve as `submit` should. */
  protected abstract _accept(entry: TaskEntry): Promise<SubmitResult>;
  /** Throw if one more task cannot be accepted now (a full queue). */
  protected abstract _admit(): void;
  /** Unlink a queued entry from the queue (it is being cancelled). */
  protected abstract _unqueue(entry: TaskEntry): void;
  /** Remove and return every queued entry (a shutdown is dropping them). */
  protected abstract _takeQueued(): TaskEntry[];
  /** A running task has ended: a slot is free. */
  protected abstract _afterEnd(): void;

  /** Run `entry`'s handler, through the executor. */
  protected _start(entry: TaskEntry): void {
    entry.state = RUNNING;
    entry.startedAt = clockNow();
    this._running++;
    const log = entry.log;
    if (log?.waiting !== undefined) log.publish(startedEvent(entry));
    this._executor.run(entry);
  }

  private _hookIntoRuntime(): void {
    this._runtimeHook = registerDrainHook(this, this._options.runtime, this._options.shutdownGrace);
  }

  private _enter(spec: TaskSpec<unknown>): TaskEntry {
    if (this._state !== 'started') {
      throw this._state === 'created'
        ? new BackendNotStartedError(this.name)
        : new BackendShutDownError(this.name);
    }
    if (typeof spec !== 'object' || spec === null) {
      throw new InvalidArgumentError('task', 'a task object { type, payload }', spec);
    }
    checkOptionKeys(spec, memoryTaskSpecKeys, this._submitContext, 'task');
    const type = spec.type;
    if (typeof type !== 'string') throw new InvalidArgumentError('task.type', 'a string', type);
    const handler = this._registry.resolve(type);
    if (handler === undefined) throw new UnknownTaskTypeError(this.name, type);
    if (handler.viaExecutor) validateTaskType('task.type', type);
    const timeout = spec.timeout;
    if (timeout !== undefined) validateTimeout('task.timeout', timeout);
    const payload = spec.payload;
    checkPayload(payload, this._options.maxPayloadBytes);
    let id = spec.id;
    if (id === undefined) {
      id = newTaskId();
    } else {
      validateTaskId(id);
      const held = this._tasks.get(id);
      if (held !== undefined && !held.ended) throw new DuplicateTaskIdError(this.name, id);
    }
    this._admit();
    const entry = new TaskEntry(this, id, type, payload, handler, timeout, clockNow());
    this._tasks.add(entry);
    this._submitted++;
    return entry;
  }

  private _cancel(id: string, reason: CancelReasonInput): boolean {
    if (typeof id !== 'string') throw new InvalidArgumentError('id', 'a string', id);
    validateReason(reason);
    const entry = this._tasks.get(id);
    if (entry === undefined || entry.ended) return false;
    if (entry.state === QUEUED) {
      this._unqueue(entry);
      this._dropped(
        entry,
        typeof reason === 'object' ? reason : CancelReason.requested(reason ?? 'task cancelled'),
      );
      this._logger.debug(
        { backend: this.name, taskId: id, taskType: entry.type },
        'queued task cancelled before it started',
      );
      if (this._idleWaiters !== undefined && this._running === 0 && this._queued === 0) {
        this._wakeIdle();
      }
      return true;
    }
    const task = entry.task;
    if (task === null || task.token.isCancelled) return false;
    task.cancel(reason ?? CancelReason.requested('task cancelled'));
    return true;
  }

  /** A queued entry leaves without running: it counts as cancelled, with `reason`. */
  private _dropped(entry: TaskEntry, reason: CancelReason): void {
    entry.drop(reason, clockNow());
    this._queued--;
    this._cancelled++;
    this._tasks.retire(entry);
    const log = entry.log;
    if (log?.waiting !== undefined) log.publish(terminalEvent(entry));
  }

  private _wakeIdle(): void {
    const waiters = this._idleWaiters;
    this._idleWaiters = undefined;
    if (waiters !== undefined) for (const wake of waiters) wake();
  }

  private async _runShutdown(
    options: Required<BackendShutdownOptions>,
  ): Promise<BackendShutdownReport> {
    const startedAt = performance.now();
    this._state = 'stopping';
    this._runtimeHook?.dispose();
    this._runtimeHook = undefined;
    const endedBefore = this._succeeded + this._failed;
    const cancelled: StragglerInfo[] = [];
    if (options.dropQueued) this._dropQueued(cancelled);
    const drained = await settleWithin(options.timeout, this.onIdle());
    const completed = this._succeeded + this._failed - endedBefore;
    let abandoned: StragglerInfo[] = [];
    if (!drained) {
      this._dropQueued(cancelled);
      const running = this._tasks.running();
      for (const entry of running)
        cancelled.push({ id: entry.id, type: entry.type, started: true });
      this._executor.cancelAll(
        CancelReason.shutdown(
          options.timeout === 0
            ? `backend '${this.name}' is shutting down`
            : `backend '${this.name}' is shutting down and its drain ran out of time (${options.timeout} ms)`,
        ),
      );
      await settleWithin(options.grace, this.onIdle());
      abandoned = running
        .filter((entry) => !entry.ended)
        .map((entry) => ({ id: entry.id, type: entry.type, started: true }));
    }
    this._state = 'stopped';
    const result: BackendShutdownReport = {
      completed,
      cancelled,
      abandoned,
      timedOut: !drained,
      durationMs: performance.now() - startedAt,
    };
    logShutdownReport(this._logger, this.name, result);
    return result;
  }

  private _dropQueued(into: StragglerInfo[]): void {
    const reason = CancelReason.shutdown(
      `backend '${this.name}' shut down before the task started`,
    );
    for (const entry of this._takeQueued()) {
      this._dropped(entry, reason);
      into.push({ id: entry.id, type: entry.type, started: false });
    }
    if (this._idleWaiters !== undefined && this._running === 0 && this._queued === 0) {
      this._wakeIdle();
    }
  }
}
