// The event stream of one in-memory task. Only what the handler emits is stored (in a ring of at
// most `maxEventsPerTask` events); `started` and the terminal event are built from the entry's
// fields when somebody asks, so a task that emits nothing and has no follower allocates no event.
//
// Sequence numbers: `started` is 1 (absent for a task dropped from the queue), the handler's
// events follow from 2, the terminal event is last. `lastSeq` is derived, never stored.

import { TimeoutError } from '../../errors.js';
import type { SerializedError, TaskEvent } from '../task-events.js';
import { epochMs } from './clock.js';
import { CANCELLED, FAILED, SUCCEEDED, type TaskEntry } from './task-entry.js';

/** A follower blocked until the task's next event. */
export interface EventWaiter {
  /** The event after the one the waiter saw last. */
  wake(event: TaskEvent): void;
}

/** A task's handler events, its latest progress, and the followers waiting for more. */
export class EventLog {
  /** Handler events recorded in all, kept or dropped. */
  emitted = 0;
  /** The latest `progress` value (`hasProgress` tells `undefined` from none). */
  progress: unknown = undefined;
  hasProgress = false;
  /** Followers waiting for the next event. */
  waiting: EventWaiter[] | undefined = undefined;

  private readonly _ring: TaskEvent[] = [];
  /** Index in `_ring` of the oldest kept event, once the ring is full. */
  private _first = 0;

  constructor(private readonly _capacity: number) {}

  /** The seq of the oldest handler event still kept (the next one when none is). */
  get oldestSeq(): number {
    return 2 + this.emitted - this._ring.length;
  }

  /** Keep `event` (seq `emitted + 2`), dropping the oldest when the ring is full. */
  push(event: TaskEvent): void {
    this.emitted++;
    const ring = this._ring;
    if (ring.length < this._capacity) {
      ring.push(event);
    } else {
      ring[this._first] = event;
      this._first = (this._first + 1) % this._capacity;
    }
  }

  /** The kept handler event with `seq`; `seq` must be in `[oldestSeq, emitted + 1]`. */
  at(seq: number): TaskEvent {
    const ring = this._ring;
    const offset = seq - this.oldestSeq;
    return ring[(this._first + offset) % ring.length] as TaskEvent;
  }

  /** Add a waiter (it is dropped once woken). */
  wait(waiter: EventWaiter): void {
    if (this.waiting === undefined) this.waiting = [waiter];
    else this.waiting.push(waiter);
  }

  /** Remove a waiter that gave up. */
  unwait(waiter: EventWaiter): void {
    const waiting = this.waiting;
    if (waiting === undefined) return;
    const index = waiting.indexOf(waiter);
    if (index !== -1) waiting.splice(index, 1);
  }

  /** Hand `event` to every waiter. */
  publish(event: TaskEvent): void {
    const waiting = this.waiting;
    if (waiting === undefined || waiting.length === 0) return;
    this.waiting = undefined;
    for (const waiter of waiting) waiter.wake(event);
  }
}

/** The seq of the entry's latest event, 0 before any. */
export function lastSeq(entry: TaskEntry): number {
  return (
    (entry.startedAt >= 0 ? 1 : 0) + (entry.log?.emitted ?? 0) + (entry.state >= SUCCEEDED ? 1 : 0)
  );
}

/** The first event with `seq > after` still in history, or `undefined` when there is none yet. */
export function eventAfter(entry: TaskEntry, after: number): TaskEvent | undefined {
  const ended = entry.state >= SUCCEEDED;
  // Dropped from the queue: the terminal event is the only one.
  if (entry.startedAt < 0) return ended && after < 1 ? terminalEvent(entry) : undefined;
  if (after < 1) return startedEvent(entry);
  const log = entry.log;
  const emitted = log === undefined ? 0 : log.emitted;
  if (log !== undefined && after < 1 + emitted) return log.at(Math.max(after + 1, log.oldestSeq));
  return ended && after < 2 + emitted ? terminalEvent(entry) : undefined;
}

/** The entry's `started` event (seq 1). */
export function startedEvent(entry: TaskEntry): TaskEvent {
  return {
    taskId: entry.id,
    seq: 1,
    type: 'started',
    data: { attempt: 1 },
    time: epochMs(entry.startedAt),
  };
}

/** The entry's terminal event; the entry must have ended. */
export function terminalEvent(entry: TaskEntry): TaskEvent {
  return {
    taskId: entry.id,
    seq: lastSeq(entry),
    type: TERMINAL_TYPES[entry.state - SUCCEEDED] as string,
    data: terminalData(entry),
    time: epochMs(entry.finishedAt),
  };
}

const TERMINAL_TYPES = ['completed', 'failed', 'cancelled'] as const;

function terminalData(entry: TaskEntry): unknown {
  switch (entry.state) {
    case SUCCEEDED:
      return { result: entry.outcome === undefined ? null : entry.outcome };
    case FAILED: {
      const error = entry.outcome as Error;
      return { error: serializeError(error), timeout: error instanceof TimeoutError, attempt: 1 };
    }
    case CANCELLED: {
      const { kind, message } = entry.cancelReason;
      return { reason: { kind, message } };
    }
    default:
      throw new Error(`internal: entry ${entry.id} has not ended`);
  }
}

/** An error as plain JSON: name, message and, when it has one, its string `code`. */
export function serializeError(error: Error): SerializedError {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string'
    ? { name: error.name, message: error.message, code }
    : { name: error.name, message: error.message };
}
