// Write a batch of finished attempts in one statement: succeeded, failed for good, cancelled,
// to be retried after a delay, or released (handed back without counting the attempt). Only
// rows whose lease this worker still holds for that attempt are touched, so a retried write is
// harmless. The terminal event is the row itself (state, result, errors, cancel_reason at
// `last_seq`, the seq the worker assigned; see sql/read-events.ts). An attempt that ended before
// its `started` event was written carries that too (`st`, `t`).
//
// The rows are found by primary key (`id = ANY ($2)`) and locked in id order first (see
// sql/lock-jobs.ts); each row's values are looked up in a JSON object keyed by id: no join, so
// no plan can scan the whole table for a batch.

import { lockJobsById } from './lock-jobs.js';
import { recordStartColumns } from './record-start.js';
import { defineStatement, notifyEventsFrom } from './statement.js';

/** One attempt's values in `$3`, keyed by job id. Absent keys are null. */
export interface CompletionValues {
  /** The attempt. */
  readonly a: number;
  /** The outcome: `succeeded`, `failed`, `cancelled`, `retry` or `release`. */
  readonly o: string;
  /** The result, as JSON text. */
  readonly r?: string;
  /** The error entry to append to `errors`. */
  readonly e?: unknown;
  /** The cancellation reason. */
  readonly c?: unknown;
  /** The delay before the next attempt, in ms. */
  readonly d?: number;
  /** The terminal event's seq. */
  readonly s?: number;
  /** The attempt's `started` seq, when it is written with the completion. */
  readonly st?: number;
  /** The start's time, ms since the epoch (with `st`). */
  readonly t?: number;
}

const v = (key: string): string => `($3::jsonb -> j.id ->> '${key}')`;

/**
 * Params: `$1` worker id, `$2` the job ids, `$3` a JSON object mapping each id to its
 * {@link CompletionValues}, `$4` the channel. Returns the rows written (`id`, `outcome`).
 */
export const completeJobs = defineStatement(
  'complete_jobs',
  (s) => `
WITH locked AS MATERIALIZED (
  ${lockJobsById(s, '$2::text[]', `j.locked_by = $1::text AND j.state = 'running'`)}
), done AS (
  UPDATE ${s}.jobs j SET
    state = CASE WHEN ${v('o')} IN ('retry', 'release') THEN 'queued' ELSE ${v('o')} END,
    attempts = CASE WHEN ${v('o')} = 'release' THEN j.attempts - 1 ELSE j.attempts END,
    run_at = CASE WHEN ${v('o')} IN ('retry', 'release')
      THEN now() + ${v('d')}::int * interval '1 millisecond' ELSE j.run_at END,
    result = ${v('r')}::json,
    errors = CASE WHEN $3::jsonb -> j.id -> 'e' IS NULL THEN j.errors
      ELSE j.errors || jsonb_build_array($3::jsonb -> j.id -> 'e') END,
    cancel_reason = $3::jsonb -> j.id -> 'c',
    cancel_requested = NULL,
    locked_by = NULL,
    lease_expires_at = NULL,
    finished_at = CASE WHEN ${v('o')} IN ('retry', 'release') THEN NULL ELSE now() END,
    last_seq = GREATEST(j.last_seq, COALESCE(${v('s')}::int, 0), COALESCE(${v('st')}::int, 0)),
    ${recordStartColumns('($3::jsonb -> j.id)')}
  WHERE j.id = ANY (ARRAY(SELECT id FROM locked)) AND j.locked_by = $1::text
    AND j.state = 'running' AND j.attempts = ${v('a')}::int
  RETURNING j.id, $3::jsonb -> j.id AS m
), notified AS (
  ${notifyEventsFrom(
    `(SELECT id FROM done WHERE m ->> 'o' IN ('succeeded', 'failed', 'cancelled')) ended`,
    '$4::text',
  )}
  UNION ALL
  SELECT pg_notify($4::text, 'j' || min((m ->> 'd')::int)) FROM done
  WHERE m ->> 'o' IN ('retry', 'release') HAVING count(*) > 0
)
SELECT id, m ->> 'o' AS outcome, (SELECT count(*) FROM notified)::int AS notified
FROM done`,
);
