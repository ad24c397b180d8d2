/**
 * Human-readable text for tasks and events: a compact table for `ls`, one line per event for
 * `events`, durations and ages people read at a glance.
 *
 * @module
 */

import type { TaskEvent } from '../backend/task-events.js';
import type { CoordinatorTaskInfo } from '../coordinator/coordinator-options.js';

/**
 * A table with a header row and columns padded to their widest cell (the last column is not
 * padded, so long values do not leave trailing spaces).
 *
 * @example
 * ```ts
 * table(['ID', 'STATUS'], [['a1', 'running']]); // 'ID  STATUS\na1  running'
 * ```
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `850 ms`, `4.2 s`, `3 m 05 s`, `2 h 14 m`. */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const s = Math.floor(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3_600)} h ${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')} m`;
}

/** How long ago `time` (ms since the epoch) was: `12 s ago`. */
export function ago(time: number, now = Date.now()): string {
  return `${duration(now - time)} ago`;
}

/** `value` as compact JSON, cut to `max` characters with an ellipsis. */
export function shortJson(value: unknown, max = 60): string {
  const text = value === undefined ? '' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The `ls` table. */
export function taskTable(tasks: readonly CoordinatorTaskInfo[], now = Date.now()): string {
  const rows = tasks.map((task) => [
    task.id,
    task.kind,
    task.status,
    ago(task.createdAt, now),
    runtimeOf(task, now),
    outcomeOf(task),
  ]);
  return table(['ID', 'KIND', 'STATUS', 'CREATED', 'RAN', 'RESULT / PROGRESS'], rows);
}

/** How long the task ran (so far): `4.2 s`, or `-` before it started. */
function runtimeOf(task: CoordinatorTaskInfo, now: number): string {
  if (task.startedAt === undefined) return '-';
  return duration((task.finishedAt ?? now) - task.startedAt);
}

/** The one thing worth knowing about how a task is doing or how it ended. */
function outcomeOf(task: CoordinatorTaskInfo): string {
  switch (task.status) {
    case 'succeeded':
      return shortJson(task.result, 40);
    case 'failed':
      return task.error?.message ?? '';
    case 'cancelled':
      return task.cancelReason?.message ?? '';
    default:
      return task.progress === undefined ? '' : shortJson(task.progress, 40);
  }
}

/** One line per event: `3  12:04:05.120  progress  {"value":0.5}`. */
export function eventLine(event: TaskEvent): string {
  const time = new Date(event.time).toISOString().slice(11, 23);
  const data = event.data === null || event.data === undefined ? '' : JSON.stringify(event.data);
  return `${String(event.seq).padStart(3)}  ${time}  ${event.type}${data ? `  ${data}` : ''}`;
}

/** How a task ended, from its terminal event: `completed: {"n":3}`, `failed: boom`. */
export function terminalSummary(event: TaskEvent): string {
  const data = (event.data ?? {}) as {
    result?: unknown;
    error?: { message?: string; code?: string };
    reason?: { kind?: string; message?: string };
    timeout?: boolean;
  };
  switch (event.type) {
    case 'completed':
      return `completed: ${JSON.stringify(data.result ?? null)}`;
    case 'failed': {
      const code = data.error?.code === undefined ? '' : ` (${data.error.code})`;
      return `failed${data.timeout ? ' (timed out)' : ''}: ${data.error?.message ?? 'unknown error'}${code}`;
    }
    case 'cancelled':
      return `cancelled (${data.reason?.kind ?? 'requested'}): ${data.reason?.message ?? ''}`;
    default:
      return event.type;
  }
}
