/**
 * Every error Warden throws, in one registry.
 *
 * Each class has a stable `code` (`WARDEN_ERR_…`) that never changes meaning and is
 * never reused once retired. `docs/errors.md` lists them; a test keeps the two in step.
 * A caller can always tell cancelled ({@link CancelledError}) from timed out
 * ({@link TimeoutError}) from failed (anything else) by type or by `code`.
 *
 * @module
 */

import type { CancelReason } from './cancel/cancel-reason.js';

/** Every error code Warden uses, mapped to a one-line meaning (kept in step with docs/errors.md). */
export const errorCodes = {
  WARDEN_ERR_CANCELLED: 'The work was cancelled; `reason` says why.',
  WARDEN_ERR_TIMEOUT: 'The work did not finish within its time limit and was cancelled.',
  WARDEN_ERR_INVALID_ARGUMENT: 'A function was called with an argument it cannot accept.',
  WARDEN_ERR_SCOPE_CLOSED: 'A task was spawned in a scope that has already finished.',
  WARDEN_ERR_CRITICAL_TASK_FAILED: 'A critical task failed and cancelled its parent token.',
  WARDEN_ERR_NON_ERROR_THROWN: 'A task threw or rejected with a value that is not an Error.',
  WARDEN_ERR_HANDLE_LEAKED:
    'A critical task handle was garbage-collected without being joined or detached.',
  WARDEN_ERR_RESTART_INTENSITY:
    'A supervisor restarted its children more often than its intensity allows and gave up.',
  WARDEN_ERR_SUPERVISOR_STOPPED: 'A child was added to a supervisor that has stopped.',
  WARDEN_ERR_SHUTDOWN_STARTED:
    'A shutdown hook was registered for a phase of a runtime shutdown that has already begun.',
  WARDEN_ERR_UNKNOWN_TASK_TYPE:
    'A task was submitted with a type that has no handler (and no executor) on this backend.',
  WARDEN_ERR_INVALID_PAYLOAD: 'A task payload is not plain JSON; `path` names the offending value.',
  WARDEN_ERR_PAYLOAD_TOO_LARGE: 'A task payload serialises to more bytes than the backend accepts.',
  WARDEN_ERR_QUEUE_FULL:
    'A task was submitted to a backend whose queue is at its `maxQueued` bound.',
  WARDEN_ERR_BACKEND_NOT_STARTED: 'A task was submitted to a backend before its `start()`.',
  WARDEN_ERR_BACKEND_SHUT_DOWN:
    'A task was submitted to, or `start()` called on, a backend that is shutting down or has shut down.',
  WARDEN_ERR_DUPLICATE_TASK_ID:
    'A task was submitted with the id of a task the backend still holds.',
  WARDEN_ERR_TASKS_ABANDONED:
    'A backend shut down by its runtime left tasks running that ignored their cancellation.',
  WARDEN_ERR_UNKNOWN_TASK:
    'A task id was looked up (to follow its events) that the backend does not hold, or has forgotten.',
  WARDEN_ERR_COORDINATOR_SHUT_DOWN:
    'A task was started on, or a subscription made to, a TaskCoordinator that is shutting down or has shut down.',
  WARDEN_ERR_DATABASE_UNAVAILABLE:
    'The database of a durable backend could not be reached (or failed) while serving a call.',
  WARDEN_ERR_MIGRATION_FAILED:
    'Bringing the schema of a durable backend up to date failed; nothing of the failed step was applied.',
  WARDEN_ERR_LEASE_LOST:
    'A worker lost the lease of a running job (it could not renew it in time), so the job was cancelled here.',
  WARDEN_ERR_BAD_REQUEST:
    'An HTTP request was malformed: a body that is not JSON, a missing or wrong field, an invalid id or query.',
  WARDEN_ERR_UNSUPPORTED_MEDIA_TYPE:
    'An HTTP request body was sent with a content type other than JSON.',
  WARDEN_ERR_REQUEST_TOO_LARGE: 'An HTTP request body was larger than the server accepts.',
  WARDEN_ERR_ROUTE_NOT_FOUND: 'An HTTP request named a path the Warden API does not serve.',
  WARDEN_ERR_METHOD_NOT_ALLOWED: 'An HTTP request used a method its path does not accept.',
  WARDEN_ERR_UNAUTHORIZED:
    'An HTTP request lacked the bearer token the server requires, or had a wrong one.',
  WARDEN_ERR_TOKEN_REQUIRED:
    'A Warden server was asked to listen on a non-loopback address without a bearer token.',
  WARDEN_ERR_USAGE:
    'The `warden` command line was given an unknown command, a bad flag or a bad value.',
  WARDEN_ERR_TASK_MODULE:
    'A task-definition module (`--tasks`) could not be found or loaded, or does not export task definitions.',
  WARDEN_ERR_INTERNAL:
    'An HTTP request hit an unexpected error in the server; the server logged the details.',
  WARDEN_ERR_SERVER_UNREACHABLE:
    'The `warden` command line could not reach the Warden server it was pointed at.',
  WARDEN_ERR_HOST_NOT_ALLOWED:
    'An HTTP request named, in its Host header, a host the Warden server does not answer to.',
  WARDEN_ERR_CROSS_SITE_REQUEST:
    'An HTTP request came from a web page of another origin that the Warden server does not trust.',
  WARDEN_ERR_HEADERS_TOO_LARGE: 'An HTTP request had more header bytes than the server accepts.',
  WARDEN_ERR_REQUEST_TIMEOUT:
    "An HTTP request did not arrive in full (headers, then body) within the server's time limit.",
} as const;

/** A stable Warden error code. */
export type ErrorCode = keyof typeof errorCodes;

/**
 * Base class of every Warden error.
 *
 * @example
 * ```ts
 * try { await work(); } catch (e) { if (e instanceof WardenError) console.log(e.code); }
 * ```
 */
export class WardenError extends Error {
  /** Stable, documented code; safe to match on. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Thrown (or used as a rejection) when work stops because its {@link CancelToken} was cancelled.
 *
 * It is also the `reason` of a token's `signal`, so `fetch(url, { signal: token.signal })`
 * rejects with a `CancelledError` that carries the same {@link CancelReason}. Like
 * `signal.reason`, Warden makes one `CancelledError` per reason and shares it (`sleep`,
 * `throwIfCancelled`, `signal`, a task's recorded error): one `cancel()` reaching 100,000
 * waiters builds one error, and its `stack` is that of its first use.
 *
 * @example
 * ```ts
 * try { await sleep(1000, token); } catch (e) { if (e instanceof CancelledError) console.log(e.reason.kind); }
 * ```
 */
export class CancelledError extends WardenError {
  /** Why the work was cancelled. */
  readonly reason: CancelReason;

  constructor(reason: CancelReason) {
    super('WARDEN_ERR_CANCELLED', `Cancelled (${reason.kind}): ${reason.message}`, {
      cause: reason.cause,
    });
    this.reason = reason;
  }
}

/**
 * The work ran past its time limit; it was cancelled with a `timeout` reason.
 *
 * Deliberately not a subclass of {@link CancelledError}: a timeout is a failure the caller
 * asked to be told about, not a quiet stop.
 *
 * @example
 * ```ts
 * await withTimeout(50, (token) => sleep(1000, token)).catch((e) => e instanceof TimeoutError); // true
 * ```
 */
export class TimeoutError extends WardenError {
  /** The limit that was exceeded, in milliseconds. */
  readonly ms: number;

  constructor(ms: number, what = 'Operation') {
    super('WARDEN_ERR_TIMEOUT', `${what} timed out after ${ms} ms`);
    this.ms = ms;
  }
}

// Passed as `actual` by `unknownOption` so that the one constructor takes `expected` as the whole
// message. Not exported: no other caller can pass it.
const OWN_MESSAGE: unique symbol = Symbol('own message');

/**
 * A public function was called with an argument it cannot accept, or with an options object
 * that has a key it does not take (see {@link InvalidArgumentError.unknownOption}). Thrown at
 * the call, never later inside a task.
 *
 * @example
 * ```ts
 * scope.spawn('not a function' as never); // throws InvalidArgumentError
 * ```
 */
export class InvalidArgumentError extends WardenError {
  /** The name of the offending argument or option. */
  readonly argument: string;
  /**
   * For an unknown option key: the valid key it most likely stands for (`'runAt'` for
   * `'runat'`), when one is close; otherwise `undefined`.
   */
  readonly suggestion: string | undefined;

  constructor(argument: string, expected: string, actual: unknown) {
    super(
      'WARDEN_ERR_INVALID_ARGUMENT',
      actual === OWN_MESSAGE
        ? expected
        : `${argument} must be ${expected}; got ${describe(actual)}`,
    );
    this.argument = argument;
    this.suggestion = undefined;
  }

  /**
   * The error for an options object with a key its function does not take. The message is
   * `<where>: unknown option '<key>' (did you mean '<suggestion>'?)`, or without a suggestion
   * `<where>: unknown option '<key>'; valid options: <validKeys, comma-separated>`.
   *
   * @param where - what was given the key: `'PostgresBackend options'`, `'Scope.spawn options'`.
   * @param argument - the offending option's path, for {@link InvalidArgumentError.argument}.
   *
   * @example
   * ```ts
   * InvalidArgumentError.unknownOption('Runtime.shutdown options', 'options.deadline', 'deadline', ['deadlineMs', 'reason'], 'deadlineMs').message;
   * // "Runtime.shutdown options: unknown option 'deadline' (did you mean 'deadlineMs'?)"
   * ```
   */
  static unknownOption(
    where: string,
    argument: string,
    key: string,
    validKeys: readonly string[],
    suggestion?: string,
  ): InvalidArgumentError {
    const hint =
      suggestion === undefined
        ? `; valid options: ${validKeys.join(', ')}`
        : ` (did you mean '${suggestion}'?)`;
    const error = new InvalidArgumentError(
      argument,
      `${where}: unknown option '${key}'${hint}`,
      OWN_MESSAGE,
    );
    (error as { suggestion: string | undefined }).suggestion = suggestion;
    return error;
  }
}

/**
 * `spawn` was called on a {@link Scope} that has already finished.
 *
 * @example
 * ```ts
 * await scope.close(); scope.spawn(fn); // throws ScopeClosedError
 * ```
 */
export class ScopeClosedError extends WardenError {
  constructor(scopeName: string) {
    super('WARDEN_ERR_SCOPE_CLOSED', `Scope '${scopeName}' is closed; no new task can be spawned`);
  }
}

/**
 * A critical task failed. The message names the task (`Critical task '<description>' failed: …`)
 * and `cause` holds the task's original error.
 *
 * @example
 * ```ts
 * const e = await handle.join().catch((e) => e); // e.cause is what the task threw
 * ```
 */
export class CriticalTaskError extends WardenError {
  /** The description given to `spawnCritical`. */
  readonly description: string;

  constructor(description: string, cause: unknown) {
    const message =
      cause instanceof NonErrorThrownError
        ? `Critical task '${description}' panicked: ${cause.message}`
        : `Critical task '${description}' failed: ${cause instanceof Error ? cause.message : String(cause)}`;
    super('WARDEN_ERR_CRITICAL_TASK_FAILED', message, { cause });
    this.description = description;
  }
}

/**
 * Wraps a thrown value that is not an `Error` (a string, a number, an object) so that it
 * has a message and a stack. The original value is kept in `value`.
 * This is JavaScript's nearest equivalent to a Rust panic payload.
 *
 * @example
 * ```ts
 * const e = toError('boom'); // NonErrorThrownError, e.message === 'boom', e.value === 'boom'
 * ```
 */
export class NonErrorThrownError extends WardenError {
  /** Exactly what was thrown. */
  readonly value: unknown;

  constructor(value: unknown) {
    super('WARDEN_ERR_NON_ERROR_THROWN', typeof value === 'string' ? value : describe(value));
    this.value = value;
  }
}

/**
 * Reported (through `process.emitWarning`) when a critical task handle was garbage-collected
 * without `join()` or `detach()`: nobody could learn how that task ended.
 *
 * @example
 * ```ts
 * process.on('warning', (w) => { if (w instanceof HandleLeakedError) console.error(w.message); });
 * ```
 */
export class HandleLeakedError extends WardenError {
  constructor(description: string, spawnedAt: string | undefined) {
    super(
      'WARDEN_ERR_HANDLE_LEAKED',
      `Critical task '${description}' was not joined or detached before its handle was dropped` +
        (spawnedAt ? ` (spawned at ${spawnedAt})` : ''),
    );
  }
}

/**
 * A supervisor exceeded its restart intensity (too many restarts within its period), stopped its
 * children and gave up. `cause` is the last child failure.
 *
 * @example
 * ```ts
 * await supervisor.join().catch((e) => e.code === 'WARDEN_ERR_RESTART_INTENSITY');
 * ```
 */
export class RestartIntensityError extends WardenError {
  constructor(supervisorName: string, restarts: number, periodMs: number, cause: unknown) {
    super(
      'WARDEN_ERR_RESTART_INTENSITY',
      `Supervisor '${supervisorName}' gave up: more than ${restarts} restarts within ${periodMs} ms`,
      { cause },
    );
  }
}

/**
 * A child was added to a supervisor that has already stopped.
 *
 * @example
 * ```ts
 * await supervisor.stop(); supervisor.startChild(spec); // throws SupervisorStoppedError
 * ```
 */
export class SupervisorStoppedError extends WardenError {
  constructor(supervisorName: string) {
    super('WARDEN_ERR_SUPERVISOR_STOPPED', `Supervisor '${supervisorName}' has stopped`);
  }
}

/**
 * `runtime.onShutdown(...)` was called after the runtime's shutdown had already reached the
 * hook's phase (or finished), so the hook could never run.
 *
 * @example
 * ```ts
 * await runtime.shutdown(); runtime.onShutdown('late', fn); // throws ShutdownStartedError
 * ```
 */
export class ShutdownStartedError extends WardenError {
  constructor(runtimeName: string, hookName: string, phase: string) {
    super(
      'WARDEN_ERR_SHUTDOWN_STARTED',
      `Runtime '${runtimeName}' is already past the '${phase}' phase of its shutdown; ` +
        `hook '${hookName}' cannot be registered`,
    );
  }
}

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

/**
 * Bringing a durable backend's schema up to date failed. Each migration runs in its own
 * transaction, so the failed one left nothing behind; those before it stay applied. `migration`
 * names the failed step (or the problem: a database newer than this code), `cause` the error.
 *
 * @example
 * ```ts
 * await migrate({ connectionString }).catch((e) => e.code === 'WARDEN_ERR_MIGRATION_FAILED');
 * ```
 */
export class MigrationFailedError extends WardenError {
  /** The migration that failed, e.g. `000002.sql`, or what was wrong. */
  readonly migration: string;

  constructor(schema: string, migration: string, reason: string, cause?: unknown) {
    super(
      'WARDEN_ERR_MIGRATION_FAILED',
      `Migrating schema '${schema}' failed at ${migration}: ${reason}`,
      { cause },
    );
    this.migration = migration;
  }
}

/**
 * A worker of a durable backend could not renew the lease of a job it was running (the
 * database was unreachable, or the process stalled) before the lease ran out, or found the job
 * taken over by another worker. The job's token is cancelled with a `parent-failure` reason
 * whose `cause` is this error; whatever the handler does next is not recorded, since another
 * worker may already run the job again.
 *
 * @example
 * ```ts
 * ctx.token.reason?.cause instanceof LeaseLostError; // in a handler whose lease was lost
 * ```
 */
export class LeaseLostError extends WardenError {
  /** The job's id. */
  readonly taskId: string;

  constructor(taskId: string, why: string) {
    super('WARDEN_ERR_LEASE_LOST', `Lost the lease of job ${JSON.stringify(taskId)}: ${why}`);
    this.taskId = taskId;
  }
}

/**
 * A {@link TaskCoordinator} that is shutting down (or has shut down) was asked to start a task
 * or to add a subscriber. A coordinator is not restarted.
 *
 * @example
 * ```ts
 * await coordinator.shutdown();
 * await coordinator.start('report', {}).catch((e) => e.code); // 'WARDEN_ERR_COORDINATOR_SHUT_DOWN'
 * ```
 */
export class CoordinatorShutDownError extends WardenError {
  constructor(coordinatorName: string) {
    super(
      'WARDEN_ERR_COORDINATOR_SHUT_DOWN',
      `Coordinator '${coordinatorName}' is shutting down or has shut down; it starts no new tasks and takes no new subscribers`,
    );
  }
}

/**
 * An HTTP request to the Warden API was malformed: a body that is not JSON or lacks `kind`, an
 * id that is not a valid task id, a bad query parameter. Answered with status 400; `message`
 * says what was wrong.
 *
 * @example
 * ```ts
 * const res = await fetch(`${url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
 * (await res.json()).error.code; // 'WARDEN_ERR_BAD_REQUEST'
 * ```
 */
export class BadRequestError extends WardenError {
  constructor(problem: string) {
    super('WARDEN_ERR_BAD_REQUEST', `Bad request: ${problem}`);
  }
}

/**
 * An HTTP request body came with a content type other than `application/json`. Status 415.
 *
 * @example
 * ```ts
 * (await (await fetch(`${url}/tasks`, { method: 'POST', body: 'x' })).json()).error.code; // 'WARDEN_ERR_UNSUPPORTED_MEDIA_TYPE'
 * ```
 */
export class UnsupportedMediaTypeError extends WardenError {
  /** The content type the request declared (empty when it declared none). */
  readonly contentType: string;

  constructor(contentType: string) {
    super(
      'WARDEN_ERR_UNSUPPORTED_MEDIA_TYPE',
      `Unsupported content type ${JSON.stringify(contentType)}: send application/json`,
    );
    this.contentType = contentType;
  }
}

/**
 * An HTTP request body was larger than the server's limit. Status 413; the server stops
 * reading at the limit.
 *
 * @example
 * ```ts
 * (await (await fetch(`${url}/tasks`, hugeBody)).json()).error.code; // 'WARDEN_ERR_REQUEST_TOO_LARGE'
 * ```
 */
export class RequestTooLargeError extends WardenError {
  /** The limit, in bytes. */
  readonly limit: number;

  constructor(limit: number) {
    super('WARDEN_ERR_REQUEST_TOO_LARGE', `Request body is larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * An HTTP request named a path the Warden API does not serve. Status 404.
 *
 * @example
 * ```ts
 * (await (await fetch(`${url}/nope`)).json()).error.code; // 'WARDEN_ERR_ROUTE_NOT_FOUND'
 * ```
 */
export class RouteNotFoundError extends WardenError {
  constructor(method: string, path: string) {
    super('WARDEN_ERR_ROUTE_NOT_FOUND', `No route for ${method} ${path}`);
  }
}

/**
 * An HTTP request used a method its path does not accept. Status 405, with an `Allow` header.
 *
 * @example
 * ```ts
 * (await (await fetch(`${url}/tasks`, { method: 'DELETE' })).json()).error.code; // 'WARDEN_ERR_METHOD_NOT_ALLOWED'
 * ```
 */
export class MethodNotAllowedError extends WardenError {
  /** The methods the path accepts. */
  readonly allowed: readonly string[];

  constructor(method: string, path: string, allowed: readonly string[]) {
    super(
      'WARDEN_ERR_METHOD_NOT_ALLOWED',
      `${path} does not accept ${method}; it accepts ${allowed.join(', ')}`,
    );
    this.allowed = allowed;
  }
}

/**
 * An HTTP request to a server that requires a bearer token had none, or a wrong one. Status
 * 401, with a `WWW-Authenticate: Bearer` header. The probes (`/healthz`, `/readyz`) never ask.
 *
 * @example
 * ```ts
 * (await (await fetch(`${url}/tasks`)).json()).error.code; // 'WARDEN_ERR_UNAUTHORIZED'
 * ```
 */
export class UnauthorizedError extends WardenError {
  constructor(problem: string) {
    super('WARDEN_ERR_UNAUTHORIZED', `Unauthorized: ${problem}`);
  }
}

/**
 * A Warden server was configured to listen on an address other than loopback (`127.0.0.1`,
 * `::1`, `localhost`) without a bearer token. Thrown before anything listens.
 *
 * @example
 * ```ts
 * await startWardenServer({ coordinator, host: '0.0.0.0' }).catch((e) => e.code); // 'WARDEN_ERR_TOKEN_REQUIRED'
 * ```
 */
export class TokenRequiredError extends WardenError {
  /** The address asked for. */
  readonly host: string;

  constructor(host: string) {
    super(
      'WARDEN_ERR_TOKEN_REQUIRED',
      `Listening on ${host} exposes the API beyond this machine: give a bearer token (token option, --token or WARDEN_TOKEN)`,
    );
    this.host = host;
  }
}

/**
 * The `warden` command line was given an unknown command, an unknown flag, a flag without its
 * value or a value it cannot use. The CLI prints the message and its usage, and exits with 2.
 *
 * @example
 * ```ts
 * // $ warden serve --port nope   → exit 2: "--port must be an integer from 0 to 65535, got 'nope'"
 * ```
 */
export class UsageError extends WardenError {
  constructor(problem: string) {
    super('WARDEN_ERR_USAGE', problem);
  }
}

/**
 * A task-definition module given to `warden serve|worker --tasks` could not be found, threw
 * while loading, or does not export task definitions. `modulePath` is the path as resolved.
 *
 * @example
 * ```ts
 * // $ warden serve --tasks ./missing.js   → exit 1: WARDEN_ERR_TASK_MODULE
 * ```
 */
export class TaskModuleError extends WardenError {
  /** The module's resolved path. */
  readonly modulePath: string;

  constructor(modulePath: string, problem: string, cause?: unknown) {
    super('WARDEN_ERR_TASK_MODULE', `Task module ${modulePath}: ${problem}`, { cause });
    this.modulePath = modulePath;
  }
}

/**
 * The `warden` command line could not reach the Warden server it was pointed at (`--url`,
 * `WARDEN_URL`): connection refused, a name that does not resolve, a timeout. `cause` is the
 * network error.
 *
 * @example
 * ```ts
 * // $ warden ls --url http://127.0.0.1:1   → exit 1: WARDEN_ERR_SERVER_UNREACHABLE
 * ```
 */
export class ServerUnreachableError extends WardenError {
  /** The server's URL. */
  readonly url: string;

  constructor(url: string, cause?: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super('WARDEN_ERR_SERVER_UNREACHABLE', `Cannot reach the Warden server at ${url}${detail}`, {
      cause,
    });
    this.url = url;
  }
}

/**
 * An HTTP request hit an error the Warden API did not expect (a bug, a failing dependency
 * without its own code). Status 500; the response says only this, the server's log has the
 * error with its stack.
 *
 * @example
 * ```ts
 * (await res.json()).error.code; // 'WARDEN_ERR_INTERNAL' (with status 500)
 * ```
 */
export class InternalServerError extends WardenError {
  constructor(cause?: unknown) {
    super('WARDEN_ERR_INTERNAL', 'Internal server error; the server logged the details', { cause });
  }
}

/**
 * An HTTP request's `Host` header named a host the Warden server does not answer to: not an IP
 * address, not `localhost`, not the server's own `host` and not in `allowedHosts`. Status 421
 * (Misdirected Request). This is what stops DNS rebinding: a web page whose name was rebound to
 * this machine's address still sends its own name as `Host`.
 *
 * @example
 * ```ts
 * // GET /tasks with "Host: rebound.example:7780" → 421
 * (await res.json()).error.code; // 'WARDEN_ERR_HOST_NOT_ALLOWED'
 * ```
 */
export class HostNotAllowedError extends WardenError {
  /** The `Host` header as the request sent it. */
  readonly host: string;

  constructor(host: string) {
    super(
      'WARDEN_ERR_HOST_NOT_ALLOWED',
      `Host ${JSON.stringify(host)} is not a name this server answers to: add it to allowedHosts (--allowed-host)`,
    );
    this.host = host;
  }
}

/**
 * A browser request from a page of another origin that the server does not trust: its `Origin`
 * is not the server's own (nor one of the `cors` origins), or its `Sec-Fetch-Site` says
 * `cross-site` or `same-site`. Status 403. State-changing requests are always checked; reads
 * are too, except a top-level navigation (a link followed to the dashboard).
 *
 * @example
 * ```ts
 * // POST /tasks/x/cancel with "Origin: https://elsewhere.example" → 403
 * (await res.json()).error.code; // 'WARDEN_ERR_CROSS_SITE_REQUEST'
 * ```
 */
export class CrossSiteRequestError extends WardenError {
  constructor(problem: string) {
    super('WARDEN_ERR_CROSS_SITE_REQUEST', `Cross-site request refused: ${problem}`);
  }
}

/**
 * An HTTP request's header section was larger than the server accepts (Node's
 * `maxHeaderSize`, 16 KiB by default). Status 431; the connection is closed.
 *
 * @example
 * ```ts
 * // a request with a 20 KiB cookie → 431
 * (await res.json()).error.code; // 'WARDEN_ERR_HEADERS_TOO_LARGE'
 * ```
 */
export class HeadersTooLargeError extends WardenError {
  /** The limit, in bytes. */
  readonly limit: number;

  constructor(limit: number) {
    super('WARDEN_ERR_HEADERS_TOO_LARGE', `Request headers are larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * An HTTP request did not arrive in full within the server's limits (Node's `headersTimeout`
 * for the headers, `requestTimeout` for the whole request): a client that sends a byte now and
 * then to hold a connection open. Status 408; the connection is closed.
 *
 * @example
 * ```ts
 * // headers trickled in for longer than headersTimeout → 408
 * (await res.json()).error.code; // 'WARDEN_ERR_REQUEST_TIMEOUT'
 * ```
 */
export class RequestTimeoutError extends WardenError {
  constructor() {
    super(
      'WARDEN_ERR_REQUEST_TIMEOUT',
      'The request did not arrive in full within the time the server allows',
    );
  }
}

/**
 * Turns anything thrown into an `Error`: an `Error` is returned as is, any other value is
 * wrapped in a {@link NonErrorThrownError}.
 *
 * @example
 * ```ts
 * toError(new Error('x')).message; // 'x'
 * toError(42).message; // '42'
 * ```
 */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new NonErrorThrownError(thrown);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? Object.prototype.toString.call(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
