// `events(id)` on the Postgres backend: replay a task's stored events after a seq, then wait for
// more. Whatever process records events sends a NOTIFY `e<ids>`; the followers of those ids in
// this process wake and read what is new. A poll (every `pollInterval`) covers a missed NOTIFY,
// and connection failures are retried with backoff, so a follower survives a database restart.

import { followOptionKeys } from '../../backend/internal/validate-task.js';
import type { FollowOptions, TaskEvent } from '../../backend/task-events.js';
import { BackendShutDownError, InvalidArgumentError, UnknownTaskError } from '../../errors.js';
import { checkOptionKeys } from '../../internal/option-keys.js';
import { isConnectionError, type SqlDriver } from '../driver.js';
import { readEvents } from '../sql/read-events.js';
import type { SchemaNames } from '../sql/statement.js';

const PAGE = 500;
const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

interface EventRow {
  seq: number | null;
  type: string;
  data: unknown;
  time: number;
  /** On the first row only: the job's state and last seq. */
  job_state: string | null;
  job_last_seq: number | null;
}

const ENDED_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** The followers of this process, by task id. */
export class EventFollowers {
  private readonly _waiting = new Map<string, Set<() => void>>();
  private _closed = false;

  constructor(
    private readonly _driver: SqlDriver,
    private readonly _schema: SchemaNames,
    private readonly _backendName: string,
    private readonly _pollInterval: number,
  ) {}

  /** True when some task is being followed (a NOTIFY `e…` is worth parsing). */
  get active(): boolean {
    return this._waiting.size > 0;
  }

  /** A NOTIFY named these tasks: wake their followers. */
  notify(ids: readonly string[]): void {
    for (const id of ids) {
      const waiters = this._waiting.get(id);
      if (waiters !== undefined) for (const wake of waiters) wake();
    }
  }

  /** Wake every follower (notifications may have been missed, or the backend is closing). */
  wakeAll(): void {
    for (const waiters of this._waiting.values()) for (const wake of waiters) wake();
  }

  /** Stop: every follower ends with a `BackendShutDownError` at its next step. */
  close(): void {
    this._closed = true;
    this.wakeAll();
  }

  /** Follow task `id`; see `TaskEventSource.events`. */
  async *follow(id: string, options: FollowOptions = {}): AsyncGenerator<TaskEvent, void, void> {
    const { after = 0, signal } = options;
    if (typeof id !== 'string') throw new InvalidArgumentError('id', 'a string', id);
    checkOptionKeys(options, followOptionKeys, 'PostgresBackend.events');
    if (!Number.isInteger(after) || after < 0) {
      throw new InvalidArgumentError('options.after', 'an integer ≥ 0', after);
    }
    let last = after;
    let backoff = 0;
    while (true) {
      if (signal?.aborted) return;
      if (this._closed) throw new BackendShutDownError(this._backendName);
      const wakeup = this._arm(id);
      try {
        let rows: EventRow[];
        try {
          rows = await this._driver.query<EventRow>(readEvents(this._schema), [id, last, PAGE]);
          backoff = 0;
        } catch (error) {
          if (this._closed) throw new BackendShutDownError(this._backendName);
          if (!isConnectionError(error)) throw error;
          backoff = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, backoff * 2));
          await wait(wakeup.promise, backoff, signal);
          continue;
        }
        const head = rows[0];
        if (head === undefined) throw new UnknownTaskError(this._backendName, id);
        // Already past the terminal event of an ended task (resumed with its last id): done.
        if (ENDED_STATES.has(head.job_state ?? '') && (head.job_last_seq ?? 0) <= last) return;
        let count = 0;
        for (const row of rows) {
          if (row.seq === null) continue;
          count++;
          last = row.seq;
          yield { taskId: id, seq: row.seq, type: row.type, data: row.data, time: row.time };
          if (TERMINAL.has(row.type)) return;
          if (signal?.aborted) return;
        }
        if (count === PAGE) continue;
        await wait(wakeup.promise, this._pollInterval, signal);
      } finally {
        wakeup.dispose();
      }
    }
  }

  /** Register a wake-up for `id` (before reading, so a NOTIFY in between is not missed). */
  private _arm(id: string): { promise: Promise<void>; dispose(): void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => {
      wake = resolve;
    });
    let waiters = this._waiting.get(id);
    if (waiters === undefined) {
      waiters = new Set();
      this._waiting.set(id, waiters);
    }
    waiters.add(wake);
    return {
      promise,
      dispose: () => {
        const set = this._waiting.get(id);
        if (set === undefined) return;
        set.delete(wake);
        if (set.size === 0) this._waiting.delete(id);
      },
    };
  }
}

/** Resolve on `wakeup`, after `ms`, or when `signal` aborts. */
function wait(wakeup: Promise<void>, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    void wakeup.then(done);
  });
}
