/**
 * The backend that runs each task inside `submit`: for tests, CLIs and embedded use.
 *
 * @module
 */

import type { OptionKeys } from '../internal/option-keys.js';
import { type BackendOptions, backendOptionKeys } from './backend-options.js';
import { type BackendKind, MemoryBackend } from './internal/memory-backend.js';
import type { TaskEntry } from './internal/task-entry.js';
import type { SubmitResult } from './task-backend.js';

/** Options for {@link InlineBackend}. */
export interface InlineBackendOptions extends BackendOptions {}

const inlineKind: BackendKind = {
  defaultName: 'inline',
  className: 'InlineBackend',
  optionKeys: backendOptionKeys satisfies OptionKeys<keyof InlineBackendOptions>,
};

/**
 * Runs every task at once, inside `submit` (a synchronous backend): `await
 * backend.submit(task)` resolves with `{ id }` after the handler has ended. The process-wide
 * default backend is one of these, so code that submits work runs it inline in a unit test with
 * no setup.
 *
 * **Invariants.** The handler starts synchronously within the `submit` call (after the task
 * is checked), as a Warden task with its own {@link CancelToken}; `submit` resolves only once
 * it has ended, however it ended: a failure does not reject `submit` (so calling code behaves
 * as it will on the other backends) but is logged with the task's id and type, counted in
 * `stats().failed` and passed to `onError`. There is no concurrency limit and no queue:
 * concurrent submits run concurrently. `cancel(id)` reaches a task that is still running (an
 * async handler awaited by another caller's `submit`).
 *
 * **Cancellation.** `shutdown({ timeout })` refuses new submits at once, waits for the running
 * handlers, and cancels the ones still running after `timeout` with a `shutdown` reason.
 *
 * **Compared with calling the handler yourself:** the same checks as every backend (plain-JSON
 * payload, known type, started), the same failure reporting and the same counters, so a test
 * that passes inline exercises what production will do.
 *
 * **Not guaranteed.** The payload is not copied or round-tripped through JSON: the handler
 * gets the very object that was submitted.
 *
 * @example
 * ```ts
 * const backend = new InlineBackend();
 * const seen: string[] = [];
 * backend.register<{ to: string }>('email.send', (payload) => { seen.push(payload.to); });
 * await backend.start();
 * await backend.submit({ type: 'email.send', payload: { to: 'a@example.com' } });
 * seen; // ['a@example.com']: it has already run
 * ```
 */
export class InlineBackend extends MemoryBackend {
  constructor(options: InlineBackendOptions = {}) {
    super(options, inlineKind);
  }

  protected _accept(entry: TaskEntry): Promise<SubmitResult> {
    const result: SubmitResult = { id: entry.id };
    const ended = new Promise<SubmitResult>((resolve) => {
      entry.onEnd = () => resolve(result);
    });
    this._start(entry);
    return ended;
  }

  protected _admit(): void {}

  protected _unqueue(_entry: TaskEntry): void {}

  protected _takeQueued(): TaskEntry[] {
    return [];
  }

  protected _afterEnd(): void {}
}
