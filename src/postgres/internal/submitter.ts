// Inserts submitted jobs. Jobs without a key that arrive in the same event-loop turn (or while
// earlier inserts are in flight) go into one multi-row INSERT; a batch that hits a duplicate id
// is retried row by row so that only the duplicate is refused. Keyed jobs are upserted one by one.

import { DatabaseUnavailableError, DuplicateTaskIdError } from '../../backend/errors.js';
import { isConnectionError, type SqlDriver } from '../driver.js';
import { insertJobs } from '../sql/insert-jobs.js';
import { insertKeyedJob } from '../sql/insert-keyed-job.js';
import type { SchemaNames } from '../sql/statement.js';
import type { PostgresSubmitResult } from '../types.js';
import type { JobRow } from './job-spec.js';

interface Pending {
  readonly row: JobRow;
  resolve(result: PostgresSubmitResult): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 1_000;
const MAX_IN_FLIGHT = 2;
const UNIQUE_VIOLATION = '23505';

/** See the file comment. */
export class Submitter {
  private _queue: Pending[] = [];
  private _inFlight = 0;
  private _scheduled = false;
  private _idleWaiters: Array<() => void> = [];

  constructor(
    private readonly _driver: SqlDriver,
    private readonly _schema: SchemaNames,
    private readonly _backendName: string,
  ) {}

  /** Insert `row`; resolves once it is committed. */
  insert(row: JobRow): Promise<PostgresSubmitResult> {
    if (row.jobKey !== null) {
      this._inFlight++;
      return this._insertKeyed(row).finally(() => {
        this._inFlight--;
        if (this._queue.length > 0) this._schedule();
        else if (this._inFlight === 0) this._wakeIdle();
      });
    }
    return new Promise((resolve, reject) => {
      this._queue.push({ row, resolve, reject });
      this._schedule();
    });
  }

  /** Resolves once no insert is waiting or in flight. */
  idle(): Promise<void> {
    if (this._queue.length === 0 && this._inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this._idleWaiters.push(resolve));
  }

  private _schedule(): void {
    if (this._scheduled || this._inFlight >= MAX_IN_FLIGHT) return;
    this._scheduled = true;
    setImmediate(() => {
      this._scheduled = false;
      this._flush();
    });
  }

  private _flush(): void {
    while (this._queue.length > 0 && this._inFlight < MAX_IN_FLIGHT) {
      const batch = this._queue.splice(0, MAX_BATCH);
      this._inFlight++;
      void this._insertBatch(batch).finally(() => {
        this._inFlight--;
        if (this._queue.length > 0) this._schedule();
        else if (this._inFlight === 0) this._wakeIdle();
      });
    }
  }

  private async _insertBatch(batch: Pending[]): Promise<void> {
    try {
      await this._write(batch.map((pending) => pending.row));
      for (const pending of batch) pending.resolve({ id: pending.row.id, outcome: 'inserted' });
    } catch (error) {
      if (batch.length > 1 && codeOf(error) === UNIQUE_VIOLATION) {
        // Find the duplicates: row by row, each refused on its own.
        for (const pending of batch) await this._insertBatch([pending]);
        return;
      }
      const refusal = this._refusal(error, batch[0]?.row.id ?? '');
      for (const pending of batch) pending.reject(refusal);
    }
  }

  private _write(rows: JobRow[]): Promise<unknown> {
    return this._driver.query(insertJobs(this._schema), [
      rows.map((row) => row.id),
      rows.map((row) => row.type),
      rows.map((row) => row.payload),
      rows.map((row) => row.priority),
      rows.map((row) => row.runAt),
      rows.map((row) => row.maxAttempts),
      rows.map((row) => row.timeout),
      this._schema.channel,
    ]);
  }

  private async _insertKeyed(row: JobRow): Promise<PostgresSubmitResult> {
    try {
      const rows = await this._driver.query<{ id: string; inserted: boolean }>(
        insertKeyedJob(this._schema),
        [
          row.id,
          row.type,
          row.payload,
          row.priority,
          row.runAt,
          row.maxAttempts,
          row.timeout,
          row.jobKey,
          row.replace,
          this._schema.channel,
        ],
      );
      const result = rows[0] as { id: string; inserted: boolean };
      return {
        id: result.id,
        outcome: result.inserted ? 'inserted' : row.replace ? 'replaced' : 'kept',
      };
    } catch (error) {
      throw this._refusal(error, row.id);
    }
  }

  /** The typed error a failed insert rejects with. */
  private _refusal(error: unknown, id: string): unknown {
    if (codeOf(error) === UNIQUE_VIOLATION) return new DuplicateTaskIdError(this._backendName, id);
    if (isConnectionError(error)) {
      return new DatabaseUnavailableError(this._backendName, 'submit the task', error);
    }
    return error;
  }

  private _wakeIdle(): void {
    const waiters = this._idleWaiters;
    this._idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}
