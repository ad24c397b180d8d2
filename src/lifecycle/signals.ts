/**
 * Signals that stop a process, and the exit codes a forced stop leaves with.
 *
 * @module
 */

import { constants } from 'node:os';
import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';

/** Options for {@link Runtime.installSignalHandlers}. */
export interface SignalHandlerOptions {
  /**
   * The signals that start a graceful shutdown (a second one forces the exit).
   * @default ['SIGTERM', 'SIGINT']
   */
  signals?: readonly NodeJS.Signals[];
}

/**
 * The defaults of {@link SignalHandlerOptions}.
 *
 * @example
 * ```ts
 * runtime.installSignalHandlers({ signals: [...signalHandlerDefaults.signals, 'SIGHUP'] });
 * ```
 */
export const signalHandlerDefaults = {
  signals: ['SIGTERM', 'SIGINT'],
} as const satisfies Required<SignalHandlerOptions>;

const signalHandlerOptionKeys = optionKeys(signalHandlerDefaults) satisfies OptionKeys<
  keyof SignalHandlerOptions
>;

// Signals a process cannot catch, or that Node reserves for itself.
const UNCATCHABLE: ReadonlySet<string> = new Set(['SIGKILL', 'SIGSTOP', 'SIGUSR1']);

/**
 * The exit code of a process stopped by `signal` the way a shell reports it: 128 + the signal's
 * number (`SIGINT` → 130, `SIGTERM` → 143). Used when a second signal forces the exit.
 *
 * @example
 * ```ts
 * signalExitCode('SIGTERM'); // 143
 * ```
 */
export function signalExitCode(signal: NodeJS.Signals): number {
  const number = (constants.signals as Record<string, number | undefined>)[signal];
  if (number === undefined) {
    throw new InvalidArgumentError('signal', 'a signal name from os.constants.signals', signal);
  }
  return 128 + number;
}

/**
 * @internal Check the options of `installSignalHandlers` (or `install`, named by `context`);
 * returns the signals to handle.
 */
export function resolveSignals(
  options: SignalHandlerOptions,
  context: string,
): readonly NodeJS.Signals[] {
  checkOptionKeys(options, signalHandlerOptionKeys, context);
  const signals = options.signals ?? signalHandlerDefaults.signals;
  validateSignals(signals);
  return signals;
}

/** Check a list of signals given to `installSignalHandlers`. */
function validateSignals(signals: unknown): asserts signals is readonly NodeJS.Signals[] {
  if (!Array.isArray(signals) || signals.length === 0) {
    throw new InvalidArgumentError('options.signals', 'a non-empty array of signal names', signals);
  }
  for (const signal of signals) {
    if (
      typeof signal !== 'string' ||
      !Object.hasOwn(constants.signals, signal) ||
      UNCATCHABLE.has(signal)
    ) {
      throw new InvalidArgumentError(
        'options.signals',
        'catchable signal names such as SIGTERM or SIGINT (not SIGKILL, SIGSTOP or SIGUSR1)',
        signal,
      );
    }
  }
}
