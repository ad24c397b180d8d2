// What `ctx.emit(type, data)` and `ctx.progress(value)` do in the in-memory backends: check the
// type and the data at the call (a bad one throws InvalidArgumentError and the task goes on),
// then append the event to the task's history and hand it to its waiting followers.

import { InvalidArgumentError } from '../../errors.js';
import type { Logger } from '../../observe/logger.js';
import { InvalidPayloadError, PayloadTooLargeError } from '../errors.js';
import { validateTaskType } from '../handler-registry.js';
import { RESERVED_EVENT_TYPES, type TaskEvent } from '../task-events.js';
import { checkPayload } from '../validate-payload.js';
import { clockNow, epochMs } from './clock.js';
import { lastSeq } from './entry-events.js';
import { EventLog } from './event-log.js';
import { RUNNING, type TaskEntry } from './task-entry.js';

const RESERVED: ReadonlySet<string> = new Set(RESERVED_EVENT_TYPES);

/** What recording needs from the backend. */
export interface RecordLimits {
  readonly name: string;
  readonly logger: Logger;
  readonly maxEventsPerTask: number;
  readonly maxPayloadBytes: number;
}

/** `ctx.emit(type, data)`: check, then record. */
export function emitEvent(
  limits: RecordLimits,
  entry: TaskEntry,
  type: unknown,
  data: unknown,
): void {
  validateTaskType('type', type);
  if (RESERVED.has(type)) {
    throw new InvalidArgumentError(
      'type',
      `an event type of the handler's own (not ${RESERVED_EVENT_TYPES.join(', ')})`,
      type,
    );
  }
  const checked = data === undefined ? null : checkData(limits, 'data', data);
  record(limits, entry, type, checked);
}

/** `ctx.progress(value)`: check, record, and keep as the task's latest progress. */
export function recordProgress(limits: RecordLimits, entry: TaskEntry, value: unknown): void {
  checkData(limits, 'value', value);
  if (record(limits, entry, 'progress', { value })) {
    const log = entry.log as EventLog;
    log.progress = value;
    log.hasProgress = true;
  }
}

/** Check that event data is plain JSON within `maxPayloadBytes`; return it. */
function checkData(limits: RecordLimits, argument: string, data: unknown): unknown {
  try {
    checkPayload(data, limits.maxPayloadBytes);
  } catch (error) {
    if (error instanceof InvalidPayloadError) {
      const path = argument + error.path.slice('payload'.length);
      throw new InvalidArgumentError(path, `plain JSON, but it ${error.problem}`, data);
    }
    if (error instanceof PayloadTooLargeError) {
      throw new InvalidArgumentError(
        argument,
        `at most ${error.limit} bytes as JSON (maxPayloadBytes), not ${error.bytes}`,
        data,
      );
    }
    throw error;
  }
  return data;
}

/**
 * Append a handler event to `entry`'s history and hand it to waiting followers. An event after
 * the task ended is dropped with a warning (the terminal event stays last); returns false then.
 */
function record(limits: RecordLimits, entry: TaskEntry, type: string, data: unknown): boolean {
  if (entry.state !== RUNNING) {
    limits.logger.warn(
      { backend: limits.name, taskId: entry.id, taskType: entry.type, eventType: type },
      `task '${entry.type}' (${entry.id}) emitted '${type}' after it ended; the event is dropped`,
    );
    return false;
  }
  let log = entry.log;
  if (log === undefined) {
    log = new EventLog(limits.maxEventsPerTask);
    entry.log = log;
  }
  const event: TaskEvent = {
    taskId: entry.id,
    seq: lastSeq(entry) + 1,
    type,
    data,
    time: epochMs(clockNow()),
  };
  log.push(event);
  log.publish(event);
  return true;
}
