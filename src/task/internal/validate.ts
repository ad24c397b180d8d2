// Argument checks shared by the task primitives: bad input fails at the call, with a code.

import { CancelToken } from '../../cancel/cancel-token.js';
import { InvalidArgumentError } from '../../errors.js';

/** Largest delay Node's timers accept (2^31 - 1 ms); beyond it they fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A duration in milliseconds: finite, ≥ 0 and within what a Node timer can wait. */
export function validateTimeout(argument: string, ms: unknown): asserts ms is number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_TIMER_MS) {
    throw new InvalidArgumentError(
      argument,
      `a finite number of milliseconds from 0 to ${MAX_TIMER_MS}`,
      ms,
    );
  }
}

/** A function. */
export function validateFunction(
  argument: string,
  fn: unknown,
): asserts fn is (...args: never[]) => unknown {
  if (typeof fn !== 'function') throw new InvalidArgumentError(argument, 'a function', fn);
}

/** A {@link CancelToken}, when given. */
export function validateToken(
  argument: string,
  token: unknown,
): asserts token is CancelToken | undefined {
  if (token !== undefined && !(token instanceof CancelToken)) {
    throw new InvalidArgumentError(argument, 'a CancelToken', token);
  }
}
