/**
 * How the CLI reports a failure: the exit code, and what goes to stderr. Expected failures (a
 * bad command line, a missing module, a dead database or server, an error answer) are one line
 * with their code; anything else is a bug and gets its stack.
 *
 * @module
 */

import { WardenError } from '../errors.js';
import { UsageError } from './errors.js';
import { ServerResponseError } from './server-error.js';

/** Exit code of a bad command line. */
export const EXIT_USAGE = 2;
/** Exit code of any other failure. */
export const EXIT_FAILURE = 1;

/** System errors of `listen()` that are the environment's, not a bug: say them plainly. */
const LISTEN_ERRORS: ReadonlySet<string> = new Set([
  'EADDRINUSE',
  'EACCES',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
]);

/** A failure, ready to print. */
export interface FailureReport {
  readonly exitCode: number;
  /** The error's code, when it has one worth showing. */
  readonly code: string | undefined;
  readonly message: string;
  /** Expected failures print no stack. */
  readonly expected: boolean;
}

/**
 * Classify `error`: `UsageError` exits 2; every other `WardenError`, a server's error answer and
 * a listen failure exit 1 without a stack; anything else exits 1 with its stack (a bug).
 *
 * @example
 * ```ts
 * reportOf(new UsageError('unknown flag --nope')).exitCode; // 2
 * ```
 */
export function reportOf(error: unknown): FailureReport {
  if (error instanceof UsageError) {
    return { exitCode: EXIT_USAGE, code: error.code, message: error.message, expected: true };
  }
  if (error instanceof WardenError || error instanceof ServerResponseError) {
    return { exitCode: EXIT_FAILURE, code: error.code, message: error.message, expected: true };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === 'string' && LISTEN_ERRORS.has(code)) {
    return { exitCode: EXIT_FAILURE, code, message: error.message, expected: true };
  }
  const message =
    error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return { exitCode: EXIT_FAILURE, code: undefined, message, expected: false };
}
