/**
 * The event stream of a task, and the read side of a backend: what a task said while it ran,
 * how it ended, and where clients (in this process or another) follow it.
 *
 * Every backend that records events implements {@link TaskEventSource}. The in-memory backends
 * keep a bounded history in memory; the Postgres backend stores events in a table and wakes
 * followers in any process with NOTIFY. The `TaskCoordinator` builds on this interface only.
 *
 * @module
 */

import type { CancelReasonKind } from '../cancel/cancel-reason.js';

/** The event types a backend itself writes; a handler cannot `emit` them. */
export const RESERVED_EVENT_TYPES = [
  'started',
  'progress',
  'completed',
  'failed',
  'cancelled',
  'overflow',
  'shutdown',
] as const;

/** The three events that end a stream; each task has exactly one of them. */
export type TerminalEventType = 'completed' | 'failed' | 'cancelled';

/**
 * One event of one task. Plain JSON, so it can be stored, sent over SSE and compared.
 *
 * Payloads by type:
 * - `started`: `{ attempt: number }` — the handler began (again, after a retry);
 * - `progress`: `{ value: unknown }` — from `ctx.progress(value)`;
 * - any other non-reserved type: whatever the handler passed to `ctx.emit(type, data)`;
 * - `completed`: `{ result: unknown }` — the handler's return value (JSON; `null` if none);
 * - `failed`: `{ error: { name, message, code? }, timeout: boolean, attempt: number }`;
 * - `cancelled`: `{ reason: { kind, message } }`.
 */
export interface TaskEvent {
  /** The task the event belongs to. */
  readonly taskId: string;
  /** Position in the task's stream: 1, 2, 3, … with no gaps. Use it as `after` to resume. */
  readonly seq: number;
  /** `started`, `progress`, a handler's own type, or a terminal type. */
  readonly type: string;
  /** The event's JSON payload (see above). */
  readonly data: unknown;
  /** When it was recorded, in ms since the epoch. */
  readonly time: number;
}

/** The JSON shape of a failure in a `failed` event and in {@link TaskInfo.error}. */
export interface SerializedError {
  /** The error's class name, e.g. `TimeoutError`. */
  readonly name: string;
  /** The error's message. */
  readonly message: string;
  /** The error's `code`, when it has one (every Warden error does). */
  readonly code?: string;
}

/** Where a task is, as a backend records it. */
export type TaskState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** A task as the read side sees it. Plain JSON. */
export interface TaskInfo {
  /** The task's id. */
  readonly id: string;
  /** The task's type. */
  readonly type: string;
  /** The task's state. */
  readonly state: TaskState;
  /** The payload as submitted. */
  readonly payload: unknown;
  /** The handler's result, once `succeeded`. */
  readonly result?: unknown;
  /** The failure, once `failed`. */
  readonly error?: SerializedError;
  /** Why it was cancelled, once `cancelled`. */
  readonly cancelReason?: { readonly kind: CancelReasonKind; readonly message: string };
  /** The latest `progress` value, if any. */
  readonly progress?: unknown;
  /** Attempts started so far. */
  readonly attempts: number;
  /** ms since the epoch. */
  readonly createdAt: number;
  /** ms since the epoch, once started. */
  readonly startedAt?: number;
  /** ms since the epoch, once ended. */
  readonly finishedAt?: number;
  /** The seq of the task's latest event (0 before any). */
  readonly lastSeq: number;
}

/** Options for {@link TaskEventSource.events}. */
export interface FollowOptions {
  /**
   * Replay events with `seq` greater than this, then go live.
   * @default 0 (from the first event still in history)
   */
  after?: number;
  /** Stop following (the iterator returns) when this aborts. */
  signal?: AbortSignal;
}

/** Options for {@link TaskEventSource.listTasks}. */
export interface ListTasksOptions {
  /** Only tasks in these states. @default every state */
  state?: TaskState | readonly TaskState[];
  /** Only tasks of this type. @default every type */
  type?: string;
  /** At most this many, newest first. @default 100 */
  limit?: number;
  /** Continue after this task id (the last one of the previous page). @default from the newest */
  cursor?: string;
}

/**
 * The read side of a backend: task records and their event streams.
 *
 * **Invariants.** A task's events have consecutive `seq` from 1; `started` comes before the
 * handler's own events; exactly one terminal event (`completed`, `failed` or `cancelled`) is
 * recorded, last, also when `cancel()` races the handler's end. `events()` replays what is still
 * in history after `after`, then yields live events in order, and returns after the terminal
 * event. A retried task (durable backends) records `started` again with the new attempt and
 * `failed` only when it will not be retried.
 *
 * **Not guaranteed.** History is bounded: a follower that resumes from a `seq` older than what
 * is kept starts at the oldest kept event (the first event it gets has `seq > after + 1`).
 */
export interface TaskEventSource {
  /** The task's record, or `undefined` for an unknown (or forgotten) id. */
  getTask(id: string): Promise<TaskInfo | undefined>;
  /** Task records, newest first. */
  listTasks(options?: ListTasksOptions): Promise<TaskInfo[]>;
  /**
   * Follow a task's events: replay after `after`, then live, ending after the terminal event.
   * Rejects on the first `next()` with an `UnknownTaskError` for an unknown id.
   */
  events(id: string, options?: FollowOptions): AsyncIterable<TaskEvent>;
}
