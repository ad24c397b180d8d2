// Small pieces of the coordinator: option checks, the record mapping, the synthesised
// `shutdown` event, and the shutdown log line.

import type { TaskEvent, TaskInfo } from '../../backend/task-events.js';
import type { CancelReason } from '../../cancel/cancel-reason.js';
import { InvalidArgumentError } from '../../errors.js';
import { checkOptionKeys } from '../../internal/option-keys.js';
import { Runtime } from '../../lifecycle/runtime.js';
import type { Logger } from '../../observe/logger.js';
import { validateTimeout } from '../../task/internal/validate.js';
import {
  type CoordinatorShutdownReport,
  type CoordinatorTaskInfo,
  coordinatorDefaults,
  coordinatorOptionKeys,
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
