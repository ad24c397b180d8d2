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
 * rejects with a `CancelledError` that carries the same {@link CancelReason}.
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

/**
 * A public function was called with an argument it cannot accept. Thrown at the call,
 * never later inside a task.
 *
 * @example
 * ```ts
 * scope.spawn('not a function' as never); // throws InvalidArgumentError
 * ```
 */
export class InvalidArgumentError extends WardenError {
  /** The name of the offending argument or option. */
  readonly argument: string;

  constructor(argument: string, expected: string, actual: unknown) {
    super(
      'WARDEN_ERR_INVALID_ARGUMENT',
      `${argument} must be ${expected}; got ${describe(actual)}`,
    );
    this.argument = argument;
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
