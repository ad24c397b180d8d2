// What a worker writes back, batched: attempts' starts, handler events and finished attempts.
// Each round writes at most one batch of each kind. Finished attempts never wait behind events:
// a round writes the completions whose tasks have no event still queued at the same time as the
// round's events, and those whose last events are in that batch right after it (a task's
// terminal event must never commit before its own events). An attempt that ended before its
// start was written (a short job) has its start written with its completion: one statement, not
// two. Each completion's fate is reported to the worker, which holds the job (and renews its
// lease) until then. While the database is unreachable the writes are kept and retried with
// backoff; they are idempotent (guarded by the lease, seqs assigned by the worker), so a batch
// whose reply was lost is simply written again.

import type { Logger } from '../../observe/logger.js';
import { isConflictError, isConnectionError, type SqlDriver } from '../driver.js';
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

/**
 * What became of a completion: `written` (committed); `refused` (the row was no longer this
 * worker's: its lease was lost); `unknown` (refused on a retry after a lost reply: the first
 * try may have committed it); `dropped` (the database rejected the row, or the buffer closed).
 */
export type CompletionFate = 'written' | 'refused' | 'unknown' | 'dropped';

/** What a write buffer needs. */
export interface WriteBufferContext {
  readonly driver: SqlDriver;
  readonly schema: SchemaNames;
  readonly workerId: string;
  readonly logger: Logger;
  /** The backend's name, for logs. */
  readonly name: string;
  /** Told once per completion, when its write has an answer. */
  completed(completion: Completion, fate: CompletionFate): void;
  /** A round of writes has ended: the backlog is smaller. */
  written(): void;
}

/** At most this many rows per statement. */
export const MAX_BATCH = 1_000;
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 5_000;

/** Batches events and completions into few statements; see the file comment. */
export class WriteBuffer {
  private _events: PendingEvent[] = [];
  private _completions: Completion[] = [];
  /** Rows taken from the queues by the round in flight. */
  private _inFlight = 0;
  /** Completions put back after a connection failure: their first write may have committed. */
  private readonly _uncertain = new Set<Completion>();
  private _scheduled = false;
  private _flushing = false;
  private _closed = false;
  private _backoff = RETRY_MIN_MS;
  private _idleWaiters: Array<() => void> = [];
  private _retryTimer: NodeJS.Timeout | undefined = undefined;
  private _rowsPerMs: number | undefined = undefined;

  constructor(private readonly _ctx: WriteBufferContext) {}

  /**
   * How many completions one millisecond of writing commits, as a moving average over the
   * batches written so far (undefined before the first).
   */
  get completionRate(): number | undefined {
    return this._rowsPerMs;
  }

  /** Writes waiting or in flight. */
  get pending(): number {
    return this._events.length + this._completions.length + this._inFlight;
  }

  /** Queue a handler event, or an attempt's start (type {@link STARTED}). */
  addEvent(event: PendingEvent): void {
    if (this._closed) return;
    this._events.push(event);
    this._schedule();
  }

  /** Queue a finished attempt; its fate is reported through the context's `completed`. */
  addCompletion(completion: Completion): void {
    if (this._closed) {
      this._ctx.completed(completion, 'dropped');
      return;
    }
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
    const dropped = this._events.length + this._completions.length;
    const completions = this._completions;
    this._events = [];
    this._completions = [];
    for (const completion of completions) this._ctx.completed(completion, 'dropped');
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
      while (!this._closed && this._events.length + this._completions.length > 0) {
        const ok = await this._round();
        this._ctx.written();
        if (!ok) return this._retryLater();
        this._backoff = RETRY_MIN_MS;
      }
    } finally {
      this._flushing = false;
      if (this.pending === 0 || this._closed) this._wakeIdle();
    }
  }

  /** One round: a batch of events beside the completions free to go; false to retry later. */
  private async _round(): Promise<boolean> {
    this._foldStarts();
    const events = this._events.splice(0, MAX_BATCH);
    const queued = new Set<string>();
    for (const e of this._events) queued.add(e.taskId);
    const inBatch = new Set<string>();
    for (const e of events) inBatch.add(e.taskId);
    // Completions of tasks with events still queued wait for a later round; those whose last
    // events are in this batch go right after it; the rest go beside it.
    const free: Completion[] = [];
    const after: Completion[] = [];
    const waiting: Completion[] = [];
    for (const c of this._completions) {
      if (queued.has(c.id)) waiting.push(c);
      else if (inBatch.has(c.id)) (after.length < MAX_BATCH ? after : waiting).push(c);
      else (free.length < MAX_BATCH ? free : waiting).push(c);
    }
    this._completions = waiting;
    this._inFlight = events.length + free.length + after.length;
    try {
      const [eventsWritten, freeWritten] = await Promise.all([
        this._write(events, this._events, 'events', (batch) => this._writeEvents(batch)),
        this._write(free, this._completions, 'completions', (batch) =>
          this._writeCompletions(batch),
        ),
      ]);
      if (!eventsWritten) {
        this._putBack(after, this._completions);
        return false;
      }
      const afterWritten = await this._write(after, this._completions, 'completions', (batch) =>
        this._writeCompletions(batch),
      );
      return freeWritten && afterWritten;
    } finally {
      this._inFlight = 0;
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
      const withStart = { ...completion, started: { seq: start.seq, at: start.at } };
      if (this._uncertain.delete(completion)) this._uncertain.add(withStart);
      this._completions[i] = withStart;
      folded.add(start);
    }
    if (folded.size > 0) this._events = this._events.filter((e) => !folded.has(e));
  }

  /** Write one batch of events and starts. */
  private async _writeEvents(batch: PendingEvent[]): Promise<void> {
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
    const { driver, schema, workerId } = this._ctx;
    await driver.query(insertEvents(schema), [
      workerId,
      Object.keys(jobs),
      JSON.stringify(jobs),
      events.map((e) => e.taskId),
      events.map((e) => e.seq),
      events.map((e) => e.type),
      events.map((e) => e.data),
      events.map((e) => e.at),
      schema.channel,
    ]);
  }

  /** Write one batch of completions, and report each one's fate. */
  private async _writeCompletions(batch: Completion[]): Promise<void> {
    const values: Record<string, CompletionValues> = {};
    for (const c of batch) values[c.id] = completionValues(c);
    const { driver, schema, workerId } = this._ctx;
    const startedAt = performance.now();
    const rows = await driver.query<{ id: string }>(completeJobs(schema), [
      workerId,
      Object.keys(values),
      JSON.stringify(values),
      schema.channel,
    ]);
    this._measured(batch.length, performance.now() - startedAt);
    const written = new Set<string>();
    for (const row of rows) written.add(row.id);
    for (const c of batch) {
      const uncertain = this._uncertain.delete(c);
      const fate = written.has(c.id) ? 'written' : uncertain ? 'unknown' : 'refused';
      this._ctx.completed(c, fate);
    }
  }

  /**
   * Write `batch` with `write`. A connection failure, or a conflict with a concurrent statement
   * (rolled back whole), puts it back at the head of `queue` (false: retry later). Any other
   * failure is a bad row: the rows are written one by one and only the bad ones are dropped,
   * loudly (their leases expire and the jobs run again).
   */
  private async _write<T>(
    batch: T[],
    queue: T[],
    what: string,
    write: (batch: T[]) => Promise<void>,
  ): Promise<boolean> {
    if (batch.length === 0) return true;
    try {
      await write(batch);
      return true;
    } catch (error) {
      if (isConnectionError(error)) return this._retry(error, batch, queue, what, 'connection');
      if (isConflictError(error)) return this._retry(error, batch, queue, what, 'conflict');
      if (batch.length === 1) {
        this._dropBad(error, batch[0] as T, what);
        return true;
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const one = batch.slice(i, i + 1);
      try {
        await write(one);
      } catch (error) {
        const rest = batch.slice(i);
        if (isConnectionError(error)) return this._retry(error, rest, queue, what, 'connection');
        if (isConflictError(error)) return this._retry(error, rest, queue, what, 'conflict');
        this._dropBad(error, one[0] as T, what);
      }
    }
    return true;
  }

  private _dropBad<T>(error: unknown, row: T, what: string): void {
    this._ctx.logger.error(
      {
        err: error,
        backend: this._ctx.name,
        taskId: (row as { id?: string }).id ?? (row as { taskId?: string }).taskId,
      },
      `postgres: writing ${what} failed; the row is dropped (its lease will expire)`,
    );
    if (what === 'completions') this._ctx.completed(row as Completion, 'dropped');
  }

  /**
   * Put `batch` back to be written again. A lost connection may have committed it unseen (its
   * completions become uncertain); a conflict rolled the statement back whole.
   */
  private _retry<T>(
    error: unknown,
    batch: T[],
    queue: T[],
    what: string,
    why: 'connection' | 'conflict',
  ): false {
    this._putBack(batch, queue);
    if (why === 'connection' && what === 'completions') {
      for (const c of batch) this._uncertain.add(c as Completion);
    }
    const cause =
      why === 'connection' ? 'failed (database unavailable)' : 'conflicted with another statement';
    this._ctx.logger.warn(
      { err: error, backend: this._ctx.name, pending: this.pending },
      `postgres: writing ${what} ${cause}; retrying`,
    );
    return false;
  }

  private _putBack<T>(batch: T[], queue: T[]): void {
    if (batch.length > 0) queue.unshift(...batch);
  }

  private _measured(rows: number, ms: number): void {
    const rate = rows / Math.max(ms, 0.1);
    this._rowsPerMs =
      this._rowsPerMs === undefined ? rate : this._rowsPerMs + 0.2 * (rate - this._rowsPerMs);
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
