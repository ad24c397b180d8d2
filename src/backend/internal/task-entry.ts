// One accepted task inside an in-memory backend, from submit to its end; and the FIFO queue
// that holds entries waiting for a slot. The entry is the owner of the Warden `Task` that runs
// its handler, so the task's end reaches the backend synchronously, with no promise per task.

import type { CancelToken } from '../../cancel/cancel-token.js';
import type { Task, TaskOwner } from '../../task/task.js';
import type { ResolvedHandler } from '../handler-registry.js';
import type { BackendTask, HandlerContext } from '../task-backend.js';

/** Accepted, waiting in the queue. */
export const QUEUED = 0;
/** Its handler is running. */
export const RUNNING = 1;
/** Ended (or removed from the queue). */
export const ENDED = 2;

/** What an entry reports its task's end to. */
export interface EntryHost {
  /** Called exactly once per started entry, after its task's status is final. */
  entryEnded(entry: TaskEntry, task: Task<unknown>): void;
}

/** One accepted task. Fields are public to the backend internals only. */
export class TaskEntry implements TaskOwner {
  /** `QUEUED`, `RUNNING` or `ENDED`. */
  state: number = QUEUED;
  /** The running task, once started. */
  task: Task<unknown> | null = null;
  /** Queue links. */
  prev: TaskEntry | null = null;
  next: TaskEntry | null = null;
  /** Called after the entry ended (the inline backend resolves `submit` with it). */
  onEnd: (() => void) | undefined = undefined;

  constructor(
    readonly host: EntryHost,
    readonly id: string,
    readonly type: string,
    readonly payload: unknown,
    readonly handler: ResolvedHandler,
    readonly timeout: number | undefined,
  ) {}

  /** Run the handler with the task's token. Called by the task, once. */
  invoke(token: CancelToken): unknown {
    // TODO(events): record emit/progress in the backend's event history.
    const ctx: HandlerContext = {
      id: this.id,
      type: this.type,
      token,
      attempt: 1,
      emit: () => {},
      progress: () => {},
    };
    const handler = this.handler;
    if (handler.viaExecutor) {
      const task: BackendTask = { id: this.id, type: this.type, payload: this.payload };
      return (handler.fn as (task: BackendTask, ctx: HandlerContext) => unknown)(task, ctx);
    }
    return (handler.fn as (payload: unknown, ctx: HandlerContext) => unknown)(this.payload, ctx);
  }

  /** @internal {@link TaskOwner}: the task has ended. */
  taskEnded(task: Task<unknown>): void {
    this.host.entryEnded(this, task);
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
