// Checks of what `submit`, `cancel`, `shutdown` and the backend constructors are given. Bad input
// fails with a typed error; `submit` turns the throw into a rejection.

import { CancelReason } from '../../cancel/cancel-reason.js';
import { CancelToken } from '../../cancel/cancel-token.js';
import { InvalidArgumentError } from '../../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../../internal/option-keys.js';
import { Runtime } from '../../lifecycle/runtime.js';
import type { Logger } from '../../observe/logger.js';
import { validateTimeout } from '../../task/internal/validate.js';
import { type BackendOptions, backendDefaults } from '../backend-options.js';
import type { BackendShutdownOptions, FailedTaskInfo, TaskSpec } from '../task-backend.js';
import type { FollowOptions, ListTasksOptions } from '../task-events.js';
import { checkMaxPayloadBytes } from '../validate-payload.js';

// The keys of the objects every backend's methods take. None has a defaults object: their
// defaults are the backend's own options, or fixed in the interfaces' docs.

/** The keys of {@link TaskSpec}, as `submit` takes it. */
export const taskSpecKeys = optionKeys(['type', 'payload', 'id', 'timeout']) satisfies OptionKeys<
  keyof TaskSpec
>;

/**
 * What a durable backend adds to a task spec. The in-memory backends accept these keys too, so
 * that the code that submits work does not change from a unit test to a worker pool; only the
 * durable backend acts on them.
 */
export const DURABLE_SPEC_KEYS = [
  'runAt',
  'priority',
  'maxAttempts',
  'jobKey',
  'jobKeyMode',
] as const;

/** The keys an in-memory backend's `submit` accepts: its own and the durable ones. */
export const memoryTaskSpecKeys = optionKeys([...taskSpecKeys, ...DURABLE_SPEC_KEYS]);

/** The keys of {@link BackendShutdownOptions}. */
export const shutdownOptionKeys = optionKeys([
  'timeout',
  'grace',
  'dropQueued',
]) satisfies OptionKeys<keyof BackendShutdownOptions>;

/** The keys of {@link ListTasksOptions}. */
export const listTasksOptionKeys = optionKeys([
  'state',
  'type',
  'limit',
  'cursor',
]) satisfies OptionKeys<keyof ListTasksOptions>;

/** The keys of {@link FollowOptions}. */
export const followOptionKeys = optionKeys(['after', 'signal']) satisfies OptionKeys<
  keyof FollowOptions
>;

// URL-path safe, starts with a letter or digit: ids appear in `/tasks/:id`.
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._~:-]{0,127}$/;

/** A caller-provided task id. */
export function validateTaskId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new InvalidArgumentError(
      'task.id',
      'a string of 1–128 characters from A–Z a–z 0–9 . _ ~ : - starting with a letter or digit',
      id,
    );
  }
}

/** A cancellation reason as `cancel(id, reason)` accepts it. */
export function validateReason(reason: unknown): void {
  if (reason !== undefined && typeof reason !== 'string' && !CancelReason.is(reason)) {
    throw new InvalidArgumentError('reason', 'a CancelReason, a string or undefined', reason);
  }
}

/** The common backend options, resolved against their defaults. */
export interface ResolvedBackendOptions {
  readonly name: string;
  readonly logger: Logger | undefined;
  readonly onError: ((error: Error, task: FailedTaskInfo) => void) | undefined;
  readonly maxPayloadBytes: number;
  readonly shutdownTimeout: number;
  readonly shutdownGrace: number;
  readonly token: CancelToken | undefined;
  readonly runtime: Runtime | false | undefined;
  readonly maxEventsPerTask: number;
  readonly maxFinishedTasks: number;
}

/**
 * Check the common options and fill in the defaults. `kind` names the backend (`className`, in
 * errors) and every key its options may have, its own ones too.
 */
export function resolveBackendOptions(
  options: BackendOptions,
  kind: {
    readonly defaultName: string;
    readonly className: string;
    readonly optionKeys: ReadonlySet<string>;
  },
): ResolvedBackendOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, kind.optionKeys, kind.className);
  const {
    name = kind.defaultName,
    logger,
    onError,
    maxPayloadBytes = backendDefaults.maxPayloadBytes,
    shutdownTimeout = backendDefaults.shutdownTimeout,
    shutdownGrace = backendDefaults.shutdownGrace,
    token,
    runtime,
    maxEventsPerTask = backendDefaults.maxEventsPerTask,
    maxFinishedTasks = backendDefaults.maxFinishedTasks,
  } = options;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError('options.name', 'a non-empty string', name);
  }
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger?.error !== 'function')) {
    throw new InvalidArgumentError('options.logger', 'a Logger', logger);
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw new InvalidArgumentError('options.onError', 'a function', onError);
  }
  checkMaxPayloadBytes('options.maxPayloadBytes', maxPayloadBytes);
  validateTimeout('options.shutdownTimeout', shutdownTimeout);
  validateTimeout('options.shutdownGrace', shutdownGrace);
  if (token !== undefined && !(token instanceof CancelToken)) {
    throw new InvalidArgumentError('options.token', 'a CancelToken', token);
  }
  if (runtime !== undefined && runtime !== false && !(runtime instanceof Runtime)) {
    throw new InvalidArgumentError('options.runtime', 'a Runtime or false', runtime);
  }
  if (!Number.isInteger(maxEventsPerTask) || maxEventsPerTask < 1) {
    throw new InvalidArgumentError('options.maxEventsPerTask', 'an integer ≥ 1', maxEventsPerTask);
  }
  if (!Number.isInteger(maxFinishedTasks) || maxFinishedTasks < 0) {
    throw new InvalidArgumentError('options.maxFinishedTasks', 'an integer ≥ 0', maxFinishedTasks);
  }
  return {
    name,
    logger,
    onError,
    maxPayloadBytes,
    shutdownTimeout,
    shutdownGrace,
    token,
    runtime,
    maxEventsPerTask,
    maxFinishedTasks,
  };
}

/** The options of one `shutdown()` call, resolved against the backend's; `context` names it. */
export function resolveShutdownOptions(
  options: BackendShutdownOptions,
  backend: ResolvedBackendOptions,
  context: string,
): Required<BackendShutdownOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, shutdownOptionKeys, context);
  const {
    timeout = backend.shutdownTimeout,
    grace = backend.shutdownGrace,
    dropQueued = false,
  } = options;
  validateTimeout('options.timeout', timeout);
  validateTimeout('options.grace', grace);
  if (typeof dropQueued !== 'boolean') {
    throw new InvalidArgumentError('options.dropQueued', 'a boolean', dropQueued);
  }
  return { timeout, grace, dropQueued };
}
