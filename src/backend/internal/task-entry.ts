// One accepted task inside an in-memory backend, from submit to its end and then, as a finished
// record, until it is forgotten; and the FIFO queue that holds entries waiting for a slot. The
// entry is the task's one attempt: the backend's executor runs it, and tells the backend of its
// end synchronously, with no promise per task. Its events live in an `EventLog` made only when
// the handler emits something or somebody follows the task.

import type { CancelReason } from '../../cancel/cancel-reason.js';
import type { ResolvedHandler } from '../handler-registry.js';
import { Attempt, type AttemptHost } from './attempt.js';
import type { EventLog } from './event-log.js';
import type { AttemptEnd } from './executor.js';

/** Accepted, waiting in the queue. */
export const QUEUED = 0;
/** Its handler is running. */
export const RUNNING = 1;
/** Ended by returning: `outcome` is the value. States from here on are final. */
export const SUCCEEDED = 2;
/** Ended by failing: `outcome` is the `Error`. */
export const FAILED = 3;
/** Ended by cancellation, or dropped from the queue: `outcome` is the `CancelReason`. */
export const CANCELLED = 4;

/** One accepted task (its one attempt). Fields are public to the backend internals only. */
export class TaskEntry extends Attempt {
  /** `QUEUED`, `RUNNING`, or a final state (`SUCCEEDED`, `FAILED`, `CANCELLED`). */
  state: number = QUEUED;
  /** Links in the run queue while queued, in the finished list once ended. */
  prev: TaskEntry | null = null;
  next: TaskEntry | null = null;
  /** Links in the list of every record, in submission order (for `listTasks`). */
  older: TaskEntry | null = null;
  newer: TaskEntry | null = null;
  /** Called after the entry ended (the inline backend resolves `submit` with it). */
  onEnd: (() => void) | undefined = undefined;
  /** Clock readings (see clock.ts); `startedAt` and `finishedAt` are -1 until then. */
  readonly createdAt: number;
  startedAt = -1;
  finishedAt = -1;
  /** The handler's value, the failure's `Error` or the cancellation's `CancelReason`. */
  outcome: unknown = undefined;
  /** Handler events, the latest progress and waiting followers; made on first need. */
  log: EventLog | undefined = undefined;

  constructor(
    host: AttemptHost<TaskEntry>,
    id: string,
    type: string,
    payload: unknown,
    handler: ResolvedHandler,
    timeout: number | undefined,
    createdAt: number,
  ) {
    super(host, id, type, payload, handler, timeout, 1);
    this.createdAt = createdAt;
  }

  /** True once the entry is in a final state. */
  get ended(): boolean {
    return this.state >= SUCCEEDED;
  }

  /** The reason of a cancelled entry. */
  get cancelReason(): CancelReason {
    return this.outcome as CancelReason;
  }

  /** Record how the attempt ended, at `time` (a clock reading); returns the final state. */
  end(end: AttemptEnd, time: number): number {
    this.finishedAt = time;
    if (end.status === 'succeeded') {
      this.state = SUCCEEDED;
      this.outcome = end.value;
    } else if (end.status === 'cancelled') {
      this.state = CANCELLED;
      this.outcome = end.reason;
    } else if (end.status === 'failed') {
      this.state = FAILED;
      this.outcome = end.error;
    } else {
      throw new Error('an in-memory task is never handed back');
    }
    return this.state;
  }

  /** A queued entry leaves without running, cancelled with `reason`, at `time`. */
  drop(reason: CancelReason, time: number): void {
    this.state = CANCELLED;
    this.outcome = reason;
    this.finishedAt = time;
  }
}

/**
 * A FIFO of entries linked through their own `prev`/`next`: O(1) push, shift and removal from
 * the middle (a cancelled queued task leaves at once, so the queue never holds dead entries),
 * and no array that grows or shifts.
 */
export class EntryQueue {
  private _head: TaskEntry | null = null;
  private _tail: TaskEntry | null = null;
  private _size = 0;

  /** Entries in the queue. */
  get size(): number {
    return this._size;
  }

  /** Append `entry` at the tail. */
  push(entry: TaskEntry): void {
    const tail = this._tail;
    if (tail === null) this._head = entry;
    else {
      tail.next = entry;
      entry.prev = tail;
    }
    this._tail = entry;
    this._size++;
  }

  /** Remove and return the head, or `null` when empty. */
  shift(): TaskEntry | null {
    const head = this._head;
    if (head === null) return null;
    const next = head.next;
    this._head = next;
    if (next === null) this._tail = null;
    else next.prev = null;
    head.next = null;
    this._size--;
    return head;
  }

  /** Unlink `entry`, which must be in this queue. */
  remove(entry: TaskEntry): void {
    const { prev, next } = entry;
    if (prev === null) this._head = next;
    else prev.next = next;
    if (next === null) this._tail = prev;
    else next.prev = prev;
    entry.prev = null;
    entry.next = null;
    this._size--;
  }
}
