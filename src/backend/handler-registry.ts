/**
 * Handlers by task type, with a single executor as a fallback: the routing every
 * backend that runs tasks in this process shares.
 *
 * @module
 */

import { InvalidArgumentError } from '../errors.js';
import type { HandlerRegistration, TaskExecutor, TaskHandler } from './task-backend.js';

/** Task types (and ids) are at most this many characters. */
export const MAX_TYPE_LENGTH = 128;

// Printable, no whitespace: a type appears in logs, metrics labels and URLs.
const TYPE_PATTERN = /^[^\s\p{C}]+$/u;

/**
 * Throw {@link InvalidArgumentError} unless `type` is a task type: a string of 1–128 characters
 * with no whitespace or control characters.
 *
 * @example
 * ```ts
 * validateTaskType('task.type', 'email.send'); // fine
 * validateTaskType('task.type', ''); // throws InvalidArgumentError
 * ```
 */
export function validateTaskType(argument: string, type: unknown): asserts type is string {
  if (
    typeof type !== 'string' ||
    type.length === 0 ||
    type.length > MAX_TYPE_LENGTH ||
    !TYPE_PATTERN.test(type)
  ) {
    throw new InvalidArgumentError(
      argument,
      `a string of 1–${MAX_TYPE_LENGTH} characters without whitespace or control characters`,
      type,
    );
  }
}

/**
 * What runs a task of some type: its registered handler, or the executor. `viaExecutor` tells
 * which calling convention applies (`handler(payload, ctx)` or `executor(task, ctx)`).
 */
export interface ResolvedHandler {
  readonly fn: TaskHandler | TaskExecutor;
  readonly viaExecutor: boolean;
}

/**
 * Handlers registered by task type, plus an optional executor for every other type.
 *
 * **Invariants.** A type has at most one handler; registering a second one throws rather than
 * silently replacing the first. A registered handler wins over the executor. Resolution happens
 * at submit: a task keeps the handler it was accepted with even if that handler is later
 * unregistered.
 *
 * @example
 * ```ts
 * const registry = new HandlerRegistry();
 * using registration = registry.register('ping', () => 'pong');
 * registry.resolve('ping')?.viaExecutor; // false
 * ```
 */
export class HandlerRegistry {
  private readonly _handlers = new Map<string, ResolvedHandler>();
  private _executor: ResolvedHandler | undefined = undefined;

  /** Register `handler` for `type`; see {@link TaskBackend.register}. */
  register<P>(type: string, handler: TaskHandler<P>): HandlerRegistration {
    validateTaskType('type', type);
    if (typeof handler !== 'function') {
      throw new InvalidArgumentError('handler', 'a function', handler);
    }
    if (this._handlers.has(type)) {
      throw new InvalidArgumentError(
        'type',
        'a task type without a handler (dispose the existing registration first)',
        type,
      );
    }
    const entry: ResolvedHandler = { fn: handler as TaskHandler, viaExecutor: false };
    this._handlers.set(type, entry);
    const dispose = (): void => {
      if (this._handlers.get(type) === entry) this._handlers.delete(type);
    };
    return { dispose, [Symbol.dispose]: dispose };
  }

  /** Set or clear the fallback executor; see {@link TaskBackend.setExecutor}. */
  setExecutor(executor: TaskExecutor | undefined): void {
    if (executor !== undefined && typeof executor !== 'function') {
      throw new InvalidArgumentError('executor', 'a function or undefined', executor);
    }
    this._executor = executor === undefined ? undefined : { fn: executor, viaExecutor: true };
  }

  /** True when `type` has a registered handler (the executor does not count). */
  has(type: string): boolean {
    return this._handlers.has(type);
  }

  /** The registered types, in registration order. */
  types(): string[] {
    return [...this._handlers.keys()];
  }

  /**
   * What runs tasks of `type`: its handler, else the executor, else `undefined`. Does not
   * validate `type`; a type with a handler was validated when it was registered.
   */
  resolve(type: string): ResolvedHandler | undefined {
    return this._handlers.get(type) ?? this._executor;
  }
}
