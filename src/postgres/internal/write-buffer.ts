// What a worker writes back, batched: attempts' starts, handler events and finished attempts.
// Everything written in one event-loop turn goes in one statement per kind (starts and events
// first, so a task's terminal event always follows them). An attempt that ended before its start
// was written (a short job) has its start written with its completion: one statement, not two. While the database is unreachable the writes are
// kept and retried with backoff; they are idempotent (guarded by the lease, seqs assigned here),
// so a batch whose reply was lost is simply written again.

import type { Logger } from '../../observe/logger.js';
import { isConnectionError, type SqlDriver } from '../driver.js';
import { type CompletionValues, completeJobs } from '../sql/complete-jobs.js';
import { insertEvents } from '../sql/insert-events.js';
import type { SchemaNames } from '../sql/statement.js';

/** The type of the queued event that records an attempt's start (never a handler's own type). */
export const STARTED = 'started';

/** One handler event, or an attempt's start ({@link STARTED}), with its seq assigned by the worker. */
export interface PendingEvent {
  readonly taskId: string;
  readonly attempt: number;
  readonly seq: number;
  readonly type: string;
  /** The event's data as JSON text. */
  readonly data: string;
  /** When it was emitted, ms since the epoch. */
  readonly at: number;
}

/** How an attempt ended, as written. */
export type CompletionOutcome = 'succeeded' | 'failed' | 'cancelled' | 'retry' | 'release';

/** One finished attempt. */
export interface Completion {
  readonly id: string;
  readonly attempt: number;
  readonly outcome: CompletionOutcome;
  /** The result as JSON text (succeeded), else null. */
  readonly result: string | null;
  /** The attempt's error entry (failed, retry), else null. */
  readonly error: object | null;
  /** The cancellation reason (cancelled), else null. */
  readonly reason: object | null;
  /** Wait before the next attempt (retry, release). */
  readonly delayMs: number;
  /** The terminal event's seq (0 when there is none). */
  readonly seq: number;
  /** The attempt's start, when it is written with the completion (set by the buffer). */
  readonly started?: { readonly seq: number; readonly at: number };
}

/** At most this many rows per statement. */
const MAX_BATCH = 1_000;
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 5_000;

/** Batches events and completions into few statements; see the file comment. */
export class WriteBuffer {
  private _events: PendingEvent[] = [];
  private _completions: Completion[] = [];
  private _scheduled = false;
  private _flushing = false;
  private _closed = false;
  private _backoff = RETRY_MIN_MS;
  private _idleWaiters: Array<() => void> = [];
  private _retryTimer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly _driver: SqlDriver,
    private readonly _schema: SchemaNames,
    private readonly _workerId: string,
    private readonly _logger: Logger,
    private readonly _name: string,
  ) {}

  /** Writes waiting or in flight. */
  get pending(): number {
    return this._events.length + this._completions.length;
  }

  /** Queue a handler event, or an attempt's start (type {@link STARTED}). */
  addEvent(event: PendingEvent): void {
    this._events.push(event);
    this._schedule();
  }

  /** Queue a finished attempt. */
  addCompletion(completion: Completion): void {
    this._completions.push(completion);
    this._schedule();
  }

  /** Resolves once everything queued so far is written (or the buffer is closed). */
  idle(): Promise<void> {
    if (this.pending === 0 && !this._flushing) return Promise.resolve();
    return new Promise((resolve) => this._idleWaiters.push(resolve));
  }

  /** Stop retrying; what is still queued is dropped (its leases will expire). Returns how many. */
  close(): number {
    this._closed = true;
    clearTimeout(this._retryTimer);
    const dropped = this.pending;
    this._events = [];
    this._completions = [];
    this._wakeIdle();
    return dropped;
  }

  private _schedule(): void {
    if (this._scheduled || this._flushing || this._closed || this._retryTimer !== undefined) {
      return;
    }
    this._scheduled = true;
    setImmediate(() => {
      this._scheduled = false;
      void this._flush();
    });
  }

  private async _flush(): Promise<void> {
    if (this._flushing || this._closed) return;
    this._flushing = true;
    try {
      while (!this._closed && this.pending > 0) {
        this._foldStarts();
        // Every queued event before any completion: a completion is queued after its task's
        // events, so once the event queue is empty no completion can overtake its own events
        // (with more than one batch of events, one round each would let a terminal commit
        // before the task's last events and end its followers' streams without them).
        while (!this._closed && this._events.length > 0) {
          if (!(await this._writeEvents())) return this._retryLater();
        }
        if (!(await this._writeCompletions())) return this._retryLater();
        this._backoff = RETRY_MIN_MS;
      }
    } finally {
      this._flushing = false;
      if (this.pending === 0 || this._closed) this._wakeIdle();
    }
  }

  private _retryLater(): void {
    const delay = this._backoff;
    this._backoff = Math.min(RETRY_MAX_MS, this._backoff * 2);
    this._retryTimer = setTimeout(() => {
      this._retryTimer = undefined;
      void this._flush();
    }, delay);
  }

  /**
   * Move the queued start of an attempt whose completion is queued too, and that has no handler
   * event queued (which must be written before its terminal), into that completion.
   */
  private _foldStarts(): void {
    if (this._completions.length === 0 || this._events.length === 0) return;
    const starts = new Map<string, PendingEvent>();
    const busy = new Set<string>();
    for (const e of this._events) {
      if (e.type === STARTED) starts.set(e.taskId, e);
      else busy.add(e.taskId);
    }
    const folded = new Set<PendingEvent>();
    for (let i = 0; i < this._completions.length; i++) {
      const completion = this._completions[i] as Completion;
      const start = starts.get(completion.id);
      if (start === undefined || busy.has(completion.id) || start.attempt !== completion.attempt) {
        continue;
      }
      this._completions[i] = { ...completion, started: { seq: start.seq, at: start.at } };
      folded.add(start);
    }
    if (folded.size > 0) this._events = this._events.filter((e) => !folded.has(e));
  }

  /** Write one batch of events and starts; false when it must be retried. */
  private _writeEvents(): Promise<boolean> {
    return this._write(this._events, 'events', (batch) => {
      const jobs: Record<string, { a: number; s: number; st?: number; t?: number }> = {};
      const events: PendingEvent[] = [];
      for (const e of batch) {
        let job = jobs[e.taskId];
        if (job === undefined) {
          job = { a: e.attempt, s: e.seq };
          jobs[e.taskId] = job;
        }
        if (job.s < e.seq) job.s = e.seq;
        if (e.type === STARTED) {
          job.st = e.seq;
          job.t = e.at;
        } else {
          events.push(e);
        }
      }
      return this._driver.query(insertEvents(this._schema), [
        this._workerId,
        Object.keys(jobs),
        JSON.stringify(jobs),
        events.map((e) => e.taskId),
        events.map((e) => e.seq),
        events.map((e) => e.type),
        events.map((e) => e.data),
        events.map((e) => e.at),
        this._schema.channel,
      ]);
    });
  }

  /** Write one batch of completions; false when it must be retried. */
  private _writeCompletions(): Promise<boolean> {
    return this._write(this._completions, 'completions', (batch) => {
      const values: Record<string, CompletionValues> = {};
      for (const c of batch) values[c.id] = completionValues(c);
      return this._driver.query(completeJobs(this._schema), [
        this._workerId,
        Object.keys(values),
        JSON.stringify(values),
        this._schema.channel,
      ]);
    });
  }

  /**
   * Write the head of `queue` with `write`. A connection failure puts the batch back (false: retry
   * later). Any other failure is a bad row: the rows are written one by one and only the bad ones
   * are dropped, loudly (their leases expire and the jobs run again).
   */
  private async _write<T>(
    queue: T[],
    what: string,
    write: (batch: T[]) => Promise<unknown>,
  ): Promise<boolean> {
    if (queue.length === 0) return true;
    const batch = queue.splice(0, MAX_BATCH);
    try {
      await write(batch);
      return true;
    } catch (error) {
      if (isConnectionError(error)) return this._putBack(error, batch, queue, what);
      if (batch.length === 1) {
        this._logger.error(
          { err: error, backend: this._name },
          `postgres: writing ${what} failed; the row is dropped (its lease will expire)`,
        );
        return true;
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const one = batch.slice(i, i + 1);
      try {
        await write(one);
      } catch (error) {
        if (isConnectionError(error)) return this._putBack(error, batch.slice(i), queue, what);
        this._logger.error(
          { err: error, backend: this._name },
          `postgres: writing ${what} failed; the row is dropped (its lease will expire)`,
        );
      }
    }
    return true;
  }

  private _putBack<T>(error: unknown, batch: T[], queue: T[], what: string): false {
    queue.unshift(...batch);
    this._logger.warn(
      { err: error, backend: this._name, pending: this.pending },
      `postgres: writing ${what} failed (database unavailable); retrying`,
    );
    return false;
  }

  private _wakeIdle(): void {
    const waiters = this._idleWaiters;
    this._idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** A completion as the statement's per-id values (nulls left out). */
function completionValues(c: Completion): CompletionValues {
  const values: { -readonly [K in keyof CompletionValues]: CompletionValues[K] } = {
    a: c.attempt,
    o: c.outcome,
    d: c.delayMs,
  };
  if (c.result !== null) values.r = c.result;
  if (c.error !== null) values.e = c.error;
  if (c.reason !== null) values.c = c.reason;
  if (c.seq !== 0) values.s = c.seq;
  if (c.started !== undefined) {
    values.st = c.started.seq;
    values.t = c.started.at;
  }
  return values;
}
