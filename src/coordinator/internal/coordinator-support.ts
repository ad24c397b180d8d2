// Small pieces of the coordinator: option checks (the constructor's, list's, subscribe's), the
// record mapping, the synthesised `shutdown` event, and the shutdown log line.

import type {
  ListTasksOptions,
  TaskEvent,
  TaskInfo,
  TaskState,
} from '../../backend/task-events.js';
import type { CancelReason } from '../../cancel/cancel-reason.js';
import { InvalidArgumentError } from '../../errors.js';
import { checkOptionKeys } from '../../internal/option-keys.js';
import { Runtime } from '../../lifecycle/runtime.js';
import type { Logger } from '../../observe/logger.js';
import { validateTimeout } from '../../task/internal/validate.js';
import {
  type CoordinatorBackend,
  type CoordinatorShutdownReport,
  type CoordinatorTaskInfo,
  coordinatorDefaults,
  coordinatorOptionKeys,
  type ListOptions,
  listOptionKeys,
  type SubscribeOptions,
  subscribeOptionKeys,
  type TaskCoordinatorOptions,
} from '../coordinator-options.js';

/** The options, checked, with defaults filled in (the backend is resolved by the caller). */
export interface ResolvedCoordinatorOptions {
  readonly name: string;
  readonly logger: Logger | undefined;
  readonly runtime: Runtime | false | undefined;
  readonly maxQueuedEvents: number;
  readonly shutdownTimeout: number;
  readonly shutdownBackend: boolean | undefined;
}

/** Check the constructor options. */
export function resolveCoordinatorOptions(
  options: TaskCoordinatorOptions,
): ResolvedCoordinatorOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, coordinatorOptionKeys, 'TaskCoordinator');
  const {
    backend,
    name = coordinatorDefaults.name,
    logger,
    runtime,
    maxQueuedEvents = coordinatorDefaults.maxQueuedEvents,
    shutdownTimeout = coordinatorDefaults.shutdownTimeout,
    shutdownBackend,
  } = options;
  if (
    backend !== undefined &&
    (typeof backend !== 'object' ||
      backend === null ||
      typeof backend.submit !== 'function' ||
      typeof backend.events !== 'function')
  ) {
    throw new InvalidArgumentError(
      'options.backend',
      'a TaskBackend that is a TaskEventSource',
      backend,
    );
  }
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError('options.name', 'a non-empty string', name);
  }
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger?.warn !== 'function')) {
    throw new InvalidArgumentError('options.logger', 'a Logger', logger);
  }
  if (runtime !== undefined && runtime !== false && !(runtime instanceof Runtime)) {
    throw new InvalidArgumentError('options.runtime', 'a Runtime or false', runtime);
  }
  validateQueueBound('options.maxQueuedEvents', maxQueuedEvents);
  validateTimeout('options.shutdownTimeout', shutdownTimeout);
  if (shutdownBackend !== undefined && typeof shutdownBackend !== 'boolean') {
    throw new InvalidArgumentError('options.shutdownBackend', 'a boolean', shutdownBackend);
  }
  return { name, logger, runtime, maxQueuedEvents, shutdownTimeout, shutdownBackend };
}

/** A subscriber queue bound: an integer ≥ 1. */
export function validateQueueBound(argument: string, value: unknown): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new InvalidArgumentError(argument, 'an integer ≥ 1', value);
  }
}

/**
 * An options argument: an object, when given, with none but `keys` (`context` names the call in
 * errors).
 */
export function validateOptionsObject(
  argument: string,
  options: unknown,
  keys: ReadonlySet<string>,
  context: string,
): void {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidArgumentError(argument, 'an object', options);
  }
  checkOptionKeys(options, keys, context, argument);
}

/** A backend record as the coordinator shows it. */
export function coordinatorInfo(info: TaskInfo): CoordinatorTaskInfo {
  const out: { -readonly [K in keyof CoordinatorTaskInfo]: CoordinatorTaskInfo[K] } = {
    id: info.id,
    kind: info.type,
    status: info.state,
    input: info.payload,
    attempts: info.attempts,
    createdAt: info.createdAt,
    lastEventId: info.lastSeq,
  };
  if (info.result !== undefined) out.result = info.result;
  if (info.error !== undefined) out.error = info.error;
  if (info.cancelReason !== undefined) out.cancelReason = info.cancelReason;
  if (info.progress !== undefined) out.progress = info.progress;
  if (info.startedAt !== undefined) out.startedAt = info.startedAt;
  if (info.finishedAt !== undefined) out.finishedAt = info.finishedAt;
  return out;
}

/** The `shutdown` event a subscriber gets when its task could not finish within a shutdown. */
export function shutdownEvent(taskId: string, lastSeq: number, reason: CancelReason): TaskEvent {
  return {
    taskId,
    seq: lastSeq,
    type: 'shutdown',
    data: { reason: { kind: reason.kind, message: reason.message }, lastEventId: lastSeq },
    time: Date.now(),
  };
}

/** How many unfinished tasks the log entry lists (the report has them all). */
const LOGGED_TASKS = 50;

/** Log a coordinator's shutdown report: `info` when clean, `warn` naming what did not finish. */
export function logCoordinatorShutdown(
  logger: Logger,
  name: string,
  report: CoordinatorShutdownReport,
): void {
  const fields = {
    coordinator: name,
    cancelled: report.cancelled,
    unfinishedCount: report.unfinished.length,
    unfinished: report.unfinished.slice(0, LOGGED_TASKS),
    subscribersCompleted: report.subscribersCompleted,
    subscribersCutOff: report.subscribersCutOff,
    timedOut: report.timedOut,
    durationMs: Math.round(report.durationMs),
  };
  if (report.unfinished.length === 0 && report.subscribersCutOff === 0) {
    logger.info(fields, `coordinator '${name}' shut down: every task and subscriber finished`);
    return;
  }
  const names = report.unfinished
    .slice(0, 5)
    .map((task) => `${task.kind} (${task.id}, running ${Math.round(task.runningMs)} ms)`)
    .join(', ');
  const more = report.unfinished.length > 5 ? ` and ${report.unfinished.length - 5} more` : '';
  logger.warn(
    fields,
    `coordinator '${name}' shut down with ${report.unfinished.length} task(s) still running${
      names === '' ? '' : `: ${names}${more}`
    }; ${report.subscribersCutOff} subscriber(s) got a shutdown event`,
  );
}

/** The backend's `listTasks` options for the coordinator's `list(options)`, checked. */
export function backendListOptions(options: ListOptions): ListTasksOptions {
  validateOptionsObject('options', options, listOptionKeys, 'TaskCoordinator.list');
  const { status, kind, limit, cursor } = options;
  return {
    ...(status === undefined ? {} : { state: status }),
    ...(kind === undefined ? {} : { type: kind }),
    ...(limit === undefined ? {} : { limit }),
    ...(cursor === undefined ? {} : { cursor }),
  };
}

/** `subscribe(id, options)`'s arguments, checked, with the coordinator's queue bound. */
export function checkSubscribe(
  id: unknown,
  options: SubscribeOptions,
  defaultMaxQueued: number,
): { lastEventId: number; signal: AbortSignal | undefined; maxQueuedEvents: number } {
  if (typeof id !== 'string') throw new InvalidArgumentError('id', 'a string', id);
  validateOptionsObject('options', options, subscribeOptionKeys, 'TaskCoordinator.subscribe');
  const { lastEventId = 0, signal, maxQueuedEvents = defaultMaxQueued } = options;
  if (!Number.isInteger(lastEventId) || lastEventId < 0) {
    throw new InvalidArgumentError('options.lastEventId', 'an integer ≥ 0', lastEventId);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('options.signal', 'an AbortSignal', signal);
  }
  validateQueueBound('options.maxQueuedEvents', maxQueuedEvents);
  return { lastEventId, signal, maxQueuedEvents };
}

/** How many tasks `backend` holds in each state: its own `counts()` when it has one. */
export function countsOf(backend: CoordinatorBackend): Promise<Record<TaskState, number>> {
  const counted = backend as CoordinatorBackend & {
    counts?: () => Promise<Record<TaskState, number>>;
  };
  if (typeof counted.counts === 'function') return counted.counts();
  const { queued, running, succeeded, failed, cancelled } = backend.stats();
  return Promise.resolve({ queued, running, succeeded, failed, cancelled });
}
