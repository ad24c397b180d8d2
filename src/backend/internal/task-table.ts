// The records of an in-memory backend: every queued and running task, plus the latest finished
// ones, by id; a list of all of them in submission order (for `listTasks`, newest first); and a
// FIFO of the finished ones, so that the oldest finished record is forgotten first once there
// are more than `maxFinishedTasks`. Per task this is one map insert and one delete, as before
// records were kept, and a few pointer writes.

import { InvalidArgumentError } from '../../errors.js';
import { checkOptionKeys } from '../../internal/option-keys.js';
import type { ListTasksOptions, TaskInfo, TaskState } from '../task-events.js';
import { epochMs } from './clock.js';
import { lastSeq, serializeError } from './entry-events.js';
import { CANCELLED, FAILED, RUNNING, SUCCEEDED, type TaskEntry } from './task-entry.js';
import { listTasksOptionKeys } from './validate-task.js';

const STATES: readonly TaskState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
const DEFAULT_LIMIT = 100;

/** @internal The table of task records of one in-memory backend. */
export class TaskTable {
  private readonly _byId = new Map<string, TaskEntry>();
  /** The most recently submitted record; `older` links lead to the rest. */
  private _newest: TaskEntry | null = null;
  /** Finished records, oldest first, linked through `prev`/`next` (free once off the queue). */
  private _finishedHead: TaskEntry | null = null;
  private _finishedTail: TaskEntry | null = null;
  private _finished = 0;

  constructor(private readonly _maxFinished: number) {}

  /** The record with `id`, live or finished. */
  get(id: string): TaskEntry | undefined {
    return this._byId.get(id);
  }

  /** Add a new record. A finished record with the same id is forgotten (ids can be reused). */
  add(entry: TaskEntry): void {
    const previous = this._byId.get(entry.id);
    if (previous !== undefined) this._forget(previous);
    this._byId.set(entry.id, entry);
    const newest = this._newest;
    if (newest !== null) {
      newest.newer = entry;
      entry.older = newest;
    }
    this._newest = entry;
  }

  /** `entry` has just ended: keep it as finished, forgetting the oldest beyond the bound. */
  retire(entry: TaskEntry): void {
    const tail = this._finishedTail;
    if (tail === null) this._finishedHead = entry;
    else {
      tail.next = entry;
      entry.prev = tail;
    }
    this._finishedTail = entry;
    if (++this._finished > this._maxFinished) this._forget(this._finishedHead as TaskEntry);
  }

  /** Every record whose handler is running now. */
  running(): TaskEntry[] {
    const running: TaskEntry[] = [];
    for (const entry of this._byId.values()) if (entry.state === RUNNING) running.push(entry);
    return running;
  }

  /**
   * Records matching `options`, newest first; see `TaskEventSource.listTasks`. `context` names
   * the call in errors.
   */
  list(options: ListTasksOptions | undefined, context: string): TaskEntry[] {
    const { states, type, limit, cursor } = checkListOptions(options ?? {}, context);
    let entry: TaskEntry | null;
    if (cursor === undefined) entry = this._newest;
    else {
      // A cursor that has been forgotten (or never existed) ends the listing.
      const at = this._byId.get(cursor);
      entry = at === undefined ? null : at.older;
    }
    const out: TaskEntry[] = [];
    for (; entry !== null && out.length < limit; entry = entry.older) {
      if (states !== undefined && !states.has(STATES[entry.state] as TaskState)) continue;
      if (type !== undefined && entry.type !== type) continue;
      out.push(entry);
    }
    return out;
  }

  /** Drop `entry` from the table and both lists. */
  private _forget(entry: TaskEntry): void {
    this._byId.delete(entry.id);
    const { older, newer } = entry;
    if (older !== null) older.newer = newer;
    if (newer !== null) newer.older = older;
    else this._newest = older;
    entry.older = null;
    entry.newer = null;
    if (entry.state < SUCCEEDED) return;
    // A finished record: unlink it from the finished list.
    const { prev, next } = entry;
    if (prev === null) this._finishedHead = next;
    else prev.next = next;
    if (next === null) this._finishedTail = prev;
    else next.prev = prev;
    entry.prev = null;
    entry.next = null;
    this._finished--;
  }
}

/** A record as plain JSON. */
export function taskInfo(entry: TaskEntry): TaskInfo {
  const info: { -readonly [K in keyof TaskInfo]: TaskInfo[K] } = {
    id: entry.id,
    type: entry.type,
    state: STATES[entry.state] as TaskState,
    payload: entry.payload,
    attempts: entry.startedAt >= 0 ? 1 : 0,
    createdAt: epochMs(entry.createdAt),
    lastSeq: lastSeq(entry),
  };
  if (entry.startedAt >= 0) info.startedAt = epochMs(entry.startedAt);
  if (entry.finishedAt >= 0) info.finishedAt = epochMs(entry.finishedAt);
  if (entry.state === SUCCEEDED) info.result = entry.outcome === undefined ? null : entry.outcome;
  else if (entry.state === FAILED) info.error = serializeError(entry.outcome as Error);
  else if (entry.state === CANCELLED) {
    const { kind, message } = entry.cancelReason;
    info.cancelReason = { kind, message };
  }
  const log = entry.log;
  if (log?.hasProgress === true) info.progress = log.progress;
  return info;
}

function checkListOptions(
  options: ListTasksOptions,
  context: string,
): {
  states: ReadonlySet<string> | undefined;
  type: string | undefined;
  limit: number;
  cursor: string | undefined;
} {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, listTasksOptionKeys, context);
  const { state, type, limit = DEFAULT_LIMIT, cursor } = options;
  let states: ReadonlySet<string> | undefined;
  if (state !== undefined) {
    const list: readonly unknown[] = Array.isArray(state) ? state : [state];
    for (const item of list) {
      if (!STATES.includes(item as TaskState)) {
        throw new InvalidArgumentError('options.state', `one of ${STATES.join(', ')}`, item);
      }
    }
    states = new Set(list as string[]);
  }
  if (type !== undefined && typeof type !== 'string') {
    throw new InvalidArgumentError('options.type', 'a string', type);
  }
  if (!Number.isInteger(limit) || limit < 1) {
    throw new InvalidArgumentError('options.limit', 'an integer ≥ 1', limit);
  }
  if (cursor !== undefined && typeof cursor !== 'string') {
    throw new InvalidArgumentError('options.cursor', 'a task id', cursor);
  }
  return { states, type, limit, cursor };
}
