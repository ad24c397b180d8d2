// What `submit` checks and stores: a `PostgresTaskSpec` turned into the row to insert, or a
// typed error for anything malformed.

import { validateTaskType } from '../../backend/handler-registry.js';
import { newTaskId } from '../../backend/internal/task-id.js';
import {
  DURABLE_SPEC_KEYS,
  taskSpecKeys,
  validateTaskId,
} from '../../backend/internal/validate-task.js';
import { checkPayload } from '../../backend/validate-payload.js';
import { InvalidArgumentError } from '../../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../../internal/option-keys.js';
import { isStorableText } from '../../internal/storable-text.js';
import { validateTimeout } from '../../task/internal/validate.js';
import type { PostgresTaskSpec } from '../types.js';
import { integer, type ResolvedPostgresOptions } from './resolve-options.js';

/** A job ready to insert. */
export interface JobRow {
  readonly id: string;
  readonly type: string;
  /** The payload as JSON text. */
  readonly payload: string;
  readonly priority: number;
  /** ms since the epoch, or null for now. */
  readonly runAt: number | null;
  readonly maxAttempts: number;
  /** ms, or null for none. */
  readonly timeout: number | null;
  readonly jobKey: string | null;
  readonly replace: boolean;
}

// The durable options' defaults (priority 0, mode 'replace', the type's attempts) are in the
// docs of `PostgresTaskSpec` and applied below.
const postgresTaskSpecKeys = optionKeys([
  ...taskSpecKeys,
  ...DURABLE_SPEC_KEYS,
]) satisfies OptionKeys<keyof PostgresTaskSpec>;

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const MAX_JOB_KEY = 512;

/**
 * Check `spec` and build its row. `known(type)` says whether this backend accepts the type
 * (throws `UnknownTaskTypeError` itself when not). Throws a typed error for a malformed spec.
 */
export function jobRow(
  spec: PostgresTaskSpec,
  options: ResolvedPostgresOptions,
  known: (type: string) => void,
): JobRow {
  if (typeof spec !== 'object' || spec === null) {
    throw new InvalidArgumentError('task', 'a task object { type, payload }', spec);
  }
  checkOptionKeys(spec, postgresTaskSpecKeys, 'PostgresBackend.submit', 'task');
  const { type, payload, timeout, runAt, priority = 0, maxAttempts, jobKey, jobKeyMode } = spec;
  validateTaskType('task.type', type);
  known(type);
  if (timeout !== undefined) validateTimeout('task.timeout', timeout);
  if (timeout !== undefined && timeout > INT_MAX) {
    throw new InvalidArgumentError('task.timeout', `at most ${INT_MAX} ms`, timeout);
  }
  integer('task.priority', priority, INT_MIN, INT_MAX);
  if (maxAttempts !== undefined) integer('task.maxAttempts', maxAttempts, 1, 1_000_000);
  if (
    jobKey !== undefined &&
    (typeof jobKey !== 'string' ||
      jobKey.length === 0 ||
      jobKey.length > MAX_JOB_KEY ||
      !isStorableText(jobKey))
  ) {
    throw new InvalidArgumentError(
      'task.jobKey',
      `a string of 1–${MAX_JOB_KEY} characters without NUL or lone surrogates`,
      jobKey,
    );
  }
  if (jobKeyMode !== undefined && jobKeyMode !== 'replace' && jobKeyMode !== 'keep') {
    throw new InvalidArgumentError('task.jobKeyMode', "'replace' or 'keep'", jobKeyMode);
  }
  checkPayload(payload, options.maxPayloadBytes);
  let id = spec.id;
  if (id === undefined) id = newTaskId();
  else validateTaskId(id);
  return {
    id,
    type,
    payload: JSON.stringify(payload),
    priority,
    runAt: runAtOf(runAt),
    maxAttempts: maxAttempts ?? options.types.get(type)?.maxAttempts ?? options.maxAttempts,
    timeout: timeout === undefined ? null : Math.ceil(timeout),
    jobKey: jobKey ?? null,
    replace: jobKeyMode !== 'keep',
  };
}

function runAtOf(runAt: Date | number | undefined): number | null {
  if (runAt === undefined) return null;
  const ms = runAt instanceof Date ? runAt.getTime() : runAt;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new InvalidArgumentError('task.runAt', 'a valid Date or ms since the epoch', runAt);
  }
  return ms;
}
