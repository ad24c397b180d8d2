// Checks of the options of `listTasks`, `shutdown` and `retry` on the Postgres backend.

import { newTaskId } from '../../backend/internal/task-id.js';
import {
  listTasksOptionKeys,
  shutdownOptionKeys,
  validateTaskId,
} from '../../backend/internal/validate-task.js';
import type { BackendShutdownOptions } from '../../backend/task-backend.js';
import type { ListTasksOptions, TaskState } from '../../backend/task-events.js';
import { InvalidArgumentError } from '../../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../../internal/option-keys.js';
import { isStorableText } from '../../internal/storable-text.js';
import { validateTimeout } from '../../task/internal/validate.js';
import type { RetryTaskOptions } from '../types.js';
import { integer } from './resolve-options.js';

const STATES: ReadonlySet<string> = new Set<TaskState>([
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
]);
const MAX_PAGE = 1_000;

/** `listTasks` options as statement parameters. */
export interface ListParams {
  readonly states: TaskState[] | null;
  readonly type: string | null;
  readonly limit: number;
  readonly cursor: string | null;
}

/** Check `options` of `listTasks`. */
export function listOptions(options: ListTasksOptions): ListParams {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, listTasksOptionKeys, 'PostgresBackend.listTasks');
  const { state, type, limit = 100, cursor } = options;
  let states: TaskState[] | null = null;
  if (state !== undefined) {
    states = (typeof state === 'string' ? [state] : [...state]) as TaskState[];
    for (const s of states) {
      if (!STATES.has(s)) {
        throw new InvalidArgumentError(
          'options.state',
          `one or more of ${[...STATES].join(', ')}`,
          state,
        );
      }
    }
  }
  // A NUL (or half a character) would reach PostgreSQL, which refuses it: a bad argument here.
  if (type !== undefined && (typeof type !== 'string' || !isStorableText(type))) {
    throw new InvalidArgumentError('options.type', 'a string without NUL or lone surrogates', type);
  }
  if (cursor !== undefined && (typeof cursor !== 'string' || !isStorableText(cursor))) {
    throw new InvalidArgumentError('options.cursor', 'a task id', cursor);
  }
  return {
    states,
    type: type ?? null,
    limit: integer('options.limit', limit, 1, MAX_PAGE),
    cursor: cursor ?? null,
  };
}

/** Check `options` of `shutdown`, with the backend's defaults. */
export function shutdownOptions(
  options: BackendShutdownOptions,
  defaults: { readonly shutdownTimeout: number; readonly shutdownGrace: number },
): { timeout: number; grace: number } {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, shutdownOptionKeys, 'PostgresBackend.shutdown');
  const {
    timeout = defaults.shutdownTimeout,
    grace = defaults.shutdownGrace,
    dropQueued,
  } = options;
  validateTimeout('options.timeout', timeout);
  validateTimeout('options.grace', grace);
  if (dropQueued !== undefined && typeof dropQueued !== 'boolean') {
    throw new InvalidArgumentError('options.dropQueued', 'a boolean', dropQueued);
  }
  return { timeout, grace };
}

const retryOptionKeys = optionKeys(['id', 'maxAttempts']) satisfies OptionKeys<
  keyof RetryTaskOptions
>;

/** Check `options` of `retry`: the new job's id, and its attempts (`null`: the failed job's). */
export function retryOptions(options: RetryTaskOptions): {
  id: string;
  maxAttempts: number | null;
} {
  checkOptionKeys(options, retryOptionKeys, 'PostgresBackend.retry');
  const id = options.id ?? newTaskId();
  validateTaskId(id);
  const maxAttempts =
    options.maxAttempts === undefined
      ? null
      : integer('options.maxAttempts', options.maxAttempts, 1, 1_000_000);
  return { id, maxAttempts };
}
