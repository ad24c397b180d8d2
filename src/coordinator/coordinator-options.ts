/**
 * Options and plain-data shapes of the {@link TaskCoordinator}, with its defaults in one place.
 *
 * @module
 */

import type { TaskBackend } from '../backend/task-backend.js';
import type { TaskEventSource, TaskInfo, TaskState } from '../backend/task-events.js';
import { type OptionKeys, optionKeys } from '../internal/option-keys.js';
import type { Runtime } from '../lifecycle/runtime.js';
import type { Logger } from '../observe/logger.js';

/** A backend the coordinator can run over: it runs tasks and records their events. */
export type CoordinatorBackend = TaskBackend & TaskEventSource;

/** Options for {@link TaskCoordinator}. */
export interface TaskCoordinatorOptions {
  /**
   * Where tasks run and their events are recorded. Give a `PostgresBackend` to spread tasks
   * and clients over processes and machines.
   * @default a new `InProcessBackend` (concurrency 100) that the coordinator owns
   */
  backend?: CoordinatorBackend;
  /**
   * A name for logs and the runtime's shutdown report.
   * @default 'coordinator'
   */
  name?: string;
  /**
   * Where the coordinator logs (and the backend it makes, when it makes one).
   * @default createConsoleLogger()
   */
  logger?: Logger;
  /**
   * The process {@link Runtime} whose shutdown shuts the coordinator down (a `drain`-phase
   * hook, added at construction, that calls `shutdown()` within the phase's budget), so SIGTERM
   * cancels every task with reason `shutdown` and tells every subscriber. `false`: no hook.
   * @default getDefaultRuntime()
   */
  runtime?: Runtime | false;
  /**
   * How many events a subscriber may leave unread before it is cut off with an `overflow`
   * event. An integer ≥ 1.
   * @default 1_000
   */
  maxQueuedEvents?: number;
  /**
   * How long `shutdown()` waits for cancelled tasks to clean up and for subscribers to get
   * their terminal events, in milliseconds, when the call does not say.
   * @default 10_000
   */
  shutdownTimeout?: number;
  /**
   * Whether `shutdown()` also shuts the backend down, at once, and lets it stop the tasks
   * running here: the in-memory backends cancel them and drop their queued tasks (reason
   * `shutdown`); a durable backend hands them back to its queue for another worker. When false,
   * the coordinator cancels the tasks running here itself and leaves the backend running.
   * @default true when the coordinator made the backend, false when it was given one
   */
  shutdownBackend?: boolean;
}

/** The defaults of {@link TaskCoordinatorOptions}. */
export const coordinatorDefaults = {
  name: 'coordinator',
  maxQueuedEvents: 1_000,
  shutdownTimeout: 10_000,
} as const satisfies TaskCoordinatorOptions;

/** @internal The keys of {@link TaskCoordinatorOptions}. */
export const coordinatorOptionKeys = optionKeys(coordinatorDefaults, [
  'backend',
  'logger',
  'runtime',
  'shutdownBackend',
]) satisfies OptionKeys<keyof TaskCoordinatorOptions>;

/** Options for {@link TaskCoordinator.define}. */
export interface DefineOptions {
  /**
   * The default time limit of tasks of this kind, in milliseconds; a `start` may set its own.
   * @default no limit
   */
  timeout?: number;
}

/** @internal The keys of {@link DefineOptions}. */
export const defineOptionKeys = optionKeys(['timeout']) satisfies OptionKeys<keyof DefineOptions>;

/** Options for {@link TaskCoordinator.start}. */
export interface StartOptions {
  /**
   * The task's id (1–128 characters from `A–Z a–z 0–9 . _ ~ : -`, starting with a letter or
   * digit), e.g. to make a start idempotent per business key.
   * @default crypto.randomUUID()
   */
  id?: string;
  /**
   * Milliseconds the task may run; then its token is cancelled with a `timeout` reason and it
   * fails with a `TimeoutError` (a `failed` event with `timeout: true`).
   * @default the kind's `timeout` (see {@link DefineOptions}), else no limit
   */
  timeout?: number;
}

/** @internal The keys of {@link StartOptions}. */
export const startOptionKeys = optionKeys(['id', 'timeout']) satisfies OptionKeys<
  keyof StartOptions
>;

/** Options for {@link TaskCoordinator.subscribe}. */
export interface SubscribeOptions {
  /**
   * Replay the events with a `seq` greater than this (the `seq` of the last event the client
   * has, as SSE's `Last-Event-ID`), then go live.
   * @default 0 (from the first event still in history)
   */
  lastEventId?: number;
  /** Unsubscribe when this aborts (as `return()` on the iterator does). */
  signal?: AbortSignal;
  /**
   * This subscriber's queue bound.
   * @default the coordinator's `maxQueuedEvents`
   */
  maxQueuedEvents?: number;
}

/** @internal The keys of {@link SubscribeOptions}. */
export const subscribeOptionKeys = optionKeys([
  'lastEventId',
  'signal',
  'maxQueuedEvents',
]) satisfies OptionKeys<keyof SubscribeOptions>;

/** Options for {@link TaskCoordinator.list}. */
export interface ListOptions {
  /** Only tasks with these statuses. @default every status */
  status?: TaskState | readonly TaskState[];
  /** Only tasks of this kind. @default every kind */
  kind?: string;
  /** At most this many, newest first. @default 100 */
  limit?: number;
  /** Continue after this task id (the last one of the previous page). @default from the newest */
  cursor?: string;
}

/** @internal The keys of {@link ListOptions}. */
export const listOptionKeys = optionKeys([
  'status',
  'kind',
  'limit',
  'cursor',
]) satisfies OptionKeys<keyof ListOptions>;

/**
 * A task as the coordinator shows it. Plain JSON: the backend's {@link TaskInfo} in the
 * coordinator's words — `kind` for its type, `status` for its state, `input` for its payload,
 * `lastEventId` for its latest seq (subscribe with it to get only what comes next).
 */
export interface CoordinatorTaskInfo
  extends Omit<TaskInfo, 'type' | 'state' | 'payload' | 'lastSeq'> {
  /** The task's kind (its backend type). */
  readonly kind: string;
  /** `queued`, `running`, `succeeded`, `failed` or `cancelled`. */
  readonly status: TaskState;
  /** The input it was started with. */
  readonly input: unknown;
  /** The seq of the task's latest event: subscribe with it to get only what comes next. */
  readonly lastEventId: number;
}

/** Options for {@link TaskCoordinator.shutdown}. */
export interface CoordinatorShutdownOptions {
  /**
   * Milliseconds to wait for cancelled tasks to clean up and for subscribers to get their
   * terminal events; then the rest get a `shutdown` event.
   * @default the coordinator's `shutdownTimeout`
   */
  timeout?: number;
}

/** @internal The keys of {@link CoordinatorShutdownOptions}. */
export const coordinatorShutdownOptionKeys = optionKeys(['timeout']) satisfies OptionKeys<
  keyof CoordinatorShutdownOptions
>;

/** A task that was still running when a coordinator's shutdown gave up on it. */
export interface UnfinishedTaskInfo {
  /** The task's id. */
  readonly id: string;
  /** The task's kind. */
  readonly kind: string;
  /** How long it had been running, in milliseconds. */
  readonly runningMs: number;
}

/** The account a coordinator's shutdown gives. Plain data, also logged. */
export interface CoordinatorShutdownReport {
  /** Tasks running in this process that the shutdown cancelled. */
  readonly cancelled: number;
  /** Of those, the ones still running at the timeout (they ignore their token). */
  readonly unfinished: readonly UnfinishedTaskInfo[];
  /** Subscribers that got their task's terminal event during the shutdown. */
  readonly subscribersCompleted: number;
  /** Subscribers that got a `shutdown` event instead (their task could not finish in time). */
  readonly subscribersCutOff: number;
  /** True when the timeout ran out before everything above had finished. */
  readonly timedOut: boolean;
  /** How long the shutdown took, in milliseconds. */
  readonly durationMs: number;
}

/** A snapshot of what a coordinator holds. */
export interface CoordinatorStats {
  /** Task handlers running in this process. */
  readonly running: number;
  /** Live subscribers (iterating, not yet ended). */
  readonly subscribers: number;
}

/** A task run starting in this process, as a {@link TaskRunObserver} sees it. */
export interface TaskRunStart {
  /** The task's id. */
  readonly id: string;
  /** The task's kind. */
  readonly kind: string;
  /** Which attempt this is, from 1. */
  readonly attempt: number;
}

/** A task run ending in this process, as a {@link TaskRunObserver} sees it. */
export interface TaskRunEnd extends TaskRunStart {
  /**
   * How the run ended: `succeeded` (it returned), `cancelled` (it ended after its token was
   * cancelled for any reason but a timeout) or `failed` (it threw, or timed out).
   */
  readonly outcome: 'succeeded' | 'failed' | 'cancelled';
  /** True when the run was ended by its timeout. */
  readonly timeout: boolean;
  /** How long the handler ran, in milliseconds. */
  readonly durationMs: number;
}

/**
 * Told about every task run in this process, e.g. to count them for metrics. Called
 * synchronously; an observer that throws is logged and otherwise ignored.
 */
export interface TaskRunObserver {
  /** A handler begins. */
  started?(run: TaskRunStart): void;
  /** A handler has ended (its `finally` blocks have run). */
  ended?(run: TaskRunEnd): void;
}
