// One follower of one task on the Postgres backend: first it replays the stored events after its
// own position, reading only as many as its consumer asks for (`nextBatch(max)`: a page is at
// most `max` events, so a reader that takes events slowly is never read ahead of); once a read
// finds nothing more it has caught up, and joins its task's live feed (task-feed.ts), which
// reads new events once for every live member. A live member whose consumer stops taking what
// the feed hands it holds at most a page of them, then lets them go and reads history on its
// own again from the last event it delivered (nothing is lost: the events are stored).

import { BackendShutDownError, UnknownTaskError } from '../../backend/errors.js';
import type { BatchFollower } from '../../backend/internal/batch-follow.js';
import type { TaskEvent } from '../../backend/task-events.js';
import { isConnectionError } from '../driver.js';
import { type EventPage, PAGE, retryDelay, TERMINAL_TYPES } from './event-page.js';
import type { LiveMember, TaskFeed } from './task-feed.js';

type Waiter = {
  readonly max: number;
  readonly resolve: (batch: TaskEvent[] | null) => void;
  readonly reject: (error: unknown) => void;
};

/** @internal A {@link BatchFollower} of one task; see `TaskEventSource.events`. */
export class FeedMember implements BatchFollower, LiveMember {
  /** The seq of the last event this member holds (delivered or waiting in its buffer). */
  last: number;
  /** The seq of the last event `nextBatch` resolved with. */
  private _delivered: number;
  private _taskEnded = false;
  private _live = false;
  /** Live events handed over by the feed, not yet taken. */
  private _buffer: TaskEvent[] = [];
  /** The stream is over once the buffer is drained (terminal event held, or nothing to come). */
  private _over = false;
  private _closed = false;
  private _error: unknown = undefined;
  private _failed = false;
  private _waiter: Waiter | undefined = undefined;
  private _backoff = 0;
  /** Ends a wait before retrying a read early (closed). */
  private _pause: { timer: NodeJS.Timeout; done: () => void } | undefined = undefined;

  constructor(
    private readonly _feed: TaskFeed,
    after: number,
  ) {
    this.last = after;
    this._delivered = after;
    _feed.join(this);
  }

  /**
   * @internal {@link BatchFollower}: the last history read found the task ended, or this member
   * is still reading stored history (not live in the feed yet, or again after falling behind).
   */
  get paced(): boolean {
    return this._taskEnded || !this._live;
  }

  /** @internal {@link BatchFollower}. */
  nextBatch(max: number): Promise<TaskEvent[] | null> {
    if (this._buffer.length > 0) return Promise.resolve(this._take(max));
    if (this._failed) {
      const error = this._error;
      this.close();
      return Promise.reject(error);
    }
    if (this._over || this._closed) {
      this.close();
      return Promise.resolve(null);
    }
    if (this._feed.closed) {
      this.close();
      return Promise.reject(new BackendShutDownError(this._feed.backendName));
    }
    if (this._live) {
      return new Promise((resolve, reject) => {
        this._waiter = { max, resolve, reject };
      });
    }
    return this._replay(max).catch((error: unknown) => {
      this.close();
      throw error;
    });
  }

  /** @internal {@link BatchFollower}: stop following; a pending `nextBatch` resolves `null`. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._live = false;
    this._buffer = [];
    this._feed.leave(this);
    this._pause?.done();
    const waiter = this._waiter;
    this._waiter = undefined;
    waiter?.resolve(null);
  }

  /** @internal The feed read `events` (in order, from its cursor): take what is new. */
  feed(events: readonly TaskEvent[]): void {
    if (!this._live) return;
    let from = 0;
    while (from < events.length && (events[from] as TaskEvent).seq <= this.last) from++;
    const first = events[from];
    if (first === undefined) return;
    if (this._buffer.length + events.length - from > PAGE) {
      // Its consumer is not taking them: let them go, and read history when it asks again.
      this._fallBack();
      return;
    }
    for (let i = from; i < events.length; i++) this._buffer.push(events[i] as TaskEvent);
    const last = events.at(-1) as TaskEvent;
    this.last = last.seq;
    if (TERMINAL_TYPES.has(last.type)) this._over = true;
    this._serveWaiter();
  }

  /** @internal The feed's stream is over (it has handed this member its last event). */
  streamOver(): void {
    this._live = false;
    this._over = true;
    this._serveWaiter();
  }

  /** @internal The feed's read failed for good: so does this member, once it is drained. */
  fail(error: unknown): void {
    this._live = false;
    this._failed = true;
    this._error = error;
    this._serveWaiter();
  }

  /** @internal The backend closed its followers. */
  shutDown(): void {
    if (this._closed) return;
    this.fail(new BackendShutDownError(this._feed.backendName));
    this._pause?.done();
  }

  /** Read the next page of history after `last`, at most `max` events (one call at a time). */
  private async _replay(max: number): Promise<TaskEvent[] | null> {
    const feed = this._feed;
    for (;;) {
      if (this._closed) return null;
      if (feed.closed) throw new BackendShutDownError(feed.backendName);
      const limit = Math.max(1, Math.min(max, PAGE));
      let page: EventPage | undefined;
      try {
        page = await feed.read(this.last, limit);
        this._backoff = 0;
      } catch (error) {
        if (this._closed) return null;
        if (feed.closed) throw new BackendShutDownError(feed.backendName);
        if (!isConnectionError(error)) throw error;
        this._backoff = retryDelay(this._backoff);
        await this._wait(this._backoff);
        continue;
      }
      if (this._closed) return null;
      if (page === undefined) throw new UnknownTaskError(feed.backendName, feed.id);
      const { events } = page;
      this.last = page.through;
      if (page.ended) this._taskEnded = true;
      const last = events.at(-1);
      if (last === undefined) {
        // Resumed at (or past) the terminal event of an ended task: nothing to follow.
        if (page.ended) {
          this.close();
          return null;
        }
        if (this._join()) return this.nextBatch(max);
        continue; // The feed is ahead of this member: read up to it.
      }
      this._delivered = last.seq;
      if (TERMINAL_TYPES.has(last.type)) this._over = true;
      // Everything stored, read: live from here on (if the feed is ahead, the next call reads).
      else if (page.complete) this._join();
      return events;
    }
  }

  private _join(): boolean {
    this._live = this._feed.attach(this);
    return this._live;
  }

  private _take(max: number): TaskEvent[] {
    const buffer = this._buffer;
    let batch: TaskEvent[];
    if (buffer.length <= max) {
      batch = buffer;
      this._buffer = [];
    } else {
      batch = buffer.splice(0, max);
    }
    this._delivered = (batch.at(-1) as TaskEvent).seq;
    if (this._over && this._buffer.length === 0) {
      // The terminal event goes out now: nothing more to follow.
      this._live = false;
      this._feed.leave(this);
    }
    return batch;
  }

  /** Resolve a waiting `nextBatch` with what the member now holds (or how it ended). */
  private _serveWaiter(): void {
    const waiter = this._waiter;
    if (waiter === undefined) return;
    this._waiter = undefined;
    if (this._buffer.length > 0) waiter.resolve(this._take(waiter.max));
    else if (this._failed) {
      const error = this._error;
      this.close();
      waiter.reject(error);
    } else if (this._over) {
      this.close();
      waiter.resolve(null);
    } else if (!this._live) {
      // Fell back to history: read it for the waiting call.
      this._replay(waiter.max).then(waiter.resolve, (error: unknown) => {
        this.close();
        waiter.reject(error);
      });
    }
  }

  /** Let the buffered live events go and read history from the last one delivered. */
  private _fallBack(): void {
    this._live = false;
    this._feed.detach(this);
    this._buffer = [];
    this._over = false;
    this.last = this._delivered;
    this._serveWaiter();
  }

  /** Wait `ms` before reading again; ends early when the member closes or the backend does. */
  private _wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(this._pause?.timer);
        this._pause = undefined;
        resolve();
      };
      this._pause = { timer: setTimeout(done, ms), done };
    });
  }
}
