// The coordinator's task run observers (`coordinator.observe`): told when a task starts and
// ends in this process. One that throws is logged, never allowed to break a run.

import { InvalidArgumentError } from '../../errors.js';
import type { Logger } from '../../observe/logger.js';
import type { TaskRunObserver } from '../coordinator-options.js';

/** @internal The set of observers of one coordinator. */
export class RunObservers {
  private readonly _observers = new Set<TaskRunObserver>();

  constructor(private readonly _logger: Logger) {}

  /** Add `observer`; returns the registration that removes it. */
  add(observer: TaskRunObserver): Disposable & { dispose(): void } {
    if (typeof observer !== 'object' || observer === null) {
      throw new InvalidArgumentError('observer', 'an object with started and/or ended', observer);
    }
    this._observers.add(observer);
    const remove = (): void => {
      this._observers.delete(observer);
    };
    return { dispose: remove, [Symbol.dispose]: remove };
  }

  /** Tell every observer of `what`. */
  notify<K extends keyof TaskRunObserver>(
    what: K,
    run: Parameters<NonNullable<TaskRunObserver[K]>>[0],
  ): void {
    for (const observer of this._observers) {
      try {
        (observer[what] as ((run: unknown) => void) | undefined)?.call(observer, run);
      } catch (error) {
        this._logger.error({ err: error, taskId: run.id }, `task run observer threw on ${what}`);
      }
    }
  }
}
