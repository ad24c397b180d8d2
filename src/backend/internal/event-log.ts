// The handler events of one in-memory task: a ring of at most `maxEventsPerTask` events, the
// latest progress, and the followers waiting for more. `started` and the terminal event are not
// stored here but built from the task's entry when somebody asks (entry-events.ts).

import type { TaskEvent } from '../task-events.js';

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
