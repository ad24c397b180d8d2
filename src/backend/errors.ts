/**
 * The errors of task backends: submitting, looking up and running tasks (every backend, durable or
 * not). Their codes are in the one registry, `errorCodes` (errors.ts).
 *
 * @module
 */

import { WardenError } from '../errors.js';

/**
 * A task was submitted with a `type` that has no registered handler, and the backend has no
 * executor to fall back on. Refused at `submit`, so the task is never silently dropped.
 *
 * @example
 * ```ts
 * await backend.submit({ type: 'nope', payload: null }).catch((e) => e.taskType); // 'nope'
 * ```
 */
export class UnknownTaskTypeError extends WardenError {
  /** The type that has no handler. */
  readonly taskType: string;

  constructor(backendName: string, taskType: string) {
    super(
      'WARDEN_ERR_UNKNOWN_TASK_TYPE',
      `Backend '${backendName}' has no handler for task type ${JSON.stringify(taskType)}; ` +
        'register one with backend.register(type, handler) or set an executor',
    );
    this.taskType = taskType;
  }
}

/**
 * A task payload is not plain JSON (a BigInt, a function, a symbol, `undefined`, NaN or
 * Infinity, a cycle, a `Date`, `Map` or class instance…). `path` names the offending value, as
 * `payload.items[3].when`; `problem` says what is wrong with it.
 *
 * @example
 * ```ts
 * await backend.submit({ type: 't', payload: { n: 1n } }).catch((e) => e.path); // 'payload.n'
 * ```
 */
export class InvalidPayloadError extends WardenError {
  /** Where the offending value is, starting at `payload`. */
  readonly path: string;
  /** What is wrong with it, e.g. `is a BigInt`. */
  readonly problem: string;

  constructor(path: string, problem: string, options?: ErrorOptions) {
    super('WARDEN_ERR_INVALID_PAYLOAD', `Task payload is not JSON: ${path} ${problem}`, options);
    this.path = path;
    this.problem = problem;
  }
}

/**
 * A task payload serialises (as UTF-8 JSON) to more bytes than the backend's `maxPayloadBytes`.
 *
 * @example
 * ```ts
 * await backend.submit({ type: 't', payload: 'x'.repeat(2 ** 21) }).catch((e) => e.bytes > e.limit); // true
 * ```
 */
export class PayloadTooLargeError extends WardenError {
  /** Always `payload`: the whole payload is measured. */
  readonly path: string;
  /** The payload's size as UTF-8 JSON. */
  readonly bytes: number;
  /** The limit it exceeds. */
  readonly limit: number;

  constructor(bytes: number, limit: number) {
    super(
      'WARDEN_ERR_PAYLOAD_TOO_LARGE',
      `Task payload is ${bytes} bytes as JSON; the limit is ${limit} bytes (maxPayloadBytes)`,
    );
    this.path = 'payload';
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * A task was submitted while the backend's queue already held `maxQueued` tasks waiting for a
 * free slot. The task was not accepted; retry later or shed the load.
 *
 * @example
 * ```ts
 * await backend.submit(task).catch((e) => e.code === 'WARDEN_ERR_QUEUE_FULL');
 * ```
 */
export class QueueFullError extends WardenError {
  /** The bound that was reached. */
  readonly limit: number;

  constructor(backendName: string, limit: number) {
    super(
      'WARDEN_ERR_QUEUE_FULL',
      `Backend '${backendName}' already has ${limit} tasks queued (maxQueued); task refused`,
    );
    this.limit = limit;
  }
}

/**
 * A task was submitted to a backend before its `start()`.
 *
 * @example
 * ```ts
 * await new InProcessBackend().submit(task).catch((e) => e.code); // 'WARDEN_ERR_BACKEND_NOT_STARTED'
 * ```
 */
export class BackendNotStartedError extends WardenError {
  constructor(backendName: string) {
    super(
      'WARDEN_ERR_BACKEND_NOT_STARTED',
      `Backend '${backendName}' has not been started; call start() before submit()`,
    );
  }
}

/**
 * A task was submitted to a backend that is shutting down or has shut down (or `start()` was
 * called on one): it takes no new work.
 *
 * @example
 * ```ts
 * await backend.shutdown(); await backend.submit(task).catch((e) => e.code); // 'WARDEN_ERR_BACKEND_SHUT_DOWN'
 * ```
 */
export class BackendShutDownError extends WardenError {
  constructor(backendName: string) {
    super(
      'WARDEN_ERR_BACKEND_SHUT_DOWN',
      `Backend '${backendName}' is shutting down or has shut down; it takes no new tasks`,
    );
  }
}

/**
 * A task was submitted with an explicit `id` that a task the backend still holds (queued or
 * running) already has.
 *
 * @example
 * ```ts
 * await backend.submit({ id: 'a', type: 't', payload: null });
 * await backend.submit({ id: 'a', type: 't', payload: null }).catch((e) => e.taskId); // 'a' (while the first is live)
 * ```
 */
export class DuplicateTaskIdError extends WardenError {
  /** The id already in use. */
  readonly taskId: string;

  constructor(backendName: string, taskId: string) {
    super(
      'WARDEN_ERR_DUPLICATE_TASK_ID',
      `Backend '${backendName}' already holds a task with id ${JSON.stringify(taskId)}`,
    );
    this.taskId = taskId;
  }
}

/**
 * A backend's runtime-driven shutdown ended with tasks still running: they were cancelled and
 * did not end within the grace period. The runtime's drain hook rejects with it, so the
 * runtime's report is `incomplete` (exit code 1). `tasks` names them.
 *
 * @example
 * ```ts
 * const report = await runtime.shutdown();
 * report.hooks.find((h) => h.error?.code === 'WARDEN_ERR_TASKS_ABANDONED');
 * ```
 */
export class TasksAbandonedError extends WardenError {
  /** The tasks still running, by id and type. */
  readonly tasks: ReadonlyArray<{ readonly id: string; readonly type: string }>;

  constructor(
    backendName: string,
    tasks: ReadonlyArray<{ readonly id: string; readonly type: string }>,
  ) {
    const named = tasks
      .slice(0, 5)
      .map((task) => `${task.type} (${task.id})`)
      .join(', ');
    super(
      'WARDEN_ERR_TASKS_ABANDONED',
      `Backend '${backendName}' shut down with ${tasks.length} task(s) still running after ` +
        `cancellation: ${named}${tasks.length > 5 ? ` and ${tasks.length - 5} more` : ''}`,
    );
    this.tasks = tasks;
  }
}

/**
 * A task id that the backend does not hold: never submitted there, or a finished task it has
 * since forgotten (the in-memory backends keep a bounded number of finished tasks). Following
 * such a task's events rejects with it.
 *
 * @example
 * ```ts
 * for await (const event of backend.events('no-such-id')) {} // rejects: e.code === 'WARDEN_ERR_UNKNOWN_TASK'
 * ```
 */
export class UnknownTaskError extends WardenError {
  /** The id that was not found. */
  readonly taskId: string;

  constructor(backendName: string, taskId: string) {
    super(
      'WARDEN_ERR_UNKNOWN_TASK',
      `Backend '${backendName}' holds no task with id ${JSON.stringify(taskId)} (never submitted, or forgotten)`,
    );
    this.taskId = taskId;
  }
}

/**
 * The database of a durable backend (the Postgres backend) could not be reached, or failed,
 * while serving a call: `submit`, `cancel`, `getTask`, `start()`'s connection. `cause` is the
 * driver's error. Nothing was accepted when `submit` rejects with it (or, if the connection
 * dropped after the commit, the task was accepted once: resubmit with the same `id` to find out).
 *
 * @example
 * ```ts
 * await backend.submit(task).catch((e) => e.code === 'WARDEN_ERR_DATABASE_UNAVAILABLE');
 * ```
 */
export class DatabaseUnavailableError extends WardenError {
  constructor(backendName: string, what: string, cause?: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super(
      'WARDEN_ERR_DATABASE_UNAVAILABLE',
      `Backend '${backendName}' could not ${what}: the database is unavailable${detail}`,
      { cause },
    );
  }
}
