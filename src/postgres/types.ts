/**
 * The Postgres backend's extensions of the backend types: a task spec with durable options
 * (scheduling, priority, attempts, job keys), richer task records, stats and health.
 *
 * @module
 */

import type { BackendStats, SubmitResult, TaskSpec } from '../backend/task-backend.js';
import type { SerializedError, TaskInfo } from '../backend/task-events.js';

/**
 * What a job key does when a pending (queued, not yet running) job already has it:
 * - `replace`: the pending job takes the new type, payload, priority, schedule and attempts
 *   (it keeps its id);
 * - `keep`: the pending job stays as it is and the new one is dropped.
 */
export type JobKeyMode = 'replace' | 'keep';

/**
 * A task spec with the durable options of the Postgres backend.
 *
 * @example
 * ```ts
 * await backend.submit({
 *   type: 'report.build',
 *   payload: { month: '2025-01' },
 *   runAt: Date.now() + 60_000,
 *   priority: 5,
 *   maxAttempts: 5,
 *   jobKey: 'report:2025-01',
 * });
 * ```
 */
export interface PostgresTaskSpec<P = unknown> extends TaskSpec<P> {
  /**
   * When the job may start at the earliest: a `Date` or ms since the epoch.
   * @default now
   */
  readonly runAt?: Date | number;
  /**
   * Higher runs first (an integer, may be negative); equal priorities run in order of `runAt`,
   * then of submission.
   * @default 0
   */
  readonly priority?: number;
  /**
   * Attempts this job gets (1: no retry).
   * @default its type's `maxAttempts`, else the backend's
   */
  readonly maxAttempts?: number;
  /**
   * Deduplication: at most one pending job per key (see `jobKeyMode`). A running or finished
   * job with the key does not count. 1–512 characters.
   * @default none
   */
  readonly jobKey?: string;
  /**
   * What to do when a pending job already has `jobKey`.
   * @default 'replace'
   */
  readonly jobKeyMode?: JobKeyMode;
}

/**
 * What `submit` resolves with on the Postgres backend.
 *
 * @example
 * ```ts
 * const { id, outcome } = await backend.submit({ type: 'sync', payload: {}, jobKey: 'user:7' });
 * if (outcome !== 'inserted') console.log(`merged into pending job ${id}`);
 * ```
 */
export interface PostgresSubmitResult extends SubmitResult {
  /**
   * `inserted`: a new job; `replaced` or `kept`: a pending job with the same `jobKey` existed, and
   * `id` is that job's id.
   */
  readonly outcome: 'inserted' | 'replaced' | 'kept';
}

/**
 * One failed attempt in a job's error history.
 *
 * @example
 * ```ts
 * for (const e of (await backend.getTask(id))?.errors ?? []) console.log(e.attempt, e.message);
 * ```
 */
export interface AttemptError extends SerializedError {
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** When, in ms since the epoch. */
  readonly at: number;
}

/**
 * A task record of the Postgres backend: the common fields and the durable ones.
 *
 * @example
 * ```ts
 * const dead = await backend.listTasks({ state: 'failed' }); // PostgresTaskInfo[]
 * console.log(dead.map((t) => `${t.id}: ${t.errors.length} attempts`));
 * ```
 */
export interface PostgresTaskInfo extends TaskInfo {
  /** Attempts the job gets in all. */
  readonly maxAttempts: number;
  /** Its priority. */
  readonly priority: number;
  /** When it may (next) start, in ms since the epoch: its schedule, or its next retry. */
  readonly runAt: number;
  /** Its job key, if any. */
  readonly jobKey?: string;
  /** The worker holding its lease, while running. */
  readonly lockedBy?: string;
  /** Every failed attempt, oldest first (a dead letter's full history). */
  readonly errors: readonly AttemptError[];
  /** The failed job this one retries (see `PostgresBackend.retry`). */
  readonly retryOf?: string;
}

/**
 * Counters of one Postgres backend (this process), since it was made. Unlike the in-memory
 * backends', they do not add up to `submitted`: jobs submitted here may run elsewhere.
 *
 * @example
 * ```ts
 * const { claimed, succeeded, retried, leasesLost } = backend.stats();
 * ```
 */
export interface PostgresBackendStats extends BackendStats {
  /** Jobs claimed ahead (prefetched) and waiting here for a free slot. */
  readonly queued: number;
  /** Failed attempts that were scheduled to run again. */
  readonly retried: number;
  /** Jobs handed back to the queue by a shutdown without counting the attempt. */
  readonly released: number;
  /** Jobs this process claimed. */
  readonly claimed: number;
  /** Jobs whose lease this process lost (they were cancelled here and may run elsewhere). */
  readonly leasesLost: number;
}

/**
 * Whether the backend can reach its database.
 *
 * @example
 * ```ts
 * if (req.url === '/readyz') res.writeHead(backend.health().status === 'ok' ? 200 : 503).end();
 * ```
 */
export interface PostgresHealth {
  /** `ok`: queries and LISTEN work; `degraded`: one of them is down and being retried. */
  readonly status: 'ok' | 'degraded';
  /** The last query reached the database. */
  readonly database: boolean;
  /** The LISTEN connection is up (without it, workers fall back to polling). */
  readonly listener: boolean;
}

/**
 * Options of `PostgresBackend.retry`.
 *
 * @example
 * ```ts
 * await backend.retry(deadLetterId, { maxAttempts: 1 });
 * ```
 */
export interface RetryTaskOptions {
  /**
   * The new job's id.
   * @default crypto.randomUUID()
   */
  id?: string;
  /**
   * Attempts the new job gets.
   * @default as many as the failed job had
   */
  maxAttempts?: number;
}
