// One follower of one in-memory task: the iterator behind `events(id, { after, signal })`.
// A follower is a cursor (the seq it saw last) into the task's history, not a queue: it reads
// from the history while it is behind, and waits in the task's log only once it has caught up.
// A follower that falls behind by more than the history holds skips to the oldest kept event,
// so followers never cost the backend more memory than the history itself.

import { InvalidArgumentError } from '../../errors.js';
import { checkOptionKeys } from '../../internal/option-keys.js';
import { UnknownTaskError } from '../errors.js';
import type { FollowOptions, TaskEvent } from '../task-events.js';
import type { BatchFollower } from './batch-follow.js';
import { eventAfter } from './entry-events.js';
import { EventLog, type EventWaiter } from './event-log.js';
import { SUCCEEDED, type TaskEntry } from './task-entry.js';
import { followOptionKeys } from './validate-task.js';

/** What a follower needs from its backend. */
export interface FollowHost {
  readonly name: string;
  /** The record with this id, if the backend still holds it. */
  lookup(id: string): TaskEntry | undefined;
  /** The capacity of a new event log. */
  readonly maxEventsPerTask: number;
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };
const DONE_PROMISE = Promise.resolve(DONE);
const TERMINAL_TYPES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

type Resolve = (result: IteratorResult<TaskEvent, undefined>) => void;

/**
 * Check the arguments of `events(id, options)` (`context` names the call); throws
 * `InvalidArgumentError`.
 */
export function checkFollow(
  id: unknown,
  options: FollowOptions,
  context: string,
): { after: number; signal: AbortSignal | undefined } {
  if (typeof id !== 'string') throw new InvalidArgumentError('id', 'a string', id);
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, followOptionKeys, context);
  const { after = 0, signal } = options;
  if (!Number.isInteger(after) || after < 0) {
    throw new InvalidArgumentError('options.after', 'an integer ≥ 0', after);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('options.signal', 'an AbortSignal', signal);
  }
  return { after, signal };
}

/** @internal An `AsyncIterableIterator` over a task's events; see `TaskEventSource.events`. */
export class Follower implements AsyncIterableIterator<TaskEvent>, BatchFollower, EventWaiter {
  private _entry: TaskEntry | undefined = undefined;
  private _cursor: number;
  private _done = false;
  private _resolve: Resolve | undefined = undefined;
  private _pending: Promise<IteratorResult<TaskEvent, undefined>> | undefined = undefined;
  private _onAbort: (() => void) | undefined = undefined;
  /** A waiting batch read: resolved (with nothing) when the next event is recorded. */
  private _ready: (() => void) | undefined = undefined;
  private _taskEnded = false;

  constructor(
    private readonly _host: FollowHost,
    private readonly _id: string,
    after: number,
    private readonly _signal: AbortSignal | undefined,
  ) {
    this._cursor = after;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<TaskEvent, undefined>> {
    if (this._done) return DONE_PROMISE;
    // A second call while one waits: serve it after the first (the protocol allows both).
    if (this._pending !== undefined) return this._pending.then(() => this.next());
    let entry = this._entry;
    if (entry === undefined) {
      try {
        entry = this._attach();
      } catch (error) {
        return Promise.reject(error);
      }
      if (entry === undefined) return DONE_PROMISE;
    }
    const event = eventAfter(entry, this._cursor);
    if (event !== undefined) return Promise.resolve(this._deliver(event));
    if (entry.state >= SUCCEEDED) {
      // Ended, and the terminal event was seen (or is older than `after`).
      this._finish();
      return DONE_PROMISE;
    }
    if (entry.log === undefined) entry.log = new EventLog(this._host.maxEventsPerTask);
    entry.log.wait(this);
    this._pending = new Promise((resolve) => {
      this._resolve = resolve;
    });
    return this._pending;
  }

  /** @internal {@link BatchFollower}: every event available now (1 to `max`), or `null` at the end. */
  nextBatch(max: number): Promise<TaskEvent[] | null> {
    let batch: TaskEvent[] | null | undefined;
    try {
      batch = this._takeBatch(max);
    } catch (error) {
      return Promise.reject(error);
    }
    if (batch !== undefined) return Promise.resolve(batch);
    // Caught up: wait for the next event, then read everything recorded by then (a burst of
    // synchronous emits arrives as one batch).
    const entry = this._entry as TaskEntry;
    if (entry.log === undefined) entry.log = new EventLog(this._host.maxEventsPerTask);
    entry.log.wait(this);
    return new Promise<void>((resolve) => {
      this._ready = resolve;
    }).then(() => (this._done && this._entry === undefined ? null : this.nextBatch(max)));
  }

  /**
   * @internal {@link BatchFollower}: the task had ended at the last batch read. (A running
   * task's history here is bounded and drops its oldest events: it is never read at leisure.)
   */
  get paced(): boolean {
    return this._taskEnded;
  }

  /** @internal {@link BatchFollower}: stop following. */
  close(): void {
    this._close();
  }

  /** Stop following: a pending `next()` resolves done, and so does every later one. */
  return(): Promise<IteratorResult<TaskEvent, undefined>> {
    this._close();
    return DONE_PROMISE;
  }

  /** @internal {@link EventWaiter}: the task recorded its next event. */
  wake(event: TaskEvent): void {
    const ready = this._ready;
    if (ready !== undefined) {
      this._ready = undefined;
      ready();
      return;
    }
    const resolve = this._resolve;
    this._resolve = undefined;
    this._pending = undefined;
    if (resolve !== undefined) resolve(this._deliver(event));
  }

  /**
   * Look the task up on first use. `undefined` when the signal has already aborted; throws
   * `UnknownTaskError` for an id the backend does not hold.
   */
  private _attach(): TaskEntry | undefined {
    if (this._signal?.aborted === true) {
      this._done = true;
      return undefined;
    }
    const entry = this._host.lookup(this._id);
    if (entry === undefined) {
      this._done = true;
      throw new UnknownTaskError(this._host.name, this._id);
    }
    this._entry = entry;
    this._listen();
    return entry;
  }

  /** Events available now (up to `max`); `null` at the end; `undefined` when caught up. */
  private _takeBatch(max: number): TaskEvent[] | null | undefined {
    if (this._done) return null;
    let entry = this._entry;
    if (entry === undefined) {
      entry = this._attach();
      if (entry === undefined) return null;
    }
    // Once ended, the history holds the rest of the stream and nothing is added to it.
    if (entry.state >= SUCCEEDED) this._taskEnded = true;
    let batch: TaskEvent[] | undefined;
    let cursor = this._cursor;
    while (batch === undefined || batch.length < max) {
      const event = eventAfter(entry, cursor);
      if (event === undefined) break;
      cursor = event.seq;
      if (batch === undefined) batch = [event];
      else batch.push(event);
      if (TERMINAL_TYPES.has(event.type)) {
        this._finish();
        break;
      }
    }
    this._cursor = cursor;
    if (batch !== undefined) return batch;
    if (entry.state >= SUCCEEDED) {
      this._finish();
      return null;
    }
    return undefined;
  }

  private _deliver(event: TaskEvent): IteratorYieldResult<TaskEvent> {
    this._cursor = event.seq;
    if (TERMINAL_TYPES.has(event.type)) this._finish();
    return { value: event, done: false };
  }

  private _listen(): void {
    const signal = this._signal;
    if (signal === undefined) return;
    this._onAbort = () => this._close();
    signal.addEventListener('abort', this._onAbort, { once: true });
  }

  private _close(): void {
    if (this._done) return;
    this._entry?.log?.unwait(this);
    const resolve = this._resolve;
    this._resolve = undefined;
    this._pending = undefined;
    const ready = this._ready;
    this._ready = undefined;
    this._finish();
    if (resolve !== undefined) resolve(DONE);
    if (ready !== undefined) ready();
  }

  /** No more events: drop the entry and the abort listener. */
  private _finish(): void {
    this._done = true;
    this._entry = undefined;
    const onAbort = this._onAbort;
    if (onAbort !== undefined) {
      this._onAbort = undefined;
      this._signal?.removeEventListener('abort', onAbort);
    }
  }
}
