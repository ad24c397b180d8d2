/**
 * The backend that runs tasks in this process, tracked, with a concurrency limit and a queue.
 *
 * @module
 */

import { InvalidArgumentError } from '../errors.js';
import { type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { type BackendOptions, backendOptionKeys } from './backend-options.js';
import { QueueFullError } from './errors.js';
import { type BackendKind, MemoryBackend } from './internal/memory-backend.js';
import { EntryQueue, type TaskEntry } from './internal/task-entry.js';
import type { SubmitResult } from './task-backend.js';

/** Options for {@link InProcessBackend}. */
export interface InProcessBackendOptions extends BackendOptions {
  /**
   * How many handlers may run at once; further tasks wait in a FIFO queue. An integer ≥ 1, or
   * `Infinity`.
   * @default 100
   */
  concurrency?: number;
  /**
   * How many tasks may wait in the queue; beyond it `submit` rejects with a `QueueFullError`
   * instead of growing memory. An integer ≥ 0 (0: accept only when a slot is free), or
   * `Infinity` for no bound.
   * @default Infinity
   */
  maxQueued?: number;
}

/** The defaults of {@link InProcessBackendOptions} (beyond {@link backendDefaults}). */
export const inProcessDefaults = {
  concurrency: 100,
  maxQueued: Number.POSITIVE_INFINITY,
} as const satisfies InProcessBackendOptions;

const inProcessKind: BackendKind = {
  defaultName: 'in-process',
  className: 'InProcessBackend',
  optionKeys: optionKeys(inProcessDefaults, [...backendOptionKeys]) satisfies OptionKeys<
    keyof InProcessBackendOptions
  >,
};

/**
 * Runs tasks in this process and tracks every one of them (fire and track): `submit` resolves with `{ id }` as soon as the task is accepted;
 * the handler runs later, as a Warden task with its own {@link CancelToken}, at most
 * `concurrency` at a time, in submission order.
 *
 * **Invariants.** A handler never runs inside `submit`'s call stack: a task accepted while a
 * slot is free starts on a later microtask. Every accepted task is in exactly one place (queued,
 * running, or counted as ended), so `stats()` always adds up and a shutdown can name every task
 * it did not finish. The queue is a linked list: O(1) to add, start or cancel a task, however
 * long it is; with `maxQueued` it never holds more than that. A failure is logged with the
 * task's id and type, counted, and passed to `onError`; it never stops the other tasks
 * (Kotlin's `SupervisorJob`, a `Scope` with policy `'isolate'`).
 *
 * **Cancellation and shutdown.** `cancel(id)` removes a queued task, or cancels a running one's
 * token. `shutdown({ timeout })` closes intake at once (`submit` rejects with
 * `BackendShutDownError`), then lets running *and queued* tasks go on for up to `timeout` ms
 * (pass `dropQueued: true` to cancel the queued ones at once instead); at the deadline the
 * still-queued tasks are dropped and the running ones cancelled with a `shutdown` reason, and
 * after up to `grace` ms more it resolves with every one of them named, by id and type, and logs
 * them. Nothing is dropped silently.
 *
 * **Compared with p-queue:** the same concurrency-limited FIFO, plus cancellation tokens, a
 * drain that accounts for every task, plain-JSON tasks that could move to a durable backend,
 * and failures that are reported even when nobody awaits the task.
 *
 * **Not guaranteed.** Nothing survives the process: queued and running tasks are lost in a
 * crash (use the Postgres backend for that). The payload is not copied: do not mutate it after
 * submitting. A handler that ignores its token keeps running after the shutdown gave up on it
 * (it is reported in `abandoned`).
 *
 * @example
 * ```ts
 * const backend = new InProcessBackend({ concurrency: 10, maxQueued: 10_000 });
 * backend.register<{ url: string }>('fetch', async ({ url }, ctx) => {
 *   await fetch(url, { signal: ctx.token.signal });
 * });
 * await backend.start();
 * const { id } = await backend.submit({ type: 'fetch', payload: { url: 'https://example.com' } });
 * const report = await backend.shutdown({ timeout: 5_000 });
 * report.cancelled; // [] when everything finished in time
 * ```
 */
export class InProcessBackend extends MemoryBackend {
  /** How many handlers may run at once. */
  readonly concurrency: number;
  /** How many tasks may wait. */
  readonly maxQueued: number;

  private readonly _queue = new EntryQueue();
  private _pumpScheduled = false;
  private _pumping = false;
  private readonly _pumpTask = (): void => {
    this._pumpScheduled = false;
    this._pump();
  };

  constructor(options: InProcessBackendOptions = {}) {
    super(options, inProcessKind);
    const { concurrency = inProcessDefaults.concurrency, maxQueued = inProcessDefaults.maxQueued } =
      options;
    if (!isCount(concurrency) || concurrency < 1) {
      throw new InvalidArgumentError(
        'options.concurrency',
        'an integer ≥ 1 or Infinity',
        concurrency,
      );
    }
    if (!isCount(maxQueued)) {
      throw new InvalidArgumentError('options.maxQueued', 'an integer ≥ 0 or Infinity', maxQueued);
    }
    this.concurrency = concurrency;
    this.maxQueued = maxQueued;
  }

  protected _admit(): void {
    // Tasks that will take a free slot on the next pump do not count against the bound.
    const free = Math.max(this.concurrency - this._running, 0);
    if (this._queued >= this.maxQueued + free) {
      throw new QueueFullError(this.name, this.maxQueued);
    }
  }

  protected _accept(entry: TaskEntry): Promise<SubmitResult> {
    this._queue.push(entry);
    this._queued++;
    if (!this._pumpScheduled && this._running < this.concurrency) {
      this._pumpScheduled = true;
      queueMicrotask(this._pumpTask);
    }
    return Promise.resolve({ id: entry.id });
  }

  protected _unqueue(entry: TaskEntry): void {
    this._queue.remove(entry);
  }

  protected _takeQueued(): TaskEntry[] {
    const taken: TaskEntry[] = [];
    for (let entry = this._queue.shift(); entry !== null; entry = this._queue.shift()) {
      taken.push(entry);
    }
    return taken;
  }

  protected _afterEnd(): void {
    if (this._queue.size > 0 && !this._pumping) this._pump();
  }

  /** Start queued tasks while slots are free. Re-entrant calls (a task ending inside) return. */
  private _pump(): void {
    if (this._pumping) return;
    this._pumping = true;
    try {
      while (this._running < this.concurrency) {
        const entry = this._queue.shift();
        if (entry === null) break;
        this._queued--;
        this._start(entry);
      }
    } finally {
      this._pumping = false;
    }
  }
}

function isCount(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 0))
  );
}
