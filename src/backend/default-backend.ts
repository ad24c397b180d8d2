/**
 * The process-wide default backend: what code that submits work uses when it is not handed a
 * backend. It starts as a started {@link InlineBackend}.
 *
 * @module
 */

import { InvalidArgumentError } from '../errors.js';
import { InlineBackend } from './inline-backend.js';
import type { TaskBackend } from './task-backend.js';

let current: TaskBackend | undefined;

/**
 * The process-wide default backend. Until {@link setDefaultBackend} is called it is an
 * {@link InlineBackend} named `default`, made and started on first use, so tests and CLIs work
 * with no setup; production sets an `InProcessBackend` (or a durable one) at startup.
 *
 * Not guaranteed: handlers are per backend, so register them on the backend you get here after
 * the default is set (or set it before anything registers).
 *
 * @example
 * ```ts
 * const backend = getDefaultBackend();
 * backend.register('ping', () => {});
 * await backend.submit({ type: 'ping', payload: null }); // ran inline
 * ```
 */
export function getDefaultBackend(): TaskBackend {
  if (current === undefined) {
    const inline = new InlineBackend({ name: 'default' });
    // An inline backend starts synchronously; the promise is already settled.
    void inline.start();
    current = inline;
  }
  return current;
}

/**
 * Replace the process-wide default backend, or with `undefined` go back to a fresh inline one
 * on next use. Returns the backend it replaced (or `undefined` if none was made yet), which the
 * caller may want to shut down. Does not start or shut down anything itself.
 *
 * @example
 * ```ts
 * const backend = new InProcessBackend({ concurrency: 50 });
 * await backend.start();
 * setDefaultBackend(backend);
 * ```
 */
export function setDefaultBackend(backend: TaskBackend | undefined): TaskBackend | undefined {
  if (backend !== undefined && !isBackend(backend)) {
    throw new InvalidArgumentError('backend', 'a TaskBackend or undefined', backend);
  }
  const previous = current;
  current = backend;
  return previous;
}

function isBackend(value: unknown): value is TaskBackend {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['register', 'setExecutor', 'start', 'submit', 'cancel', 'shutdown', 'stats'].every(
    (method) => typeof candidate[method] === 'function',
  );
}
