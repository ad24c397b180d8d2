// Checking and resolving the options of a PostgresBackend (and of `migrate`): every key known,
// every value in range, every default filled in. The options' shapes and defaults are in
// postgres/options.ts; what is resolved here is what the backend's internals read.

import { validateTaskType } from '../../backend/handler-registry.js';
import type { FailedTaskInfo } from '../../backend/task-backend.js';
import { checkMaxPayloadBytes } from '../../backend/validate-payload.js';
import { CancelToken } from '../../cancel/cancel-token.js';
import { InvalidArgumentError } from '../../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../../internal/option-keys.js';
import { Runtime } from '../../lifecycle/runtime.js';
import type { PGliteInstance } from '../options.js';
import {
  type ConnectionOptions,
  connectionOptionKeys,
  type PostgresBackendOptions,
  postgresBackendDefaults,
  type RetryBackoff,
  type TaskTypeOptions,
} from '../options.js';
import { SCHEMA_PATTERN } from '../sql/statement.js';
import { isPglite } from './pglite-driver.js';

// `pglite` when it is `{ dataDir }` rather than a PGlite instance.
const pgliteOptionKeys = optionKeys(['dataDir']) satisfies OptionKeys<
  keyof Exclude<ConnectionOptions['pglite'], PGliteInstance | undefined>
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
    maxPayloadBytes: checkMaxPayloadBytes(
      'options.maxPayloadBytes',
      options.maxPayloadBytes === undefined ? d.maxPayloadBytes : options.maxPayloadBytes,
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
