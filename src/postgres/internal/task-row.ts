// Rows of the jobs table as task records, and errors and reasons as the JSON stored in them.

import type { SerializedError, TaskState } from '../../backend/task-events.js';
import type { CancelReason, CancelReasonKind } from '../../cancel/cancel-reason.js';
import { storableText } from '../../internal/storable-text.js';
import type { AttemptError, PostgresTaskInfo } from '../types.js';

/** A row of `get_task` / `list_tasks`. */
export interface TaskRow {
  id: string;
  type: string;
  state: TaskState;
  payload: unknown;
  result: unknown;
  errors: AttemptError[];
  cancel_reason: { kind: CancelReasonKind; message: string } | null;
  attempts: number;
  max_attempts: number;
  priority: number;
  job_key: string | null;
  locked_by: string | null;
  last_seq: number;
  retry_of: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  run_at: number;
  progress: { value?: unknown } | null;
}

/** The task record of `row`. */
export function toTaskInfo(row: TaskRow): PostgresTaskInfo {
  const info: {
    -readonly [K in keyof PostgresTaskInfo]: PostgresTaskInfo[K];
  } = {
    id: row.id,
    type: row.type,
    state: row.state,
    payload: row.payload,
    attempts: row.attempts,
    createdAt: row.created_at,
    lastSeq: row.last_seq,
    maxAttempts: row.max_attempts,
    priority: row.priority,
    runAt: row.run_at,
    errors: row.errors,
  };
  if (row.state === 'succeeded') info.result = row.result ?? null;
  if (row.state === 'failed') {
    const last = row.errors.at(-1);
    if (last !== undefined) info.error = plainError(last);
  }
  if (row.state === 'cancelled' && row.cancel_reason !== null) {
    info.cancelReason = { kind: row.cancel_reason.kind, message: row.cancel_reason.message };
  }
  if (row.progress !== null && typeof row.progress === 'object' && 'value' in row.progress) {
    info.progress = row.progress.value;
  }
  if (row.started_at !== null) info.startedAt = row.started_at;
  if (row.finished_at !== null) info.finishedAt = row.finished_at;
  if (row.job_key !== null) info.jobKey = row.job_key;
  if (row.locked_by !== null) info.lockedBy = row.locked_by;
  if (row.retry_of !== null) info.retryOf = row.retry_of;
  return info;
}

/** `error` without the attempt bookkeeping. */
function plainError(error: AttemptError): SerializedError {
  return error.code === undefined
    ? { name: error.name, message: error.message }
    : { name: error.name, message: error.message, code: error.code };
}

/** Longest message kept in a stored error or reason (a NOTIFY payload holds 8,000 bytes). */
const MAX_MESSAGE = 1_000;

/** `text` fit for a `jsonb` string: see {@link storableText}, at most MAX_MESSAGE units. */
function clip(text: string): string {
  return storableText(text, MAX_MESSAGE);
}

/** An error as plain JSON: name, message and, when it has one, its string `code`. */
export function serializeError(error: Error): SerializedError {
  const code = (error as { code?: unknown }).code;
  const name = clip(typeof error.name === 'string' ? error.name : 'Error');
  const message = clip(typeof error.message === 'string' ? error.message : String(error));
  return typeof code === 'string' ? { name, message, code: clip(code) } : { name, message };
}

/** A cancellation reason as stored: kind and message only (a `cause` is not JSON). */
export function serializeReason(reason: CancelReason): { kind: CancelReasonKind; message: string } {
  return { kind: reason.kind, message: clip(reason.message) };
}

/**
 * `value` as JSON text, or `null` text when it is `undefined` or cannot be written as JSON
 * (a cycle, a BigInt): a result is recorded, never allowed to fail the job.
 */
export function jsonText(value: unknown): string {
  if (value === undefined) return 'null';
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return 'null';
  }
}

/** The count of jobs in each state, from `count_jobs` rows (a state with none counts 0). */
export function stateCounts(
  rows: ReadonlyArray<{ state: TaskState; count: number }>,
): Record<TaskState, number> {
  const counts: Record<TaskState, number> = {
    queued: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
  };
  for (const row of rows) counts[row.state] = row.count;
  return counts;
}
