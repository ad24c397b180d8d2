/**
 * Options of the Postgres backend, with every default in one place
 * ({@link postgresBackendDefaults}).
 *
 * @module
 */

import type { FailedTaskInfo } from '../backend/task-backend.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../backend/validate-payload.js';
import type { CancelToken } from '../cancel/cancel-token.js';
import { type OptionKeys, optionKeys } from '../internal/option-keys.js';
import type { Runtime } from '../lifecycle/runtime.js';
import type { Logger } from '../observe/logger.js';

/** The part of a PGlite transaction Warden uses. */
export interface PGliteTransactionLike {
  /** Run one statement with parameters. */
  query<R = unknown>(query: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Run one or more statements without parameters. */
  exec(query: string): Promise<unknown>;
}

/**
 * The part of a PGlite instance Warden uses: any `PGlite` of `@electric-sql/pglite` fits. Typed
 * by shape, so that Warden's types compile whether or not the driver is installed.
 *
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite';
 * const instance: PGliteInstance = await PGlite.create();
 * ```
 */
export interface PGliteInstance extends PGliteTransactionLike {
  /** Listen on a channel; resolves with the function that stops listening. */
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
  /** Run `callback` in a transaction. */
  transaction<T>(callback: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>;
  /** Close the database. */
  close(): Promise<void>;
  /** True once closed. */
  readonly closed: boolean;
}

/**
 * Where the database is: a PostgreSQL server (`connectionString`) or PGlite. Give one.
 *
 * @example
 * ```ts
 * const onServer: ConnectionOptions = { connectionString: 'postgres://app@db:5432/app' };
 * const embedded: ConnectionOptions = { pglite: { dataDir: './data/warden' } };
 * ```
 */
export interface ConnectionOptions {
  /**
   * A PostgreSQL connection string, e.g. `postgres://user@db.internal:5432/app`. Every process
   * given the same one (and `schema`) shares one queue: scaling out is starting more of them.
   * @default none (give this or `pglite`)
   */
  connectionString?: string;
  /**
   * Embedded Postgres instead of a server: a PGlite instance (left open on shutdown), or
   * `{ dataDir }` to open one on a directory (durable; closed on shutdown), or `{}` for one in
   * memory. PGlite is one connection in one process: use it for a single-process service.
   * @default none (give this or `connectionString`)
   */
  pglite?: PGliteInstance | { dataDir?: string };
  /**
   * How many connections the `pg` pool may open (one more is used for LISTEN).
   * @default 10
   */
  poolSize?: number;
  /**
   * More `pg.Pool` options (a `pg.PoolConfig`: TLS, timeouts…), merged over the backend's own.
   * Typed as any object so that these types compile without `@types/pg`.
   * @default none
   */
  poolConfig?: object;
  /**
   * Where the backend logs.
   * @default createConsoleLogger()
   */
  logger?: Logger;
}

/**
 * How the wait before a retry grows: `initialDelay × factor^(attempt − 1)`, capped at
 * `maxDelay`, then up to `jitter` of it drawn away at random.
 *
 * @example
 * ```ts
 * new PostgresBackend({ connectionString, backoff: { initialDelay: 500, maxDelay: 60_000 } });
 * ```
 */
export interface RetryBackoff {
  /**
   * The wait before the second attempt, in ms.
   * @default 1_000
   */
  initialDelay?: number;
  /**
   * The longest wait, in ms.
   * @default 300_000 (5 minutes)
   */
  maxDelay?: number;
  /**
   * What each further attempt multiplies the wait by (≥ 1).
   * @default 2
   */
  factor?: number;
  /**
   * The fraction (0–1) of the wait drawn at random, so that failed jobs do not retry in step.
   * @default 0.5
   */
  jitter?: number;
}

/**
 * Settings of one task type; each falls back to the backend-wide one.
 *
 * @example
 * ```ts
 * new PostgresBackend({ connectionString, types: { 'pdf.render': { concurrency: 2, timeout: 60_000 } } });
 * ```
 */
export interface TaskTypeOptions {
  /**
   * Attempts a job of this type gets (a job's own `maxAttempts` wins).
   * @default the backend's `maxAttempts`
   */
  maxAttempts?: number;
  /**
   * The retry backoff of this type.
   * @default the backend's `backoff`
   */
  backoff?: RetryBackoff;
  /**
   * At most this many jobs of this type run at once in this worker (within `concurrency`).
   * @default no limit beyond `concurrency`
   */
  concurrency?: number;
  /**
   * The time limit of each attempt, in ms, when the job does not set one.
   * @default no limit
   */
  timeout?: number;
}

/**
 * Options of {@link PostgresBackend}. Give `connectionString` or `pglite`; every other field
 * has its default in {@link postgresBackendDefaults}.
 *
 * @example
 * ```ts
 * new PostgresBackend({ connectionString, concurrency: 20, leaseTimeout: 5_000, maxAttempts: 5 });
 * ```
 */
export interface PostgresBackendOptions extends ConnectionOptions {
  /**
   * A name for logs, errors and the runtime's shutdown report.
   * @default 'postgres'
   */
  name?: string;
  /**
   * The Postgres schema holding the backend's tables: a lowercase identifier. Backends with the
   * same database and schema share one queue.
   * @default 'warden'
   */
  schema?: string;
  /**
   * Create or update the schema at `start()` (see `migrate()`); `false` when a deploy step does.
   * @default true
   */
  migrate?: boolean;
  /**
   * How many jobs this process runs at once. `0` makes it a producer only: it submits, cancels
   * and reads, and never claims.
   * @default 10
   */
  concurrency?: number;
  /**
   * How many jobs beyond `concurrency` a worker claims ahead, so the next job starts without a
   * round trip to the database. `'auto'`: as many as keep the slots busy while a claim travels
   * (concurrency × claim latency ÷ job duration, doubled, at most 500, and never more than the
   * slots run in a sixteenth of `leaseTimeout`): many for jobs of a few
   * milliseconds, none for jobs that run for seconds. Prefetched jobs hold a lease (a crashed
   * worker's prefetched jobs wait for it like its running ones); a shutdown hands them back at once.
   * @default 'auto'
   */
  prefetch?: number | 'auto';
  /**
   * How often an idle worker looks for due jobs without being notified (the fallback for a
   * missed NOTIFY), in ms.
   * @default 2_000
   */
  pollInterval?: number;
  /**
   * How long a worker's lease on a running job lasts without renewal, in ms (≥ 1,000). Workers
   * renew every quarter of it and sweep expired leases every sixteenth, so a crashed worker's
   * jobs run again elsewhere within about 1.25 × this.
   * @default 10_000
   */
  leaseTimeout?: number;
  /**
   * Attempts a job gets unless its type or the job says otherwise (1: no retries).
   * @default 3
   */
  maxAttempts?: number;
  /**
   * The wait before a retry.
   * @default { initialDelay: 1_000, maxDelay: 300_000, factor: 2, jitter: 0.5 }
   */
  backoff?: RetryBackoff;
  /**
   * Per-type settings. A type named here is also one this backend accepts at `submit` without a
   * handler of its own (a producer naming the types its workers run).
   * @default {}
   */
  types?: Record<string, TaskTypeOptions>;
  /**
   * How long succeeded and cancelled jobs (and their events) are kept, in ms.
   * @default 604_800_000 (7 days)
   */
  retention?: number;
  /**
   * How long failed jobs (dead letters) are kept, in ms; `null`: until deleted by hand.
   * @default null
   */
  failedRetention?: number | null;
  /**
   * This worker's id in the `locked_by` column.
   * @default `<hostname>:<pid>:<random>`
   */
  workerId?: string;
  /**
   * Told of every failed attempt (retried or not), after it is logged. Must not throw.
   * @default none
   */
  onError?: (error: Error, task: FailedTaskInfo) => void;
  /**
   * The largest payload `submit` accepts, in bytes of UTF-8 JSON.
   * @default 1 MiB (1,048,576)
   */
  maxPayloadBytes?: number;
  /**
   * How long `shutdown()` lets running jobs finish before cancelling them and handing them back,
   * in ms, when the call does not say.
   * @default 10_000
   */
  shutdownTimeout?: number;
  /**
   * How long `shutdown()` waits after cancelling, in ms, when the call does not say.
   * @default 1_000
   */
  shutdownGrace?: number;
  /**
   * A token whose cancellation cancels every running job of this worker.
   * @default a new root token
   */
  token?: CancelToken;
  /**
   * The {@link Runtime} whose shutdown drains this backend (a `drain`-phase hook added at
   * `start()`); `false`: none.
   * @default getDefaultRuntime(), read at `start()`
   */
  runtime?: Runtime | false;
}

/**
 * The defaults of {@link PostgresBackendOptions}, in one place.
 *
 * @example
 * ```ts
 * postgresBackendDefaults.leaseTimeout; // 10_000
 * ```
 */
export const postgresBackendDefaults = {
  name: 'postgres',
  schema: 'warden',
  migrate: true,
  poolSize: 10,
  concurrency: 10,
  prefetch: 'auto',
  pollInterval: 2_000,
  leaseTimeout: 10_000,
  maxAttempts: 3,
  backoff: { initialDelay: 1_000, maxDelay: 300_000, factor: 2, jitter: 0.5 },
  types: {},
  retention: 7 * 24 * 3_600_000,
  failedRetention: null,
  maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
  shutdownTimeout: 10_000,
  shutdownGrace: 1_000,
} as const satisfies PostgresBackendOptions;

/** @internal The keys of {@link ConnectionOptions}. */
export const connectionOptionKeys = optionKeys([
  'connectionString',
  'pglite',
  'poolSize',
  'poolConfig',
  'logger',
]) satisfies OptionKeys<keyof ConnectionOptions>;
