// The live feed of one task in this process: every follower of the task (each `events(id)`
// iterator, each coordinator subscriber) that has caught up with it is a *live member* of its
// feed, and the feed reads what is new once for all of them and hands each member the events
// after its own position. What wakes it is the NOTIFY the backend already listens to (and the
// followers' shared poll); so a thousand streams of one task cost one read per NOTIFY, and
// idle streams cost nothing but the poll.
//
// Gapless by construction: every live member holds every event up to `head` (a member joins
// only at or past it, and takes only what is past its own position), and each read starts
// where the last one ended. A member still replaying history reads by itself, as much as its
// consumer asks for (feed-member.ts); a member that leaves takes nothing from the others.

import { UnknownTaskError } from '../../backend/errors.js';
import type { TaskEvent } from '../../backend/task-events.js';
import { isConnectionError } from '../driver.js';
import {
  type EventPage,
  type EventReader,
  PAGE,
  readEventPage,
  retryDelay,
  TERMINAL_TYPES,
} from './event-page.js';

/** What the feed asks of a member (feed-member.ts). */
export interface LiveMember {
  /** The seq of the last event the member holds. */
  readonly last: number;
  /** The feed read `events` (in order, from its cursor): take what is new. */
  feed(events: readonly TaskEvent[]): void;
  /** The feed has handed the member its last event. */
  streamOver(): void;
  /** The feed's read failed for good. */
  fail(error: unknown): void;
  /** The backend closed its followers. */
  shutDown(): void;
}

/** What a feed needs from the followers of its process. */
export interface FeedHost extends EventReader {
  /** The backend's name, for errors. */
  readonly backendName: string;
  /** True once the backend has closed its followers. */
  readonly closed: boolean;
  /** The feed has live members now: make sure the poll runs. */
  feedLive(feed: TaskFeed): void;
  /** The feed has no members left, or its stream is over: forget it. */
  feedDone(feed: TaskFeed): void;
}

/** One task's shared live read. */
export class TaskFeed {
  /** Every live member has every event up to this seq (the last one the feed handed out). */
  head = 0;
  /** The next read starts after this seq (`head`, or past seqs that were never written). */
  private _cursor = 0;
  private readonly _members = new Set<LiveMember>();
  private readonly _live = new Set<LiveMember>();
  /** Something may be new since the last read began (a NOTIFY, the poll). */
  private _dirty = false;
  private _reading = false;
  private _ended = false;
  private _backoff = 0;
  private _retry: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly _host: FeedHost,
    /** The task. */
    readonly id: string,
  ) {}

  /** The backend's name, for errors. */
  get backendName(): string {
    return this._host.backendName;
  }

  /** True once the backend has closed its followers. */
  get closed(): boolean {
    return this._host.closed;
  }

  /** The seq the next read starts after (the poll compares the task's latest seq with it). */
  get cursor(): number {
    return this._cursor;
  }

  /** True while some member is live (the feed reads, and is polled). */
  get live(): boolean {
    return this._live.size > 0 && !this._ended;
  }

  /** Read task events after `after` for a member replaying on its own. */
  read(after: number, limit: number): Promise<EventPage | undefined> {
    return readEventPage(this._host, this.id, after, limit);
  }

  /** A member of this task's followers, replaying or live. */
  join(member: LiveMember): void {
    this._members.add(member);
  }

  /** A member has gone (closed, or its stream is over). */
  leave(member: LiveMember): void {
    this._members.delete(member);
    this._live.delete(member);
    if (this._members.size === 0) this._stop();
  }

  /**
   * Make `member` (which has every event up to `member.last`) live. False when it must read on
   * by itself first: the feed is ahead of it, or over.
   */
  attach(member: LiveMember): boolean {
    if (this._ended || this.closed) return false;
    if (this._live.size === 0 && !this._reading) {
      // Nobody depends on `head`: the feed goes on from this member.
      this.head = member.last;
      this._cursor = member.last;
    } else if (member.last < this.head) {
      return false;
    }
    this._live.add(member);
    this._host.feedLive(this);
    // A NOTIFY that came while nobody was live (this member's own read, say) is not lost.
    if (this._dirty) this._readSoon();
    return true;
  }

  /** `member` reads history on its own again (it stopped taking what it was handed). */
  detach(member: LiveMember): void {
    this._live.delete(member);
  }

  /** New events may be stored (a NOTIFY named this task, the poll saw its seq move). */
  wake(): void {
    if (this._ended) return;
    this._dirty = true;
    if (this._live.size > 0) this._readSoon();
  }

  /** The backend closed its followers: every member ends with `BackendShutDownError`. */
  close(): void {
    this._stop();
    for (const member of [...this._members]) member.shutDown();
  }

  private _readSoon(): void {
    if (this._reading || this._retry !== undefined) return;
    void this._read();
  }

  private async _read(): Promise<void> {
    this._reading = true;
    try {
      while (this._dirty && this._live.size > 0 && !this._ended && !this.closed) {
        this._dirty = false;
        const after = this._cursor;
        let page: EventPage | undefined;
        try {
          page = await this.read(after, PAGE);
          this._backoff = 0;
        } catch (error) {
          // Closing ends the members (close()).
          if (this.closed) return;
          if (!isConnectionError(error)) {
            this._fail(error);
            return;
          }
          this._dirty = true;
          this._backoff = retryDelay(this._backoff);
          this._retry = setTimeout(() => {
            this._retry = undefined;
            this._readSoon();
          }, this._backoff);
          return;
        }
        if (page === undefined) {
          // Deleted while followed (its retention ran out).
          this._fail(new UnknownTaskError(this.backendName, this.id));
          return;
        }
        this._deliver(page);
      }
    } finally {
      this._reading = false;
    }
  }

  /** Hand a read's events to every live member; end the feed after the terminal event. */
  private _deliver(page: EventPage): void {
    const { events } = page;
    if (page.through > this._cursor) this._cursor = page.through;
    const last = events.at(-1);
    if (last === undefined) {
      // Ended with its terminal event at or before `head`: nothing more will come.
      if (page.ended) this._end();
      return;
    }
    if (last.seq > this.head) this.head = last.seq;
    for (const member of [...this._live]) member.feed(events);
    if (TERMINAL_TYPES.has(last.type)) this._end();
    // Not all of it yet (a full page): read on.
    else if (!page.complete) this._dirty = true;
  }

  /** The stream is over: live members end once they have what they hold. */
  private _end(): void {
    const live = [...this._live];
    this._stop();
    for (const member of live) member.streamOver();
  }

  private _fail(error: unknown): void {
    const live = [...this._live];
    this._stop();
    for (const member of live) member.fail(error);
  }

  private _stop(): void {
    if (this._ended) return;
    this._ended = true;
    this._live.clear();
    clearTimeout(this._retry);
    this._retry = undefined;
    this._host.feedDone(this);
  }
}
