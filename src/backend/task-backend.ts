/**
 * The `TaskBackend` interface: where submitted work runs (inline, in this process, or durably in
 * Postgres) behind one API, and the plain-JSON task shape that lets work cross processes.
 *
 * @module
 */

import type { CancelReasonInput } from '../cancel/cancel-reason.js';
import type { CancelToken } from '../cancel/cancel-token.js';
import type { RESERVED_EVENT_TYPES, TaskEventSource } from './task-events.js';

/**
 * A task as submitted: plain JSON, so that a durable backend can store it and a worker in
 * another process can run it.
 *
 * @example
 * ```ts
 * const { id } = await backend.submit({ type: 'email.send', payload: { to: 'a@example.com' } });
 * ```
 */
export interface TaskSpec<P = unknown> {
  /** Which handler runs the task (see {@link TaskBackend.register}). 1–128 characters. */
  readonly type: string;
  /**
   * The task's input: plain JSON (objects, arrays, strings, finite numbers, booleans, `null`).
   * Required: use `null` for "no input". Checked at submit by {@link validatePayload}.
   */
  readonly payload: P;
  /**
   * The task's id, 1–128 characters from `A–Z a–z 0–9 . _ ~ : -`, starting with a letter or a
   * digit (safe in a URL path).
   * @default crypto.randomUUID()
   */
  readonly id?: string;
  /**
   * Milliseconds the handler may run; past it the task's token is cancelled with a `timeout`
   * reason and the task fails with a `TimeoutError`.
   * @default no limit
   */
  readonly timeout?: number;
}

/** A submitted task as an executor sees it: the spec's type and payload, and its assigned id. */
export interface BackendTask<P = unknown> {
  /** The task's id. */
  readonly id: string;
  /** The task's type. */
  readonly type: string;
  /** The task's payload, exactly as submitted. */
  readonly payload: P;
}

/**
 * What a handler receives besides the payload. More members (progress, events) may be added;
 * none will be removed.
 */
export interface HandlerContext {
  /** The task's id. */
  readonly id: string;
  /** The task's type. */
  readonly type: string;
  /**
   * The task's cancellation token: cancelled by {@link TaskBackend.cancel}, by the task's
   * `timeout` and by a shutdown that runs out of time. Pass `token.signal` to `fetch` and co.
   */
  readonly token: CancelToken;
  /** Which attempt this is, from 1. The in-memory backends never retry, so it is always 1. */
  readonly attempt: number;
  /**
   * Record an event of the handler's own `type` (not one of {@link RESERVED_EVENT_TYPES}) with
   * JSON `data`, in order, for every follower of the task (see {@link TaskEventSource}).
   * Throws `InvalidArgumentError` for a reserved or malformed type or non-JSON data.
   */
  emit(type: string, data?: unknown): void;
  /** Record a `progress` event with a JSON `value` (a number from 0 to 1, a count, an object). */
  progress(value: unknown): void;
}

/**
 * Runs the tasks of one type: receives the payload and a {@link HandlerContext}. It may be async.
 * Its result (plain JSON, for a durable backend) is kept as the `completed` event's `result`; a
 * throw or a rejection is a failure (reported, never silent); ending because `ctx.token` was
 * cancelled is a cancellation, not a failure.
 */
export type TaskHandler<P = unknown> = (payload: P, ctx: HandlerContext) => unknown;

/**
 * A single callback: runs any task whose type has no registered handler, receiving the
 * whole task (so it can route on `task.type`).
 */
export type TaskExecutor = (task: BackendTask, ctx: HandlerContext) => unknown;

/** What {@link TaskBackend.submit} resolves with. */
export interface SubmitResult {
  /** The task's id, for {@link TaskBackend.cancel} and for clients. */
  readonly id: string;
}

/** Counters of a backend, since it was made. */
export interface BackendStats {
  /** Accepted and waiting for a free slot. */
  readonly queued: number;
  /** Running now. */
  readonly running: number;
  /** Ended by returning. */
  readonly succeeded: number;
  /** Ended by throwing or rejecting (timeouts included). */
  readonly failed: number;
  /** Ended by cancellation, or dropped from the queue before they started. */
  readonly cancelled: number;
  /** Accepted by `submit` in all: `queued + running + succeeded + failed + cancelled`. */
  readonly submitted: number;
}

/** Where a backend is in its life. Only forward: a backend is never restarted. */
export type BackendState = 'created' | 'started' | 'stopping' | 'stopped';

/** A task a shutdown had to cancel, as plain data. */
export interface StragglerInfo {
  /** The task's id. */
  readonly id: string;
  /** The task's type. */
  readonly type: string;
  /** True when it was running; false when it was still queued and never started. */
  readonly started: boolean;
}

/** Options for {@link TaskBackend.shutdown}. */
export interface BackendShutdownOptions {
  /**
   * Milliseconds to let running and queued tasks finish before the rest are cancelled.
   * @default the backend's `shutdownTimeout` option
   */
  timeout?: number;
  /**
   * Milliseconds to wait, after cancelling stragglers, for them to react; those still running
   * after it are reported as `abandoned`. The shutdown returns within `timeout + grace`.
   * @default the backend's `shutdownGrace` option
   */
  grace?: number;
  /**
   * Cancel queued tasks at once instead of letting them run during the drain.
   * @default false
   */
  dropQueued?: boolean;
}

/** The account a shutdown gives of the tasks it found. Plain data, logged too. */
export interface BackendShutdownReport {
  /** Tasks that ended on their own during the drain (succeeded or failed). */
  readonly completed: number;
  /** Tasks the shutdown cancelled: running at the deadline, or queued and dropped. */
  readonly cancelled: readonly StragglerInfo[];
  /** Cancelled running tasks still running after the grace period (they ignore their token). */
  readonly abandoned: readonly StragglerInfo[];
  /** True when the drain ran out of time (some tasks had to be cancelled). */
  readonly timedOut: boolean;
  /** How long the shutdown took, in milliseconds. */
  readonly durationMs: number;
}

/** Unregisters a handler added with {@link TaskBackend.register}; usable with `using`. */
export interface HandlerRegistration extends Disposable {
  /** Remove the handler; tasks already accepted keep the handler they were accepted with. */
  dispose(): void;
}

/** What the `onError` hook of a backend is told about a failed task. */
export interface FailedTaskInfo {
  /** The task's id. */
  readonly id: string;
  /** The task's type. */
  readonly type: string;
  /** The task's payload. */
  readonly payload: unknown;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
}

/**
 * Where submitted tasks run. The same calling code works on every backend: `InlineBackend`
 * (runs inside `submit`, for tests and CLIs), `InProcessBackend` (tracked, with a concurrency
 * limit, drained on shutdown), and a durable Postgres backend (persisted at submit, claimed by
 * workers in any process).
 *
 * **Contract.**
 * - Tasks are plain JSON ({@link TaskSpec}); a payload that is not is refused at submit with an
 *   `InvalidPayloadError` naming the path, or a `PayloadTooLargeError`.
 * - `submit` is async and resolves with `{ id }` once the task is accepted (the inline backend:
 *   once it has run); it never rejects because of what the handler does. It rejects with a
 *   typed error when the task cannot be accepted: `BackendNotStartedError` before `start()`,
 *   `BackendShutDownError` once `shutdown()` has begun, `UnknownTaskTypeError`,
 *   `DuplicateTaskIdError`, `QueueFullError`, `InvalidArgumentError` for a malformed spec. It
 *   never throws synchronously.
 * - A handler failure is never silent: it is logged with the task's id and type, counted in
 *   {@link TaskBackend.stats}, and passed to the backend's `onError` hook.
 * - `cancel(id, reason)` is async (a durable backend must reach another process): it resolves
 *   `true` when this call delivered the cancellation to a live task (queued: removed; running:
 *   its token cancelled), `false` for an unknown, finished or already-cancelled task.
 * - `shutdown({ timeout })` stops intake at once, lets work finish within `timeout`, cancels
 *   the rest with a `shutdown` reason and reports each by id and type. Idempotent.
 *
 * **Not guaranteed.** Cancellation is cooperative: a running handler stops when it looks at its
 * token. Exactly-once execution is not promised by any backend (a durable one re-runs a task
 * whose worker died).
 *
 * @example
 * ```ts
 * const backend: TaskBackend = new InProcessBackend({ concurrency: 10 });
 * backend.register<{ to: string }>('email.send', async (payload, ctx) => {
 *   await sendEmail(payload.to, { signal: ctx.token.signal });
 * });
 * await backend.start();
 * const { id } = await backend.submit({ type: 'email.send', payload: { to: 'a@example.com' } });
 * await backend.shutdown({ timeout: 5_000 });
 * ```
 */
export interface TaskBackend extends AsyncDisposable {
  /** A name for logs and errors. */
  readonly name: string;
  /** Where the backend is in its life. */
  readonly state: BackendState;
  /**
   * Register the handler for tasks of `type`. Throws `InvalidArgumentError` if `type` already
   * has one or is malformed. May be called at any time.
   */
  register<P = unknown>(type: string, handler: TaskHandler<P>): HandlerRegistration;
  /**
   * Set (or, with `undefined`, clear) the fallback that runs every task whose type has no
   * registered handler (one callback for every type).
   */
  setExecutor(executor: TaskExecutor | undefined): void;
  /** Bring the backend up; idempotent. Rejects with `BackendShutDownError` after a shutdown. */
  start(): Promise<void>;
  /** Submit a task; see the contract above. */
  submit<P = unknown>(task: TaskSpec<P>): Promise<SubmitResult>;
  /** Ask a task to stop; see the contract above. */
  cancel(id: string, reason?: CancelReasonInput): Promise<boolean>;
  /** Stop intake, drain, cancel stragglers and report them; see the contract above. */
  shutdown(options?: BackendShutdownOptions): Promise<BackendShutdownReport>;
  /** The backend's counters, a snapshot. */
  stats(): BackendStats;
}
