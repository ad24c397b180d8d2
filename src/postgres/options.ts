/**
 * Options of the Postgres backend, with every default in one place
 * ({@link postgresBackendDefaults}).
 *
 * @module
 */

import type { PGliteInterface } from '@electric-sql/pglite';
import type { PoolConfig } from 'pg';
import { validateTaskType } from '../backend/handler-registry.js';
import type { FailedTaskInfo } from '../backend/task-backend.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../backend/validate-payload.js';
import { CancelToken } from '../cancel/cancel-token.js';
import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { Runtime } from '../lifecycle/runtime.js';
import type { Logger } from '../observe/logger.js';
import { isPglite } from './internal/pglite-driver.js';
import { SCHEMA_PATTERN } from './sql/statement.js';

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
  pglite?: PGliteInterface | { dataDir?: string };
  /**
   * How many connections the `pg` pool may open (one more is used for LISTEN).
   * @default 10
   */
  poolSize?: number;
  /**
   * More `pg.Pool` options (TLS, timeouts…), merged over the backend's own.
   * @default none
   */
  poolConfig?: PoolConfig;
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

// `pglite` when it is `{ dataDir }` rather than a PGlite instance.
const pgliteOptionKeys = optionKeys(['dataDir']) satisfies OptionKeys<
  keyof Exclude<ConnectionOptions['pglite'], PGliteInterface | undefined>
>;

const postgresOptionKeys = optionKeys(postgresBackendDefaults, [
  ...connectionOptionKeys,
  'workerId',
  'onError',
  'token',
  'runtime',
]) satisfies OptionKeys<keyof PostgresBackendOptions>;

const backoffOptionKeys = optionKeys(postgresBackendDefaults.backoff) satisfies OptionKeys<
  keyof RetryBackoff
>;

const typeOptionKeys = optionKeys([
  'maxAttempts',
  'backoff',
  'concurrency',
  'timeout',
]) satisfies OptionKeys<keyof TaskTypeOptions>;

/** A backoff with every field filled in. */
export type ResolvedBackoff = Required<RetryBackoff>;

/** A type's settings, resolved. */
export interface ResolvedTypeOptions {
  readonly maxAttempts: number;
  readonly backoff: ResolvedBackoff;
  readonly concurrency: number | undefined;
  readonly timeout: number | undefined;
}

/**
 * Throw unless exactly one of `connectionString` and `pglite` is given, well formed; `context`
 * (`'PostgresBackend'`, `'migrate'`) names the call in errors.
 */
export function validateConnection(options: ConnectionOptions, context: string): void {
  const { connectionString, pglite, poolSize } = options;
  if ((connectionString === undefined) === (pglite === undefined)) {
    throw new InvalidArgumentError(
      'options',
      'exactly one of connectionString and pglite',
      connectionString === undefined ? 'neither' : 'both',
    );
  }
  if (connectionString !== undefined && typeof connectionString !== 'string') {
    throw new InvalidArgumentError('options.connectionString', 'a string', connectionString);
  }
  if (pglite !== undefined && (typeof pglite !== 'object' || pglite === null)) {
    throw new InvalidArgumentError('options.pglite', 'a PGlite instance or { dataDir }', pglite);
  }
  // A PGlite instance is not options: only `{ dataDir }` has its keys checked.
  if (pglite !== undefined && !isPglite(pglite)) {
    checkOptionKeys(pglite, pgliteOptionKeys, context, 'options.pglite');
  }
  if (poolSize !== undefined) integer('options.poolSize', poolSize, 1);
}

/** Throw unless `value` is an integer ≥ `min` (and ≤ `max`). */
export function integer(argument: string, value: unknown, min: number, max = 2 ** 31 - 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(argument, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function duration(argument: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidArgumentError(argument, `a finite number of ms ≥ ${min}`, value);
  }
  return value;
}

/** Fill `backoff` from `base`, checking each field. */
export function resolveBackoff(
  argument: string,
  backoff: RetryBackoff | undefined,
  base: ResolvedBackoff,
): ResolvedBackoff {
  if (backoff === undefined) return base;
  if (typeof backoff !== 'object' || backoff === null) {
    throw new InvalidArgumentError(argument, 'an object', backoff);
  }
  checkOptionKeys(backoff, backoffOptionKeys, 'PostgresBackend', argument);
  const resolved = { ...base, ...backoff };
  duration(`${argument}.initialDelay`, resolved.initialDelay, 0);
  duration(`${argument}.maxDelay`, resolved.maxDelay, 0);
  if (!(resolved.factor >= 1) || !Number.isFinite(resolved.factor)) {
    throw new InvalidArgumentError(`${argument}.factor`, 'a finite number ≥ 1', resolved.factor);
  }
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1)) {
    throw new InvalidArgumentError(`${argument}.jitter`, 'a number from 0 to 1', resolved.jitter);
  }
  return resolved;
}

/** Options with every default filled in and every value checked. */
export interface ResolvedPostgresOptions {
  readonly name: string;
  readonly schema: string;
  readonly migrate: boolean;
  readonly concurrency: number;
  readonly prefetch: number | 'auto';
  readonly pollInterval: number;
  readonly leaseTimeout: number;
  readonly maxAttempts: number;
  readonly backoff: ResolvedBackoff;
  readonly types: ReadonlyMap<string, ResolvedTypeOptions>;
  readonly retention: number;
  readonly failedRetention: number | null;
  readonly workerId: string | undefined;
  readonly onError: ((error: Error, task: FailedTaskInfo) => void) | undefined;
  readonly maxPayloadBytes: number;
  readonly shutdownTimeout: number;
  readonly shutdownGrace: number;
  readonly token: CancelToken | undefined;
  readonly runtime: Runtime | false | undefined;
}

/** Check `options` and fill in the defaults. */
export function resolvePostgresOptions(options: PostgresBackendOptions): ResolvedPostgresOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, postgresOptionKeys, 'PostgresBackend');
  validateConnection(options, 'PostgresBackend');
  const d = postgresBackendDefaults;
  const name = options.name ?? d.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError('options.name', 'a non-empty string', name);
  }
  const schema = options.schema ?? d.schema;
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) {
    throw new InvalidArgumentError('options.schema', `a name matching ${SCHEMA_PATTERN}`, schema);
  }
  const concurrency = integer(
    'options.concurrency',
    options.concurrency ?? d.concurrency,
    0,
    10_000,
  );
  const maxAttempts = integer(
    'options.maxAttempts',
    options.maxAttempts ?? d.maxAttempts,
    1,
    1_000_000,
  );
  const backoff = resolveBackoff('options.backoff', options.backoff, d.backoff);
  const types = new Map<string, ResolvedTypeOptions>();
  const typeEntries: Array<[string, TaskTypeOptions]> = Object.entries(options.types ?? {});
  for (const [type, typeOptions] of typeEntries) {
    validateTaskType('options.types', type);
    const at = `options.types[${JSON.stringify(type)}]`;
    if (typeof typeOptions !== 'object' || typeOptions === null) {
      throw new InvalidArgumentError(at, 'an object', typeOptions);
    }
    checkOptionKeys(typeOptions, typeOptionKeys, 'PostgresBackend', at);
    types.set(type, {
      maxAttempts:
        typeOptions.maxAttempts === undefined
          ? maxAttempts
          : integer(`${at}.maxAttempts`, typeOptions.maxAttempts, 1, 1_000_000),
      backoff: resolveBackoff(`${at}.backoff`, typeOptions.backoff, backoff),
      concurrency:
        typeOptions.concurrency === undefined
          ? undefined
          : integer(`${at}.concurrency`, typeOptions.concurrency, 1, 10_000),
      timeout:
        typeOptions.timeout === undefined
          ? undefined
          : duration(`${at}.timeout`, typeOptions.timeout, 1),
    });
  }
  const failedRetention =
    options.failedRetention === undefined ? d.failedRetention : options.failedRetention;
  const { onError, token, runtime, workerId } = options;
  if (onError !== undefined && typeof onError !== 'function') {
    throw new InvalidArgumentError('options.onError', 'a function', onError);
  }
  if (token !== undefined && !(token instanceof CancelToken)) {
    throw new InvalidArgumentError('options.token', 'a CancelToken', token);
  }
  if (runtime !== undefined && runtime !== false && !(runtime instanceof Runtime)) {
    throw new InvalidArgumentError('options.runtime', 'a Runtime or false', runtime);
  }
  if (workerId !== undefined && (typeof workerId !== 'string' || workerId.length === 0)) {
    throw new InvalidArgumentError('options.workerId', 'a non-empty string', workerId);
  }
  if (options.migrate !== undefined && typeof options.migrate !== 'boolean') {
    throw new InvalidArgumentError('options.migrate', 'a boolean', options.migrate);
  }
  return {
    name,
    schema,
    migrate: options.migrate ?? d.migrate,
    concurrency,
    prefetch:
      options.prefetch === undefined || options.prefetch === 'auto'
        ? 'auto'
        : integer('options.prefetch', options.prefetch, 0, 100_000),
    pollInterval: duration('options.pollInterval', options.pollInterval ?? d.pollInterval, 10),
    leaseTimeout: duration('options.leaseTimeout', options.leaseTimeout ?? d.leaseTimeout, 1_000),
    maxAttempts,
    backoff,
    types,
    retention: duration('options.retention', options.retention ?? d.retention, 0),
    failedRetention:
      failedRetention === null ? null : duration('options.failedRetention', failedRetention, 0),
    workerId,
    onError,
    maxPayloadBytes: duration(
      'options.maxPayloadBytes',
      options.maxPayloadBytes ?? d.maxPayloadBytes,
      1,
    ),
    shutdownTimeout: duration(
      'options.shutdownTimeout',
      options.shutdownTimeout ?? d.shutdownTimeout,
      0,
    ),
    shutdownGrace: duration('options.shutdownGrace', options.shutdownGrace ?? d.shutdownGrace, 0),
    token,
    runtime,
  };
}
