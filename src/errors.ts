/**
 * The registry of every error code Warden uses, the base class of its errors, and the errors of
 * the core (tasks, scopes, supervisors, the runtime).
 *
 * Each code (`WARDEN_ERR_…`) never changes meaning and is never reused once retired.
 * `docs/errors.md` lists them; a test keeps the two in step. Every other layer declares its
 * errors beside its code: `CancelledError` in cancel/, the backends' in backend/errors.ts, the
 * coordinator's, Postgres's (exported from `warden/postgres`), HTTP's (`warden/http`) and the
 * command line's in their folders. A caller can always tell cancelled (`CancelledError`) from
 * timed out ({@link TimeoutError}) from failed (anything else) by type or by `code`.
 *
 * @module
 */

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
