// The backend's counts as a scrape sees them: read once per scrape, bounded in time, and kept
// when the backend cannot answer.
//
// `warden_tasks{state}` and `warden_backend_up` are collected concurrently by prom-client (its
// registry runs every metric's `collect()` at once); both await the same `refresh()`, so one
// scrape makes one query and the two gauges agree. A query still running when the next scrape
// comes is awaited again rather than doubled, so a slow database never has more than one.

import type { TaskState } from '../../backend/task-events.js';

/** The states a backend counts, in the order the gauge lists them. */
export const TASK_STATES: readonly TaskState[] = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
];

/** Reads the backend's counts for the metrics. */
export class BackendCounts {
  private _last: Readonly<Record<TaskState, number>> | undefined = undefined;
  private _up = false;
  /** The backend's query, while it runs (shared by scrapes). */
  private _query: Promise<Record<TaskState, number>> | undefined = undefined;
  /** The current scrape's refresh (shared by the gauges it collects). */
  private _refresh: Promise<void> | undefined = undefined;

  /**
   * @param read asks the backend (`coordinator.counts()`).
   * @param timeout how long a scrape waits for it, in ms.
   */
  constructor(
    private readonly read: () => Promise<Record<TaskState, number>>,
    private readonly timeout: number,
  ) {}

  /** The last counts the backend gave, if it ever answered. */
  get last(): Readonly<Record<TaskState, number>> | undefined {
    return this._last;
  }

  /** Whether the backend answered the latest refresh in time. */
  get up(): boolean {
    return this._up;
  }

  /** Ask the backend, or join the refresh already under way. Never rejects. */
  refresh(): Promise<void> {
    this._refresh ??= this._run().finally(() => {
      this._refresh = undefined;
    });
    return this._refresh;
  }

  private async _run(): Promise<void> {
    this._query ??= this.read().finally(() => {
      this._query = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, this.timeout, undefined);
      // A scrape waiting on a stuck database must not keep the process alive.
      timer.unref();
    });
    try {
      const counts = await Promise.race([this._query, late]);
      this._up = counts !== undefined;
      if (counts !== undefined) this._last = { ...counts };
    } catch {
      // The database is down: the gauge keeps the last counts and `warden_backend_up` says so.
      // Not logged: scrapes come every few seconds, and the gauge is the signal to alert on.
      this._up = false;
    } finally {
      clearTimeout(timer);
    }
  }
}
