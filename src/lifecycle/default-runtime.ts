/**
 * The process-wide {@link Runtime}.
 *
 * @module
 */

import { InvalidArgumentError } from '../errors.js';
import { Runtime } from './runtime.js';

let current: Runtime | undefined;

/**
 * The process-wide runtime, created with default options on first use. It installs no signal or
 * crash handlers by itself: call `getDefaultRuntime().install()` once, in the program's entry
 * point.
 *
 * @example
 * ```ts
 * const runtime = getDefaultRuntime();
 * runtime.install();
 * runtime.onShutdown('db', () => pool.end());
 * ```
 */
export function getDefaultRuntime(): Runtime {
  if (current === undefined) current = new Runtime({ name: 'default' });
  return current;
}

/**
 * Replace the process-wide runtime (configure it before anything uses the default one; later
 * calls to {@link getDefaultRuntime} return this one). The runtime it replaces is left as is:
 * shut it down yourself if it was used.
 *
 * @example
 * ```ts
 * setDefaultRuntime(new Runtime({ logger: pino(), deadlineMs: 20_000, readinessDelayMs: 5_000 }));
 * ```
 */
export function setDefaultRuntime(runtime: Runtime): void {
  if (!(runtime instanceof Runtime)) {
    throw new InvalidArgumentError('runtime', 'a Runtime', runtime);
  }
  current = runtime;
}
