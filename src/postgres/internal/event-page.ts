// One read of a task's stored events (sql/read-events.ts), shared by the event feeds and their
// members: the events after a seq, at most a given number, whether that was all of them, and
// whether the task has ended.

import type { TaskEvent } from '../../backend/task-events.js';
import type { SqlDriver } from '../driver.js';
import { readEvents } from '../sql/read-events.js';
import type { SchemaNames } from '../sql/statement.js';

/** The most events one read returns. */
export const PAGE = 500;

/** The event types that end a stream. */
export const TERMINAL_TYPES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** How long to wait before reading again after a connection failure, ms. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

const ENDED_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

interface EventRow {
  seq: number | null;
  type: string;
  data: unknown;
  time: number;
  /** On the first row only: the job's state and last seq. */
  job_state: string | null;
  job_last_seq: number | null;
}

/** What one read found. */
export interface EventPage {
  /** The task has ended: its terminal event is its last. */
  readonly ended: boolean;
  /** The seq of the task's latest event. */
  readonly lastSeq: number;
  /** Its events after the seq asked for, in order, at most the number asked for. */
  readonly events: TaskEvent[];
  /**
   * Where to read on from: the last event's seq, or `lastSeq` when the read was complete (a seq
   * missing up to there is a write that was dropped), or past a range that held nothing.
   */
  readonly through: number;
  /** Nothing more was stored when it was read: the reader has caught up. */
  readonly complete: boolean;
}

/** Where reads go. */
export interface EventReader {
  readonly driver: SqlDriver;
  readonly schema: SchemaNames;
}

/**
 * Read task `id`'s next events after `after` (at most `limit`); `undefined` for an unknown
 * task. A stream's seqs are consecutive, so the events are those of seqs `after + 1` to
 * `after + limit` that exist; should a range hold none while the task has later ones (events
 * whose write was dropped), the read goes on past it rather than stopping there.
 */
export async function readEventPage(
  reader: EventReader,
  id: string,
  after: number,
  limit: number,
): Promise<EventPage | undefined> {
  for (let from = after; ; from += limit) {
    const rows = await reader.driver.query<EventRow>(readEvents(reader.schema), [id, from, limit]);
    const head = rows[0];
    if (head === undefined) return undefined;
    const lastSeq = head.job_last_seq ?? 0;
    if (rows.length === 1 && lastSeq > from + limit) continue;
    const events: TaskEvent[] = [];
    for (const row of rows) {
      if (row.seq === null) continue;
      events.push({ taskId: id, seq: row.seq, type: row.type, data: row.data, time: row.time });
    }
    const complete = events.length < limit && from + limit >= lastSeq;
    const last = events.at(-1)?.seq ?? from;
    return {
      ended: ENDED_STATES.has(head.job_state ?? ''),
      lastSeq,
      events,
      // All of the range up to `lastSeq` was read: a seq missing from it never comes.
      through: complete ? Math.max(last, lastSeq) : last,
      complete,
    };
  }
}

/** The wait before the next read after a connection failure, given the previous one (0: none). */
export function retryDelay(previous: number): number {
  return Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, previous * 2));
}
