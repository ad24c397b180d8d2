/**
 * The task coordinator: define kinds of tasks, start them, follow their event streams, cancel
 * them, and shut it all down cleanly, over any backend.
 *
 * @module
 */

import { InProcessBackend } from '../backend/in-process-backend.js';
import type { HandlerRegistration, TaskSpec } from '../backend/task-backend.js';
import type { TaskEvent, TaskState } from '../backend/task-events.js';
import { CancelReason, type CancelReasonInput } from '../cancel/cancel-reason.js';
import type { CancelToken } from '../cancel/cancel-token.js';
import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys } from '../internal/option-keys.js';
import { getDefaultRuntime } from '../lifecycle/default-runtime.js';
import type { ShutdownHookRegistration } from '../lifecycle/runtime-options.js';
import { createConsoleLogger, type Logger } from '../observe/logger.js';
import { validateFunction, validateTimeout } from '../task/internal/validate.js';
import { Scope } from '../task/scope.js';
import {
  type CoordinatorBackend,
  type CoordinatorShutdownOptions,
  type CoordinatorShutdownReport,
  type CoordinatorStats,
  type CoordinatorTaskInfo,
  coordinatorShutdownOptionKeys,
  type DefineOptions,
  defineOptionKeys,
  type ListOptions,
  type StartOptions,
  type SubscribeOptions,
  startOptionKeys,
  type TaskCoordinatorOptions,
  type TaskRunObserver,
} from './coordinator-options.js';
import { CoordinatorShutDownError } from './errors.js';
import {
  backendListOptions,
  checkSubscribe,
  coordinatorInfo,
  countsOf,
  logCoordinatorShutdown,
  resolveCoordinatorOptions,
  shutdownEvent,
  validateOptionsObject,
} from './internal/coordinator-support.js';
import { type DefinitionHost, definitionHandler } from './internal/definition-handler.js';
import { shutDownOwnedBackend } from './internal/owned-backend-shutdown.js';
import { RunObservers } from './internal/run-observers.js';
import { type LocalRun, ShutdownDrain } from './internal/shutdown-drain.js';
import { refused, Subscriber, type SubscriberHost } from './internal/subscriber.js';
import type { TaskDefinition } from './task-context.js';

/** A defined kind. */
interface Kind {
  readonly timeout: number | undefined;
  readonly registration: HandlerRegistration;
}

/**
 * Runs tasks defined as `(ctx) => result` over a {@link TaskBackend}, and gives every task an
 * ordered event stream that any number of clients can follow, resume and leave.
 *
 * **Kinds.** `define(kind, fn)` registers `fn` on the backend as the handler of type `kind`
 * (the kind *is* the backend type; a type registered on the backend by other code cannot be
 * defined again). `start(kind, input)` submits `{ type: kind, payload: input, id, timeout }`.
 * With a Postgres backend, every worker process defines the kinds it runs; any process can
 * start, follow and cancel tasks.
 *
 * **Events.** Each task's stream is `started`, the task's own events (`ctx.emit`,
 * `ctx.progress`), then exactly one terminal event: `completed` `{ result }`, `failed`
 * `{ error, timeout, attempt }` or `cancelled` `{ reason }`, each with a gapless `seq` and a
 * `time`. `subscribe(id, { lastEventId })` replays what the backend's bounded history still
 * holds after `lastEventId`, goes live, and ends after the terminal event. Each has a bounded queue: one that leaves `maxQueuedEvents` of the live events unread is cut off with a
 * final `overflow` event (and can resubscribe from its last `seq`); stored history (a finished
 * task's, or a running one's on a durable backend) is read only as fast as the subscriber takes
 * it. A subscriber that leaves (`break`, `return()`, its signal) is dropped at once.
 *
 * **Cancellation and shutdown.** `cancel(id, reason)` cancels the task's token; the task's
 * `finally` blocks run before `cancelled` is sent. `shutdown({ timeout })` stops every task
 * running in this process (cancelled with reason `shutdown`; a durable backend the coordinator
 * owns hands them back to its queue instead), waits up to `timeout` for their cleanup and for
 * their subscribers' terminal events, sends a `shutdown` event to every subscriber whose task
 * could not finish, logs what did not, and drops every reference. It is registered with the
 * {@link Runtime}, so SIGTERM does it.
 *
 * **Compared with an `EventEmitter` per task:** replay and resume by seq, one terminal event
 * guaranteed, backpressure that cannot exhaust memory, cancellation with a reason, and one API
 * wherever the task runs.
 *
 * **Not guaranteed.** Cancellation is cooperative: a task that ignores its token runs on (it is
 * reported by the shutdown). History is bounded by the backend: a subscriber resuming from a
 * `seq` older than what is kept starts at the oldest kept event. Cancelling a task that is
 * about to finish may still end in `completed` (`cancel` returned true, the task did not look).
 *
 * @example
 * ```ts
 * const coordinator = new TaskCoordinator();
 * coordinator.define<{ n: number }>('count', async (ctx) => {
 *   for (let i = 1; i <= ctx.input.n; i++) {
 *     await sleep(100, ctx.token);
 *     ctx.progress(i / ctx.input.n);
 *   }
 *   return { counted: ctx.input.n };
 * });
 * const id = await coordinator.start('count', { n: 3 });
 * for await (const event of coordinator.subscribe(id)) console.log(event.seq, event.type, event.data);
 * await coordinator.shutdown();
 * ```
 */
export class TaskCoordinator implements SubscriberHost, DefinitionHost, AsyncDisposable {
  /** A name for logs. */
  readonly name: string;
  /** Where the tasks run and their events are recorded. */
  readonly backend: CoordinatorBackend;

  private readonly _logger: Logger;
  private readonly _maxQueuedEvents: number;
  private readonly _shutdownTimeout: number;
  private readonly _shutdownBackend: boolean;
  private readonly _kinds = new Map<string, Kind>();
  private readonly _local = new Map<string, LocalRun>();
  private readonly _subscribers = new Set<Subscriber>();
  /** Live subscribers per task id. */
  private readonly _followed = new Map<string, number>();
  /**
   * Followed tasks whose run ended here: their terminal event is recorded (or being written by
   * a durable backend) even if the record does not say so yet. Bounded by the live subscribers.
   */
  private readonly _endedHere = new Set<string>();
  private readonly _observers: RunObservers;
  /** Every subscriber's pump runs as a task of this scope. */
  private readonly _scope: Scope;
  private _state: 'running' | 'stopping' | 'stopped' = 'running';
  private _shutdownReason: CancelReason | undefined = undefined;
  private _shutdown: Promise<CoordinatorShutdownReport> | undefined = undefined;
  private _drain: ShutdownDrain | undefined = undefined;
  private _runtimeHook: ShutdownHookRegistration | undefined = undefined;

  constructor(options: TaskCoordinatorOptions = {}) {
    const resolved = resolveCoordinatorOptions(options);
    this.name = resolved.name;
    this._logger = resolved.logger ?? createConsoleLogger();
    this._maxQueuedEvents = resolved.maxQueuedEvents;
    this._shutdownTimeout = resolved.shutdownTimeout;
    const given = options.backend;
    this.backend =
      given ??
      new InProcessBackend({ name: `${this.name}-backend`, logger: this._logger, runtime: false });
    this._shutdownBackend = resolved.shutdownBackend ?? given === undefined;
    this._observers = new RunObservers(this._logger);
    this._scope = new Scope({
      name: `coordinator '${this.name}'`,
      policy: 'isolate',
      logger: this._logger,
    });
    const runtime = resolved.runtime ?? getDefaultRuntime();
    if (runtime !== false) {
      this._runtimeHook = runtime.onShutdown(
        `coordinator '${this.name}'`,
        ({ deadline }) => {
          // Leave a tenth of the phase as slack, so the hook is never reported as hung.
          const remaining = Math.max(0, deadline - Date.now());
          return this.shutdown({ timeout: Math.floor(remaining * 0.9) });
        },
        { phase: 'drain' },
      );
    }
  }

  /** `running` until `shutdown()` begins, then `stopping`, then `stopped`. */
  get state(): 'running' | 'stopping' | 'stopped' {
    return this._state;
  }

  /** The backend, for {@link Subscriber}s. @internal */
  get source(): CoordinatorBackend {
    return this.backend;
  }

  /**
   * Define the task of `kind`: `fn(ctx)` runs each task started with that kind (in this process,
   * or in any process that defines it, on a shared backend). `timeout` is the kind's default
   * time limit. Throws `InvalidArgumentError` for a malformed or already-defined kind, and
   * `CoordinatorShutDownError` once shutdown has begun. Returns a registration that removes the
   * definition (tasks already accepted keep it).
   *
   * @example
   * ```ts
   * coordinator.define('thumbnail', async (ctx) => makeThumbnail(ctx.input, ctx.token), { timeout: 30_000 });
   * ```
   */
  define<I = unknown, R = unknown>(
    kind: string,
    fn: TaskDefinition<I, R>,
    options: DefineOptions = {},
  ): HandlerRegistration {
    validateFunction('fn', fn);
    validateOptionsObject('options', options, defineOptionKeys, 'TaskCoordinator.define');
    const { timeout } = options;
    if (timeout !== undefined) validateTimeout('options.timeout', timeout);
    if (this._state !== 'running') throw new CoordinatorShutDownError(this.name);
    const registration = this.backend.register(
      kind,
      definitionHandler(this, kind, fn as TaskDefinition),
    );
    const entry: Kind = { timeout, registration };
    this._kinds.set(kind, entry);
    const remove = (): void => {
      registration.dispose();
      if (this._kinds.get(kind) === entry) this._kinds.delete(kind);
    };
    return { dispose: remove, [Symbol.dispose]: remove };
  }

  /**
   * Start a task of `kind` with `input` (plain JSON; `null` when omitted) and resolve with its
   * id once the backend has accepted it (the inline backend: once it has run). Rejects with the
   * backend's typed errors (`UnknownTaskTypeError`, `InvalidPayloadError`,
   * `DuplicateTaskIdError`, …) and with `CoordinatorShutDownError` once shutdown has begun.
   *
   * @example
   * ```ts
   * const id = await coordinator.start('thumbnail', { path: 'a.png' }, { timeout: 5_000 });
   * ```
   */
  async start<I = unknown>(kind: string, input?: I, options: StartOptions = {}): Promise<string> {
    if (this._state !== 'running') throw new CoordinatorShutDownError(this.name);
    if (typeof kind !== 'string') throw new InvalidArgumentError('kind', 'a string', kind);
    validateOptionsObject('options', options, startOptionKeys, 'TaskCoordinator.start');
    const { id } = options;
    const timeout = options.timeout ?? this._kinds.get(kind)?.timeout;
    const spec: { -readonly [K in keyof TaskSpec]: TaskSpec[K] } = {
      type: kind,
      payload: input === undefined ? null : input,
    };
    if (id !== undefined) spec.id = id;
    if (timeout !== undefined) spec.timeout = timeout;
    if (this.backend.state === 'created') await this.backend.start();
    const submitted = await this.backend.submit(spec);
    return submitted.id;
  }

  /** The task's record, or `undefined` for an id the backend does not hold (or forgot). */
  async get(id: string): Promise<CoordinatorTaskInfo | undefined> {
    const info = await this.backend.getTask(id);
    return info === undefined ? undefined : coordinatorInfo(info);
  }

  /** Task records, newest first, filtered by `status` and `kind`, paged by `limit` and `cursor`. */
  async list(options: ListOptions = {}): Promise<CoordinatorTaskInfo[]> {
    const infos = await this.backend.listTasks(backendListOptions(options));
    return infos.map(coordinatorInfo);
  }

  /**
   * Follow task `id`: replay the events after `lastEventId` that history still holds, then live
   * ones, ending after the terminal event; or a final `overflow` event when this subscriber
   * leaves `maxQueuedEvents` unread (resubscribe with its `lastEventId`); or a final `shutdown`
   * event when the coordinator shuts down before the task ends. The subscription starts on the
   * first `next()`; `break`, `return()` or `signal` end it at once. The first `next()` rejects
   * with `UnknownTaskError` for an unknown id and with `CoordinatorShutDownError` once shutdown
   * has begun; bad options throw `InvalidArgumentError` at the call.
   *
   * @example
   * ```ts
   * for await (const event of coordinator.subscribe(id, { lastEventId: 3 })) {
   *   res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
   * }
   * ```
   */
  subscribe(id: string, options: SubscribeOptions = {}): AsyncIterableIterator<TaskEvent> {
    const { lastEventId, signal, maxQueuedEvents } = checkSubscribe(
      id,
      options,
      this._maxQueuedEvents,
    );
    if (this._state !== 'running') return refused(new CoordinatorShutDownError(this.name));
    return new Subscriber(this, id, lastEventId, maxQueuedEvents, signal);
  }

  /**
   * Cancel task `id` with `reason` (a `CancelReason`, or a message for a `requested` one).
   * Resolves `true` when a live task was told to cancel (a queued one is removed; a running
   * one has its token cancelled, and its `cancelled` event follows its cleanup), `false` for an
   * unknown, finished or already-cancelled task.
   *
   * @example
   * ```ts
   * await coordinator.cancel(id, 'the user closed the tab'); // true
   * ```
   */
  cancel(id: string, reason?: CancelReasonInput): Promise<boolean> {
    return this.backend.cancel(id, reason ?? CancelReason.requested('cancelled by request'));
  }

  /**
   * How many tasks the backend holds in each state: the whole table of a durable backend (a
   * query), or what an in-memory backend has accepted since it started.
   *
   * @example
   * ```ts
   * const { queued, running } = await coordinator.counts();
   * ```
   */
  async counts(): Promise<Record<TaskState, number>> {
    return countsOf(this.backend);
  }

  /**
   * Be told when a task starts and ends in this process (for metrics, tracing, audit logs).
   * Returns a registration that stops it.
   *
   * @example
   * ```ts
   * coordinator.observe({ ended: (run) => histogram.observe({ kind: run.kind, outcome: run.outcome }, run.durationMs / 1000) });
   * ```
   */
  observe(observer: TaskRunObserver): Disposable & { dispose(): void } {
    return this._observers.add(observer);
  }

  /** What the coordinator holds now: handlers running here, live subscribers. */
  stats(): CoordinatorStats {
    return { running: this._local.size, subscribers: this._subscribers.size };
  }

  /**
   * Shut down: refuse new tasks and subscribers; stop every task running in this process (cancel
   * it with reason `shutdown`, or, when the coordinator owns its backend, shut the backend down
   * and let it stop them: the in-memory ones cancel them and drop their queued tasks, a durable
   * one hands them back to its queue); wait up to `timeout` for their cleanup and for the
   * subscribers of ended tasks to get the terminal events; send `shutdown` to every other
   * subscriber; log and return what did not finish; drop every reference. Never rejects (except
   * for bad options). Idempotent.
   *
   * @example
   * ```ts
   * const report = await coordinator.shutdown({ timeout: 5_000 });
   * report.unfinished; // [] when every task honoured its token
   * ```
   */
  shutdown(options: CoordinatorShutdownOptions = {}): Promise<CoordinatorShutdownReport> {
    if (this._shutdown !== undefined) return this._shutdown;
    if (typeof options !== 'object' || options === null) {
      return Promise.reject(new InvalidArgumentError('options', 'an object', options));
    }
    const { timeout = this._shutdownTimeout } = options;
    try {
      checkOptionKeys(options, coordinatorShutdownOptionKeys, 'TaskCoordinator.shutdown');
      validateTimeout('options.timeout', timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    this._shutdown = this._runShutdown(timeout);
    return this._shutdown;
  }

  /** `await using coordinator = …`: shuts down with the default timeout. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /** @internal {@link SubscriberHost}. */
  subscriberStarted(subscriber: Subscriber): void {
    this._subscribers.add(subscriber);
    const id = subscriber.taskId;
    this._followed.set(id, (this._followed.get(id) ?? 0) + 1);
  }

  /** @internal {@link SubscriberHost}. */
  subscriberEnded(subscriber: Subscriber): void {
    if (!this._subscribers.delete(subscriber)) return;
    const id = subscriber.taskId;
    const count = (this._followed.get(id) ?? 1) - 1;
    if (count > 0) this._followed.set(id, count);
    else {
      this._followed.delete(id);
      this._endedHere.delete(id);
    }
    this._drain?.subscriberEnded(subscriber);
  }

  /** @internal {@link DefinitionHost}. */
  get shutdownReason(): CancelReason | undefined {
    return this._shutdownReason;
  }

  /** @internal {@link DefinitionHost}. */
  get observers(): RunObservers {
    return this._observers;
  }

  /** @internal {@link DefinitionHost}. */
  runStarted(run: LocalRun): void {
    this._local.set(run.id, run);
  }

  /** @internal {@link DefinitionHost}. */
  runEnded(run: LocalRun): void {
    if (this._local.get(run.id) === run) this._local.delete(run.id);
    if (this._followed.has(run.id)) this._endedHere.add(run.id);
    this._drain?.runEnded(run);
  }

  /** @internal {@link SubscriberHost}. */
  runPump(pump: (token: CancelToken) => Promise<void>): void {
    this._scope.spawn(pump, 'subscriber');
  }

  /** @internal {@link SubscriberHost}. */
  shutdownEvent(taskId: string, lastSeq: number): TaskEvent {
    const reason =
      this._shutdownReason ??
      CancelReason.shutdown(`the backend of coordinator '${this.name}' shut down`);
    return shutdownEvent(taskId, lastSeq, reason);
  }

  private async _runShutdown(timeout: number): Promise<CoordinatorShutdownReport> {
    const startedAt = performance.now();
    this._state = 'stopping';
    this._runtimeHook?.dispose();
    this._runtimeHook = undefined;
    const reason = CancelReason.shutdown(`coordinator '${this.name}' is shutting down`);
    this._shutdownReason = reason;
    const cutOff = (subscriber: Subscriber): void => {
      subscriber.cutOff((lastSeq) => shutdownEvent(subscriber.taskId, lastSeq, reason));
    };
    // No new tasks are routed here (a shared backend gives them to other workers).
    for (const kind of this._kinds.values()) kind.registration.dispose();
    const runs = [...this._local.values()];
    // Tasks whose terminal event will come: running here now, or ended here while followed.
    const localIds = new Set([...this._local.keys(), ...this._endedHere]);
    const drain = new ShutdownDrain(runs, this._subscribers, startedAt + timeout);
    this._drain = drain;
    // A backend we own is shut down at once and stops what runs here itself: a durable one then
    // hands those tasks back to its queue, for another worker, rather than cancelling them.
    // Otherwise we cancel them, and the backend records them as cancelled.
    if (!this._shutdownBackend) for (const run of runs) run.token.cancel(reason);
    const backendStages = this._shutdownBackend
      ? shutDownOwnedBackend(this.backend, timeout, this._logger, this.name)
      : undefined;
    const backendDone = backendStages?.drained;
    // 1. The stopped tasks clean up.
    let finished = await drain.until(() => drain.runs.size === 0);
    // 2. Subscribers get the terminal events of the tasks that end. A task that ran here and
    // has ended records its terminal event (its backend may still be writing it). Any other
    // task that has not ended by now (queued, or running elsewhere, on a backend we do not own;
    // or handed back to a durable backend's queue by its shutdown, for another worker) sends
    // none during this shutdown: cut its subscribers off.
    if (finished && drain.subscribers.size > 0) {
      if (backendDone !== undefined) await drain.within(backendDone);
      const uncertain = [...drain.subscribers].filter(
        (subscriber) => backendDone !== undefined || !localIds.has(subscriber.taskId),
      );
      await Promise.all(
        uncertain.map(async (subscriber) => {
          const info = await this.backend.getTask(subscriber.taskId).catch(() => undefined);
          if (info === undefined || !ENDED_STATES.has(info.state)) drain.cut(subscriber, cutOff);
        }),
      );
    }
    finished = await drain.until(() => drain.subscribers.size === 0);
    this._drain = undefined;
    for (const subscriber of [...drain.subscribers]) drain.cut(subscriber, cutOff);
    // Cancel, then a bounded close: every pump still running (subscribers the drain did not
    // track, such as those that never iterated) ends now.
    this._scope.cancel(reason);
    await drain.within(this._scope.close());
    const now = Date.now();
    const unfinished = [...drain.runs].map((run) => ({
      id: run.id,
      kind: run.kind,
      runningMs: now - run.startedAt,
    }));
    // Only now, every subscriber served, may the backend close what its followers read.
    if (backendStages !== undefined) {
      await backendStages.drained;
      await backendStages.close();
    }
    this._state = 'stopped';
    this._local.clear();
    this._subscribers.clear();
    this._followed.clear();
    this._endedHere.clear();
    this._kinds.clear();
    const report: CoordinatorShutdownReport = {
      cancelled: runs.length,
      unfinished,
      subscribersCompleted: drain.completed,
      subscribersCutOff: drain.cutOff,
      timedOut: !finished || unfinished.length > 0,
      durationMs: performance.now() - startedAt,
    };
    logCoordinatorShutdown(this._logger, this.name, report);
    return report;
  }
}

const ENDED_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);
