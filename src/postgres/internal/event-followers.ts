// `events(id)` on the Postgres backend, and the coordinator's batch followers: replay a task's
// stored events after a seq, then follow it live. Whatever process records events sends a NOTIFY
// `e<ids>`; this process holds one live feed per followed task (task-feed.ts), which reads what
// is new once and hands it to every follower of the task that has caught up (feed-member.ts).
// One poll every `pollInterval` covers a missed NOTIFY: a single statement for every followed
// task, after which only the tasks whose seq moved are read. Connection failures are retried
// with backoff, so followers survive a database restart.

import { BackendShutDownError } from '../../backend/errors.js';
import type { BatchFollower } from '../../backend/internal/batch-follow.js';
import { followOptionKeys } from '../../backend/internal/validate-task.js';
import type { FollowOptions, TaskEvent } from '../../backend/task-events.js';
import { InvalidArgumentError } from '../../errors.js';
import { checkOptionKeys } from '../../internal/option-keys.js';
import type { SqlDriver } from '../driver.js';
import { followedSeqs } from '../sql/followed-seqs.js';
import type { SchemaNames } from '../sql/statement.js';
import { PAGE } from './event-page.js';
import { FeedMember } from './feed-member.js';
import { type FeedHost, TaskFeed } from './task-feed.js';

/** The followers of this process, by task id. */
export class EventFollowers implements FeedHost {
  private readonly _feeds = new Map<string, TaskFeed>();
  private _closed = false;
  private _pollTimer: NodeJS.Timeout | undefined = undefined;

  constructor(
    /** @internal {@link FeedHost}. */
    readonly driver: SqlDriver,
    /** @internal {@link FeedHost}. */
    readonly schema: SchemaNames,
    /** @internal {@link FeedHost}. */
    readonly backendName: string,
    private readonly _pollInterval: number,
  ) {}

  /** True when some task is being followed (a NOTIFY `e…` is worth parsing). */
  get active(): boolean {
    return this._feeds.size > 0;
  }

  /** @internal {@link FeedHost}: true once closed. */
  get closed(): boolean {
    return this._closed;
  }

  /** A NOTIFY named these tasks: their feeds read what is new. */
  notify(ids: readonly string[]): void {
    for (const id of ids) this._feeds.get(id)?.wake();
  }

  /** Wake every feed (notifications may have been missed: the LISTEN connection came back). */
  wakeAll(): void {
    for (const feed of this._feeds.values()) feed.wake();
  }

  /** Stop: every follower ends with a `BackendShutDownError` at its next step. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    clearTimeout(this._pollTimer);
    this._pollTimer = undefined;
    for (const feed of [...this._feeds.values()]) feed.close();
    this._feeds.clear();
  }

  /** A batch follower of task `id` after seq `after` (checked by the caller). */
  member(id: string, after: number): BatchFollower {
    if (this._closed) throw new BackendShutDownError(this.backendName);
    let feed = this._feeds.get(id);
    if (feed === undefined) {
      feed = new TaskFeed(this, id);
      this._feeds.set(id, feed);
    }
    return new FeedMember(feed, after);
  }

  /** Follow task `id`; see `TaskEventSource.events`. */
  async *follow(id: string, options: FollowOptions = {}): AsyncGenerator<TaskEvent, void, void> {
    const { after = 0, signal } = options;
    if (typeof id !== 'string') throw new InvalidArgumentError('id', 'a string', id);
    checkOptionKeys(options, followOptionKeys, 'PostgresBackend.events');
    if (!Number.isInteger(after) || after < 0) {
      throw new InvalidArgumentError('options.after', 'an integer ≥ 0', after);
    }
    if (signal?.aborted) return;
    const member = this.member(id, after);
    const stop = (): void => member.close();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for (;;) {
        // A page at a time: the next is read only once this one has been taken.
        const batch = await member.nextBatch(PAGE);
        if (batch === null) return;
        for (const event of batch) {
          yield event;
          if (signal?.aborted) return;
        }
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      member.close();
    }
  }

  /** @internal {@link FeedHost}: poll while some feed is live. */
  feedLive(_feed: TaskFeed): void {
    if (this._pollTimer === undefined && !this._closed) this._schedulePoll();
  }

  /** @internal {@link FeedHost}. */
  feedDone(feed: TaskFeed): void {
    if (this._feeds.get(feed.id) === feed) this._feeds.delete(feed.id);
    if (this._feeds.size === 0) {
      // Nothing followed: no timer keeps the process up.
      clearTimeout(this._pollTimer);
      this._pollTimer = undefined;
    }
  }

  private _schedulePoll(): void {
    // Not unref'd: like a read in flight, a follower waiting for events keeps the process up.
    this._pollTimer = setTimeout(() => void this._poll(), this._pollInterval);
  }

  /** One statement for every live feed; those whose task's seq moved read it. */
  private async _poll(): Promise<void> {
    const feeds = [...this._feeds.values()].filter((feed) => feed.live);
    if (feeds.length === 0 || this._closed) {
      this._pollTimer = undefined;
      return;
    }
    try {
      const rows = await this.driver.query<{ id: string; last_seq: number }>(
        followedSeqs(this.schema),
        [feeds.map((feed) => feed.id)],
      );
      const seqs = new Map(rows.map((row) => [row.id, row.last_seq]));
      for (const feed of feeds) {
        const seq = seqs.get(feed.id);
        // A task gone from the table is read too: its followers learn it is unknown.
        if (seq === undefined || seq > feed.cursor) feed.wake();
      }
    } catch {
      // The database is unreachable: the next poll, or the LISTEN connection coming back
      // (wakeAll), tries again; the feeds' own reads retry with backoff.
    }
    if (this._closed) return;
    this._schedulePoll();
  }
}
