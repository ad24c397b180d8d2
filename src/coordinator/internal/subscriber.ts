// One subscriber of one task: a bounded queue between the backend's event stream and a client.
// A pump reads the stream (in batches when the backend offers FOLLOW_BATCHES, else through
// `backend.events(id, { after, signal })`) and queues the events; the client takes them with
// `next()`. While it follows live events, the pump reads as fast as the backend yields, and a
// client that lets more than `maxQueued` events pile up is cut off: it still gets what is
// queued, then a final `overflow` event, and the pump stops, so a slow client never holds more
// than `maxQueued + 1` events. While what comes next is already stored (FOLLOW_BATCHES tells:
// the task has ended, or a durable backend is replaying history the subscriber has not caught
// up with), nothing can pile up: it is read only as fast as the client takes it (the pump asks
// for no more than the queue has room for, once the client has taken half of it), so a client
// that keeps up gets the whole history, however long, running task or finished. Every subscriber ends with
// exactly one final event: the task's terminal event, `overflow`, or `shutdown` (also when the
// backend shuts down under it).

import { BackendShutDownError } from '../../backend/errors.js';
import { FOLLOW_BATCHES, isBatchSource } from '../../backend/internal/batch-follow.js';
import type { TaskEvent, TaskEventSource } from '../../backend/task-events.js';
import type { CancelToken } from '../../cancel/cancel-token.js';

/** What a subscriber needs from its coordinator. */
export interface SubscriberHost {
  /** Where events come from. */
  readonly source: TaskEventSource;
  /** The client called `next()` for the first time: the subscriber is live. */
  subscriberStarted(subscriber: Subscriber): void;
  /** A live subscriber has ended (final event queued, or closed): drop it. Called once. */
  subscriberEnded(subscriber: Subscriber): void;
  /** The `shutdown` event that ends a stream whose backend shut down under it. */
  shutdownEvent(taskId: string, lastSeq: number): TaskEvent;
  /**
   * Run a subscriber's pump as a task of the host's scope: cancelling the scope cuts the
   * subscriber off with `shutdown`.
   */
  runPump(pump: (token: CancelToken) => Promise<void>): void;
}

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };
const DONE_PROMISE = Promise.resolve(DONE);
/** Compact the queue array once this many taken slots sit at its front. */
const COMPACT_AT = 1_024;

type Result = IteratorResult<TaskEvent, undefined>;

// Life of a subscriber: idle (nobody called next yet) → pumping → final (the last event is
// queued; the client drains it) → closed (nothing more, references dropped).
const IDLE = 0;
const PUMPING = 1;
const FINAL = 2;
const CLOSED = 3;

/** @internal An `AsyncIterableIterator` over one task's events for one client. */
export class Subscriber implements AsyncIterableIterator<TaskEvent> {
  /** The seq of the last task event queued (what the client resumes from). */
  lastSeq: number;
  private _state = IDLE;
  private _queue: TaskEvent[] = [];
  private _head = 0;
  private _waiting: ((result: Result) => void) | undefined = undefined;
  private _rejectWaiting: ((error: unknown) => void) | undefined = undefined;
  private _pending: Promise<Result> | undefined = undefined;
  private _error: unknown = undefined;
  private _failed = false;
  /** Stops the pump's backend follower. */
  private _stop: (() => void) | undefined = undefined;
  /** The pump waits for the client to make room in the queue (an ended task's history). */
  private _roomWaiter: (() => void) | undefined = undefined;
  private _onAbort: (() => void) | undefined = undefined;

  constructor(
    private readonly _host: SubscriberHost,
    readonly taskId: string,
    after: number,
    private readonly _maxQueued: number,
    private readonly _signal: AbortSignal | undefined,
  ) {
    this.lastSeq = after;
  }

  /** True once the final event is queued or the subscriber was closed. */
  get ended(): boolean {
    return this._state >= FINAL;
  }

  /** Events queued and not yet taken. */
  get queued(): number {
    return this._queue.length - this._head;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<Result> {
    // The hot path first: an event is queued.
    if (this._head < this._queue.length) return Promise.resolve(this._take());
    if (this._state === IDLE) this._begin();
    if (this._failed) {
      this._failed = false;
      this._close();
      return Promise.reject(this._error);
    }
    if (this._state !== PUMPING) {
      this._close();
      return DONE_PROMISE;
    }
    // A second call while one waits is served after the first.
    const pending = this._pending;
    if (pending !== undefined) {
      const after = (): Promise<Result> => this.next();
      return pending.then(after, after);
    }
    const next = new Promise<Result>((resolve, reject) => {
      this._waiting = resolve;
      this._rejectWaiting = reject;
    });
    this._pending = next;
    return next;
  }

  /** The client is gone: stop at once, drop everything. */
  return(): Promise<Result> {
    this._close();
    return DONE_PROMISE;
  }

  /**
   * End the stream with a synthesised final event (`shutdown`): stop the pump; the client gets
   * what is queued, then `event`. Does nothing to a subscriber that has already ended.
   */
  cutOff(makeEvent: (lastSeq: number) => TaskEvent): void {
    if (this._state >= FINAL) return;
    if (this._state === IDLE) {
      // Never iterated: nothing to deliver to, nothing to stop.
      this._close();
      return;
    }
    this._stopPump();
    this._final(makeEvent(this.lastSeq));
  }

  private _begin(): void {
    this._state = PUMPING;
    this._host.subscriberStarted(this);
    const signal = this._signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this._close();
        return;
      }
      this._onAbort = () => this._close();
      signal.addEventListener('abort', this._onAbort, { once: true });
    }
    this._host.runPump((token) => this._pump(token));
  }

  private async _pump(token: CancelToken): Promise<void> {
    // The host's scope cancelled (its shutdown's last step): end like any stream cut off.
    const cancelled = token.onCancel(() =>
      this.cutOff((lastSeq) => this._host.shutdownEvent(this.taskId, lastSeq)),
    );
    try {
      await this._follow();
    } finally {
      cancelled.dispose();
    }
  }

  private async _follow(): Promise<void> {
    try {
      const source = this._host.source;
      if (isBatchSource(source)) {
        // The fast path: a burst of events costs one promise, not one per event, and stopping
        // needs no AbortSignal.
        const follower = source[FOLLOW_BATCHES](this.taskId, this.lastSeq);
        this._stop = () => follower.close();
        // The first batch says whether the task has ended; it is read like stored history.
        let first = true;
        for (;;) {
          let max: number;
          if (first || follower.paced) {
            // The rest of the stream waits in the backend's history: read only what the queue
            // has room for, when it has room for a good part of it.
            await this._room();
            if (this._state !== PUMPING) {
              follower.close();
              return;
            }
            max = this._maxQueued - this.queued;
          } else {
            // Live events: never take more than it takes to see whether this subscriber
            // overflows.
            max = Math.max(1, this._maxQueued - this.queued + 1);
          }
          first = false;
          const batch = await follower.nextBatch(max);
          if (batch === null) break;
          for (const event of batch) {
            if (!this._offer(event)) {
              follower.close();
              return;
            }
          }
        }
      } else {
        const controller = new AbortController();
        this._stop = () => controller.abort();
        const events = source.events(this.taskId, {
          after: this.lastSeq,
          signal: controller.signal,
        });
        const iterator = events[Symbol.asyncIterator]();
        for (;;) {
          const result = await iterator.next();
          if (result.done === true) break;
          if (!this._offer(result.value)) {
            controller.abort();
            await iterator.return?.();
            return;
          }
        }
      }
      // The stream ended without a terminal event: either we stopped it (closed, cut off), or
      // there was nothing after `lastEventId` (it was the terminal event's seq, or later).
      if (this._state === PUMPING) this._end();
    } catch (error) {
      if (this._state !== PUMPING) return;
      if (error instanceof BackendShutDownError) {
        // The backend closed under the stream: it ends like every stream cut off by a shutdown.
        this._final(this._host.shutdownEvent(this.taskId, this.lastSeq));
        return;
      }
      this._state = FINAL;
      this._stop = undefined;
      this._removeAbortListener();
      const reject = this._rejectWaiting;
      this._waiting = undefined;
      this._rejectWaiting = undefined;
      this._pending = undefined;
      if (reject !== undefined && this.queued === 0) {
        this._close();
        reject(error);
      } else {
        this._error = error;
        this._failed = true;
      }
      this._host.subscriberEnded(this);
    }
  }

  /**
   * Resolve once the queue has room for half of `maxQueued` (at once when it has), or the
   * subscriber stops pumping: history is read in pages of at least that many events.
   */
  private _room(): Promise<void> {
    if (this._hasRoom() || this._state !== PUMPING) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this._roomWaiter = resolve;
    });
  }

  private _hasRoom(): boolean {
    return this.queued * 2 <= this._maxQueued;
  }

  /** Let a pump waiting for room go on (the client took events, or the subscriber stopped). */
  private _wakePump(): void {
    const waiter = this._roomWaiter;
    if (waiter === undefined) return;
    this._roomWaiter = undefined;
    waiter();
  }

  /** Take one event from the backend; false once the pump must stop. */
  private _offer(event: TaskEvent): boolean {
    if (this._state !== PUMPING) return false;
    if (this.queued >= this._maxQueued) {
      this._stopPump();
      this._final(overflowEvent(this.taskId, this.lastSeq, this._maxQueued));
      return false;
    }
    this.lastSeq = event.seq;
    if (TERMINAL.has(event.type)) {
      this._final(event);
      return false;
    }
    this._push(event);
    return true;
  }

  /** Queue `event`, or hand it to a waiting `next()`. */
  private _push(event: TaskEvent): void {
    const waiting = this._waiting;
    if (waiting !== undefined) {
      this._waiting = undefined;
      this._rejectWaiting = undefined;
      this._pending = undefined;
      waiting({ value: event, done: false });
      return;
    }
    this._queue.push(event);
  }

  /** Queue the last event; the pump is done. */
  private _final(event: TaskEvent): void {
    this._state = FINAL;
    this._stop = undefined;
    this._wakePump();
    this._removeAbortListener();
    this._push(event);
    this._host.subscriberEnded(this);
  }

  /** The stream is over with nothing more to queue. */
  private _end(): void {
    this._state = FINAL;
    this._stop = undefined;
    this._wakePump();
    this._removeAbortListener();
    const waiting = this._waiting;
    this._waiting = undefined;
    this._rejectWaiting = undefined;
    this._pending = undefined;
    this._host.subscriberEnded(this);
    if (waiting !== undefined) {
      this._close();
      waiting(DONE);
    }
  }

  private _take(): IteratorYieldResult<TaskEvent> {
    const queue = this._queue;
    const head = this._head;
    const event = queue[head] as TaskEvent;
    if (head + 1 === queue.length) {
      // Drained: start over (the common case, as a reader keeps up).
      queue.length = 0;
      this._head = 0;
    } else {
      (queue as Array<TaskEvent | undefined>)[head] = undefined;
      this._head = head + 1;
      if (head >= COMPACT_AT && head * 2 >= queue.length) {
        this._queue = queue.slice(head + 1);
        this._head = 0;
      }
    }
    if (this._roomWaiter !== undefined && this._hasRoom()) this._wakePump();
    return { value: event, done: false };
  }

  private _stopPump(): void {
    const stop = this._stop;
    this._stop = undefined;
    stop?.();
  }

  private _removeAbortListener(): void {
    const onAbort = this._onAbort;
    if (onAbort === undefined) return;
    this._onAbort = undefined;
    this._signal?.removeEventListener('abort', onAbort);
  }

  private _close(): void {
    if (this._state === CLOSED) return;
    const wasLive = this._state === PUMPING;
    this._state = CLOSED;
    this._stopPump();
    this._wakePump();
    this._removeAbortListener();
    this._queue = [];
    this._head = 0;
    this._error = undefined;
    const waiting = this._waiting;
    this._waiting = undefined;
    this._rejectWaiting = undefined;
    this._pending = undefined;
    if (waiting !== undefined) waiting(DONE);
    if (wasLive) this._host.subscriberEnded(this);
  }
}

/** The `overflow` event: the client fell `maxQueued` events behind and was cut off. */
function overflowEvent(taskId: string, lastSeq: number, maxQueued: number): TaskEvent {
  return {
    taskId,
    seq: lastSeq,
    type: 'overflow',
    data: { lastEventId: lastSeq, maxQueuedEvents: maxQueued },
    time: Date.now(),
  };
}

/** An iterator whose first `next()` rejects with `error`. */
export function refused(error: Error): AsyncIterableIterator<TaskEvent> {
  let thrown = false;
  const iterator: AsyncIterableIterator<TaskEvent> = {
    [Symbol.asyncIterator]: () => iterator,
    next: () => {
      if (thrown) return Promise.resolve({ value: undefined, done: true });
      thrown = true;
      return Promise.reject(error);
    },
    return: () => Promise.resolve({ value: undefined, done: true }),
  };
  return iterator;
}
