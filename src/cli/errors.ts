/**
 * The errors of the `warden` command line. Their codes are in the one registry, `errorCodes`
 * (errors.ts).
 *
 * @module
 */

import { WardenError } from '../errors.js';

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
