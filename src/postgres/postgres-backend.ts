/**
 * The durable task backend: jobs stored in PostgreSQL (a server through `pg`, or embedded
 * PGlite), claimed by workers in any number of processes.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  BackendNotStartedError,
  BackendShutDownError,
  DatabaseUnavailableError,
  UnknownTaskError,
  UnknownTaskTypeError,
} from '../backend/errors.js';
import { HandlerRegistry } from '../backend/handler-registry.js';
import {
  type BatchFollower,
  type BatchSource,
  FOLLOW_BATCHES,
} from '../backend/internal/batch-follow.js';
import { registerDrainHook } from '../backend/internal/runtime-drain-hook.js';
import { logShutdownReport } from '../backend/internal/shutdown-log.js';
import {
  SHUT_DOWN_IN_STAGES,
  type ShutdownStages,
  type StagedShutdownSource,
} from '../backend/internal/staged-shutdown.js';
import { validateReason } from '../backend/internal/validate-task.js';
import type {
  BackendShutdownOptions,
  BackendShutdownReport,
  BackendState,
  HandlerRegistration,
  TaskBackend,
  TaskExecutor,
  TaskHandler,
} from '../backend/task-backend.js';
import type {
  FollowOptions,
  ListTasksOptions,
  TaskEvent,
  TaskEventSource,
  TaskState,
} from '../backend/task-events.js';
import { CancelReason, type CancelReasonInput } from '../cancel/cancel-reason.js';
import { CancelToken } from '../cancel/cancel-token.js';
import { InvalidArgumentError } from '../errors.js';
import { isStorableText } from '../internal/storable-text.js';
import type { ShutdownHookRegistration } from '../lifecycle/runtime-options.js';
import { createConsoleLogger, type Logger } from '../observe/logger.js';
import { isConnectionError } from './driver.js';
import { cancelTask } from './internal/cancel-task.js';
import { type Connection, connect } from './internal/connection.js';
import { DeferredFollower } from './internal/deferred-follower.js';
import { close, drain } from './internal/drain.js';
import { jobRow } from './internal/job-spec.js';
import { listOptions, retryOptions, shutdownOptions } from './internal/read-options.js';
import { RecordReader } from './internal/record-reader.js';
import {
  type ResolvedPostgresOptions,
  resolvePostgresOptions,
} from './internal/resolve-options.js';
import { stateCounts, type TaskRow, toTaskInfo } from './internal/task-row.js';
import type { WorkerCounters } from './internal/worker.js';
import type { PostgresBackendOptions } from './options.js';
import { countJobs } from './sql/count-jobs.js';
import { listTasks } from './sql/list-tasks.js';
import { retryJob } from './sql/retry-job.js';
import { type SchemaNames, schemaNames } from './sql/statement.js';
import type {
  PostgresBackendStats,
  PostgresHealth,
  PostgresSubmitResult,
  PostgresTaskInfo,
  PostgresTaskSpec,
  RetryTaskOptions,
} from './types.js';

/**
 * A durable {@link TaskBackend} and {@link TaskEventSource} on PostgreSQL: `submit` stores the
 * job; workers (this process, with `concurrency > 0`, and any other process on the same database
 * and schema) claim it, run its handler and record how it ended. Runs over `pg` against a server
 * (`connectionString`) or over PGlite (`pglite`) with the same SQL.
 *
 * **Guarantees.** At-least-once: a job accepted by `submit` runs until it succeeds, fails for
 * good, or is cancelled, even if workers crash. A claimed job is held under a *lease* that its
 * worker renews every `leaseTimeout / 4` until the job's outcome is written; while the lease is
 * alive no other worker runs the job. A worker that dies (`kill -9`, network cut) stops
 * renewing; within about `1.25 × leaseTimeout` another worker takes the job back, in its place in
 * the queue, and runs it again (an attempt that had begun counts, and is in the job's error
 * history; one only claimed ahead does not). A failure is retried with exponential backoff and jitter up to
 * `maxAttempts`; then the job stays `failed` (a dead letter) with every attempt's error, for
 * {@link PostgresBackend.listTasks} and {@link PostgresBackend.retry}. `cancel(id)` works from
 * any process: a queued job never runs; a running job's token is cancelled on whichever worker
 * runs it (NOTIFY, with the heartbeat as fallback) and the job ends `cancelled`, not retried.
 * Every job's events are stored in order, end with exactly one terminal event, and can be
 * followed from any process.
 *
 * **Not guaranteed.** Exactly-once: a handler may run again after a crash, or after its worker
 * lost its lease while still running (it is then cancelled, but may not stop at once). Make
 * handlers idempotent. Cancellation is cooperative. `stats()` counts this process only.
 *
 * @example
 * ```ts
 * const backend = new PostgresBackend({ connectionString: process.env.DATABASE_URL });
 * backend.register<{ to: string }>('email.send', async (payload, ctx) => {
 *   await sendEmail(payload.to, { signal: ctx.token.signal });
 * });
 * await backend.start();
 * const { id } = await backend.submit({ type: 'email.send', payload: { to: 'a@example.com' } });
 * for await (const event of backend.events(id)) console.log(event.type);
 * await backend.shutdown();
 * ```
 */
export class PostgresBackend
  implements TaskBackend, TaskEventSource, BatchSource, StagedShutdownSource
{
  /** A name for logs and errors. */
  readonly name: string;
  /** This worker's id (the `locked_by` of the jobs it runs). */
  readonly workerId: string;

  private readonly _options: ResolvedPostgresOptions;
  private readonly _connectionOptions: PostgresBackendOptions;
  private readonly _logger: Logger;
  private readonly _token: CancelToken;
  private readonly _schema: SchemaNames;
  private readonly _registry = new HandlerRegistry();
  private readonly _counters: WorkerCounters = {
    claimed: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    retried: 0,
    released: 0,
    leasesLost: 0,
  };
  private _executor = false;
  private _state: BackendState = 'created';
  private _submitted = 0;
  private _connecting: Promise<Connection> | undefined = undefined;
  private _connection: Connection | undefined = undefined;
  private _shutdown: ShutdownStages | undefined = undefined;
  private _closed: Promise<void> | undefined = undefined;
  private _shutdownDone: Promise<BackendShutdownReport> | undefined = undefined;
  /** Reads `getTask`'s records, those of one event-loop turn in one statement. */
  private _records: RecordReader | undefined = undefined;
  private _runtimeHook: ShutdownHookRegistration | undefined = undefined;

  constructor(options: PostgresBackendOptions) {
    this._options = resolvePostgresOptions(options);
    this._connectionOptions = options;
    this.name = this._options.name;
    this._logger = options.logger ?? createConsoleLogger();
    this._token = options.token === undefined ? new CancelToken() : options.token.child();
    this._schema = schemaNames(this._options.schema);
    this.workerId =
      this._options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /** Where the backend is in its life: `created` → `started` → `stopping` → `stopped`. */
  get state(): BackendState {
    return this._state;
  }

  /** Register the handler for tasks of `type`; see {@link TaskBackend.register}. */
  register<P = unknown>(type: string, handler: TaskHandler<P>): HandlerRegistration {
    const registration = this._registry.register(type, handler);
    this._connection?.worker?.reconnected();
    return registration;
  }

  /** Set (or clear) the fallback that runs every type without a handler (claims any type). */
  setExecutor(executor: TaskExecutor | undefined): void {
    this._registry.setExecutor(executor);
    this._executor = executor !== undefined;
    this._connection?.worker?.reconnected();
  }

  /**
   * Connect, create or update the schema (unless `migrate: false`), start listening and, with
   * `concurrency > 0`, start claiming. Idempotent. Rejects with `DatabaseUnavailableError` or
   * `MigrationFailedError` (the backend stays `created`: `start()` may be called again), and with
   * `BackendShutDownError` after a shutdown.
   */
  async start(): Promise<void> {
    if (this._state === 'started') return;
    if (this._state !== 'created') throw new BackendShutDownError(this.name);
    const connection = await this._connect();
    if (this._state !== 'created') return;
    this._hookIntoRuntime();
    this._state = 'started';
    connection.worker?.start();
    this._logger.debug({ backend: this.name, workerId: this.workerId }, 'postgres backend started');
  }

  /**
   * Store a job. Resolves with its id once it is committed (`outcome` tells whether a job key
   * matched a pending job). Rejects, never throws, with a typed error: see {@link TaskBackend};
   * also `DatabaseUnavailableError`.
   */
  async submit<P = unknown>(task: PostgresTaskSpec<P>): Promise<PostgresSubmitResult> {
    const connection = this._started();
    const row = jobRow(task, this._options, (type) => this._checkKnown(type));
    const result = await connection.submitter.insert(row);
    this._submitted++;
    return result;
  }

  /** Submit many jobs at once (one statement for those without a key); in order. */
  submitMany(tasks: readonly PostgresTaskSpec[]): Promise<PostgresSubmitResult[]> {
    if (!Array.isArray(tasks)) {
      return Promise.reject(new InvalidArgumentError('tasks', 'an array', tasks));
    }
    return Promise.all(tasks.map((task) => this.submit(task)));
  }

  /**
   * Cancel a job from any process: a queued one ends `cancelled` at once; a running one has its
   * token cancelled wherever it runs, and ends `cancelled` (not retried). Resolves `true` when
   * this call delivered the cancellation, `false` for an unknown, finished or already-cancelled
   * job.
   */
  async cancel(id: string, reason?: CancelReasonInput): Promise<boolean> {
    if (typeof id !== 'string') throw new InvalidArgumentError('id', 'a string', id);
    validateReason(reason);
    // No stored id holds a NUL or half a character (ids are checked at submit).
    if (!isStorableText(id)) return false;
    const connection = await this._connected();
    const full =
      reason === undefined || typeof reason === 'string'
        ? CancelReason.requested(reason ?? 'task cancelled')
        : reason;
    return cancelTask(
      {
        schema: this._schema,
        workerId: this.workerId,
        query: (what, run) => this._query(connection, what, run),
        cancelledQueued: () => {
          this._counters.cancelled++;
        },
      },
      connection,
      id,
      full,
    );
  }

  /**
   * Run a failed (or cancelled) job again: a copy is queued under a new id with a fresh attempt
   * budget, linked by `retryOf`; the original keeps its record. Resolves with the new job's id,
   * or `undefined` when `id` is unknown or not failed or cancelled.
   */
  async retry(
    id: string,
    options: RetryTaskOptions = {},
  ): Promise<PostgresSubmitResult | undefined> {
    if (typeof id !== 'string') throw new InvalidArgumentError('id', 'a string', id);
    const { id: newId, maxAttempts: attempts } = retryOptions(options);
    if (!isStorableText(id)) return undefined;
    const connection = await this._connected();
    const rows = await this._query<{ id: string }>(connection, 'retry the task', () =>
      connection.driver.query(retryJob(this._schema), [id, newId, attempts, this._schema.channel]),
    );
    return rows[0] === undefined ? undefined : { id: rows[0].id, outcome: 'inserted' };
  }

  /** The job's record, or `undefined` for an unknown (or deleted) id. */
  async getTask(id: string): Promise<PostgresTaskInfo | undefined> {
    if (typeof id !== 'string') throw new InvalidArgumentError('id', 'a string', id);
    if (!isStorableText(id)) return undefined;
    const connection = await this._connected();
    this._records ??= new RecordReader(connection.driver, this._schema);
    const records = this._records;
    const rows = await this._query<TaskRow>(connection, 'read the task', async () => {
      const row = await records.read(id);
      return row === undefined ? [] : [row];
    });
    return rows[0] === undefined ? undefined : toTaskInfo(rows[0]);
  }

  /** Job records, newest first; `{ state: 'failed' }` lists the dead letters. */
  async listTasks(options: ListTasksOptions = {}): Promise<PostgresTaskInfo[]> {
    const { states, type, limit, cursor } = listOptions(options);
    const connection = await this._connected();
    const rows = await this._query<TaskRow>(connection, 'list tasks', () =>
      connection.driver.query(listTasks(this._schema), [states, type, cursor, limit]),
    );
    return rows.map(toTaskInfo);
  }

  /** Follow a job's events from any process; see {@link TaskEventSource.events}. */
  events(id: string, options: FollowOptions = {}): AsyncIterable<TaskEvent> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        const connection = await self._connected();
        // An id that no task can have (a NUL would reach PostgreSQL, which refuses it).
        if (typeof id === 'string' && !isStorableText(id)) {
          throw new UnknownTaskError(self.name, id);
        }
        yield* connection.followers.follow(id, options);
      },
    };
  }

  /**
   * @internal Follow in batches (the coordinator's subscribers): one shared live read per task
   * in this process, as for {@link PostgresBackend.events}.
   */
  [FOLLOW_BATCHES](id: string, after: number): BatchFollower {
    return new DeferredFollower(async () => (await this._connected()).followers.member(id, after));
  }

  /** How many jobs are in each state (counts the whole table: not for hot paths). */
  async counts(): Promise<Record<TaskState, number>> {
    const connection = await this._connected();
    const rows = await this._query<{ state: TaskState; count: number }>(
      connection,
      'count tasks',
      () => connection.driver.query(countJobs(this._schema)),
    );
    return stateCounts(rows);
  }

  /** Whether the database and the LISTEN connection work (for a readiness probe). */
  health(): PostgresHealth {
    const health = this._connection?.driver.health ?? { database: false, listener: false };
    return { status: health.database && health.listener ? 'ok' : 'degraded', ...health };
  }

  /**
   * This process's counters, a snapshot. An outcome is counted once its write has been
   * answered: a moment after `getTask` (from any process) already shows it.
   */
  stats(): PostgresBackendStats {
    const worker = this._connection?.worker;
    const c = this._counters;
    return {
      queued: worker?.ready ?? 0,
      running: worker?.running ?? 0,
      succeeded: c.succeeded,
      failed: c.failed,
      cancelled: c.cancelled,
      submitted: this._submitted,
      retried: c.retried,
      released: c.released,
      claimed: c.claimed,
      leasesLost: c.leasesLost,
    };
  }

  /**
   * Stop claiming, hand prefetched jobs back at once, let running jobs finish within `timeout`,
   * then cancel the rest and hand them back without counting the attempt (another worker takes
   * them at once); wait `grace` for them, write everything back, and close. Jobs still running
   * after `grace` are reported as `abandoned`: their leases are left to expire. Idempotent.
   */
  shutdown(options: BackendShutdownOptions = {}): Promise<BackendShutdownReport> {
    if (this._shutdownDone !== undefined) return this._shutdownDone;
    let stages: ShutdownStages;
    try {
      stages = this[SHUT_DOWN_IN_STAGES](options);
    } catch (error) {
      return Promise.reject(error);
    }
    this._shutdownDone = stages.drained.then(async (report) => {
      await stages.close();
      return report;
    });
    return this._shutdownDone;
  }

  /**
   * @internal The shutdown in two steps, for the coordinator that owns this backend: the drain
   * leaves the event followers open until `close()`. Throws for bad options.
   */
  [SHUT_DOWN_IN_STAGES](options: BackendShutdownOptions): ShutdownStages {
    if (this._shutdown !== undefined) return this._shutdown;
    const { timeout, grace } = shutdownOptions(options, this._options);
    const drained = this._drain(timeout, grace);
    const stages: ShutdownStages = {
      drained,
      close: () => {
        this._closed ??= drained.then(() => this._close());
        return this._closed;
      },
    };
    this._shutdown = stages;
    return stages;
  }

  /** `await using backend = …`: shuts the backend down with its default options. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  private _checkKnown(type: string): void {
    if (this._executor || this._registry.has(type) || this._options.types.has(type)) return;
    throw new UnknownTaskTypeError(this.name, type);
  }

  private _started(): Connection {
    if (this._state === 'created') throw new BackendNotStartedError(this.name);
    if (this._state !== 'started' || this._connection === undefined) {
      throw new BackendShutDownError(this.name);
    }
    return this._connection;
  }

  /**
   * The connection, opened on first use (reads work before `start()`, and during a shutdown
   * until it closes).
   */
  private async _connected(): Promise<Connection> {
    if (
      this._state === 'stopped' ||
      (this._state === 'stopping' && this._connection === undefined)
    ) {
      throw new BackendShutDownError(this.name);
    }
    return this._connection ?? this._connect();
  }

  private _connect(): Promise<Connection> {
    if (this._connecting === undefined) {
      this._connecting = connect({
        connection: this._connectionOptions,
        schema: this._schema,
        options: this._options,
        logger: this._logger,
        workerId: this.workerId,
        registry: this._registry,
        token: this._token,
        counters: this._counters,
        hasExecutor: () => this._executor,
      }).then(
        (connection) => {
          this._connection = connection;
          return connection;
        },
        (error: unknown) => {
          this._connecting = undefined;
          throw error;
        },
      );
    }
    return this._connecting;
  }

  /** Run a read or write for a caller: a connection failure becomes `DatabaseUnavailableError`. */
  private async _query<R>(
    _connection: Connection,
    what: string,
    run: () => Promise<R[]>,
  ): Promise<R[]> {
    try {
      return await run();
    } catch (error) {
      if (this._state === 'stopped') throw new BackendShutDownError(this.name);
      if (isConnectionError(error)) throw new DatabaseUnavailableError(this.name, what, error);
      throw error;
    }
  }

  private _hookIntoRuntime(): void {
    this._runtimeHook = registerDrainHook(this, this._options.runtime, this._options.shutdownGrace);
  }

  private async _drain(timeout: number, grace: number): Promise<BackendShutdownReport> {
    this._state = 'stopping';
    this._runtimeHook?.dispose();
    this._runtimeHook = undefined;
    const connection = this._connection ?? (await this._connecting?.catch(() => undefined));
    const report = await drain(this._drainContext(), connection, timeout, grace);
    logShutdownReport(this._logger, this.name, report);
    return report;
  }

  private async _close(): Promise<void> {
    const connection = this._connection ?? (await this._connecting?.catch(() => undefined));
    this._state = 'stopped';
    if (connection !== undefined) await close(this._drainContext(), connection);
  }

  private _drainContext() {
    return { name: this.name, logger: this._logger, token: this._token, counters: this._counters };
  }
}
