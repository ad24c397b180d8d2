// The events of one in-memory task as its followers see them. Only what the handler emits is
// stored (in its EventLog); `started` and the terminal event are built from the entry's fields
// when somebody asks, so a task that emits nothing and has no follower allocates no event.
//
// Sequence numbers: `started` is 1 (absent for a task dropped from the queue), the handler's
// events follow from 2, the terminal event is last. `lastSeq` is derived, never stored.

import { TimeoutError } from '../../errors.js';
import type { SerializedError, TaskEvent } from '../task-events.js';
import { epochMs } from './clock.js';
import { CANCELLED, FAILED, SUCCEEDED, type TaskEntry } from './task-entry.js';

/** The seq of the entry's latest event, 0 before any. */
export function lastSeq(entry: TaskEntry): number {
  return (
    (entry.startedAt >= 0 ? 1 : 0) + (entry.log?.emitted ?? 0) + (entry.state >= SUCCEEDED ? 1 : 0)
  );
}

/** The first event with `seq > after` still in history, or `undefined` when there is none yet. */
export function eventAfter(entry: TaskEntry, after: number): TaskEvent | undefined {
  const ended = entry.state >= SUCCEEDED;
  // Dropped from the queue: the terminal event is the only one.
  if (entry.startedAt < 0) return ended && after < 1 ? terminalEvent(entry) : undefined;
  if (after < 1) return startedEvent(entry);
  const log = entry.log;
  const emitted = log === undefined ? 0 : log.emitted;
  if (log !== undefined && after < 1 + emitted) return log.at(Math.max(after + 1, log.oldestSeq));
  return ended && after < 2 + emitted ? terminalEvent(entry) : undefined;
}

/** The entry's `started` event (seq 1). */
export function startedEvent(entry: TaskEntry): TaskEvent {
  return {
    taskId: entry.id,
    seq: 1,
    type: 'started',
    data: { attempt: 1 },
    time: epochMs(entry.startedAt),
  };
}

/** The entry's terminal event; the entry must have ended. */
export function terminalEvent(entry: TaskEntry): TaskEvent {
  return {
    taskId: entry.id,
    seq: lastSeq(entry),
    type: TERMINAL_TYPES[entry.state - SUCCEEDED] as string,
    data: terminalData(entry),
    time: epochMs(entry.finishedAt),
  };
}

const TERMINAL_TYPES = ['completed', 'failed', 'cancelled'] as const;

function terminalData(entry: TaskEntry): unknown {
  switch (entry.state) {
    case SUCCEEDED:
      return { result: entry.outcome === undefined ? null : entry.outcome };
    case FAILED: {
      const error = entry.outcome as Error;
      return { error: serializeError(error), timeout: error instanceof TimeoutError, attempt: 1 };
    }
    case CANCELLED: {
      const { kind, message } = entry.cancelReason;
      return { reason: { kind, message } };
    }
    default:
      throw new Error(`internal: entry ${entry.id} has not ended`);
  }
}

/** An error as plain JSON: name, message and, when it has one, its string `code`. */
export function serializeError(error: Error): SerializedError {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string'
    ? { name: error.name, message: error.message, code }
    : { name: error.name, message: error.message };
}
