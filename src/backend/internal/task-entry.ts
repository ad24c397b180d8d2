// One accepted task inside an in-memory backend, from submit to its end and then, as a finished
// record, until it is forgotten; and the FIFO queue that holds entries waiting for a slot. The
// entry is the owner of the Warden `Task` that runs its handler, so the task's end reaches the
// backend synchronously, with no promise per task. Its events live in an `EventLog` made only
// when the handler emits something or somebody follows the task.

import { CancelReason } from '../../cancel/cancel-reason.js';
import type { CancelToken } from '../../cancel/cancel-token.js';
import type { Task, TaskOwner } from '../../task/task.js';
import type { ResolvedHandler } from '../handler-registry.js';
import type { BackendTask, HandlerContext } from '../task-backend.js';
import type { EventLog } from './event-log.js';

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

/** What an entry reports to. */
export interface EntryHost {
  /** Called exactly once per started entry, after its task's status is final. */
  entryEnded(entry: TaskEntry, task: Task<unknown>): void;
  /** `ctx.emit(type, data)` of the entry's handler (unchecked: the host checks). */
  entryEmitted(entry: TaskEntry, type: unknown, data: unknown): void;
  /** `ctx.progress(value)` of the entry's handler. */
  entryProgressed(entry: TaskEntry, value: unknown): void;
}

/** One accepted task. Fields are public to the backend internals only. */
export class TaskEntry implements TaskOwner {
  /** `QUEUED`, `RUNNING`, or a final state (`SUCCEEDED`, `FAILED`, `CANCELLED`). */
  state: number = QUEUED;
  /** The running task, while it runs. */
  task: Task<unknown> | null = null;
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
    readonly host: EntryHost,
    readonly id: string,
    readonly type: string,
    readonly payload: unknown,
    readonly handler: ResolvedHandler,
    readonly timeout: number | undefined,
    createdAt: number,
  ) {
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

  /** Run the handler with the task's token. Called by the task, once. */
  invoke(token: CancelToken): unknown {
    const ctx = new EntryContext(this, token);
    const handler = this.handler;
    if (handler.viaExecutor) {
      const task: BackendTask = { id: this.id, type: this.type, payload: this.payload };
      return (handler.fn as (task: BackendTask, ctx: HandlerContext) => unknown)(task, ctx);
    }
    return (handler.fn as (payload: unknown, ctx: HandlerContext) => unknown)(this.payload, ctx);
  }

  /** Record how the task ended, at `time` (a clock reading); returns the final state. */
  end(task: Task<unknown>, time: number): number {
    this.task = null;
    this.finishedAt = time;
    const status = task.status;
    if (status === 'succeeded') {
      this.state = SUCCEEDED;
      this.outcome = task._value;
    } else if (status === 'cancelled') {
      this.state = CANCELLED;
      // The task's own token says why (a cancellation error thrown may carry another reason).
      this.outcome = task.token.reason ?? CancelReason.requested('task cancelled');
    } else {
      this.state = FAILED;
      this.outcome = task.error;
    }
    return this.state;
  }

  /** A queued entry leaves without running, cancelled with `reason`, at `time`. */
  drop(reason: CancelReason, time: number): void {
    this.state = CANCELLED;
    this.outcome = reason;
    this.finishedAt = time;
  }

  /** @internal {@link TaskOwner}: the task has ended. */
  taskEnded(task: Task<unknown>): void {
    this.host.entryEnded(this, task);
  }
}

/**
 * The {@link HandlerContext} of one run: one small object per task, with the methods on the
 * prototype (no closures) and the entry in a private field (not copied by a spread).
 */
class EntryContext implements HandlerContext {
  readonly id: string;
  readonly type: string;
  readonly token: CancelToken;
  readonly attempt = 1;
  readonly #entry: TaskEntry;

  constructor(entry: TaskEntry, token: CancelToken) {
    this.id = entry.id;
    this.type = entry.type;
    this.token = token;
    this.#entry = entry;
  }

  emit(type: string, data?: unknown): void {
    const entry = this.#entry;
    entry.host.entryEmitted(entry, type, data);
  }

  progress(value: unknown): void {
    const entry = this.#entry;
    entry.host.entryProgressed(entry, value);
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
