// The retention sweep: delete jobs (and their events) that finished long enough ago.

import { defineStatement } from './statement.js';

/**
 * Params: `$1` keep succeeded and cancelled jobs this long (ms), `$2` keep failed ones this long
 * (ms, null: forever), `$3` at most this many. Returns one row: `deleted`.
 */
export const deleteFinished = defineStatement(
  'delete_finished',
  (s) => `
WITH doomed AS (
  SELECT id FROM ${s}.jobs
  WHERE finished_at IS NOT NULL
    AND finished_at < now() - LEAST($1::float8, COALESCE($2::float8, $1::float8))
      * interval '1 millisecond'
    AND CASE WHEN state = 'failed'
      THEN $2::float8 IS NOT NULL AND finished_at < now() - $2::float8 * interval '1 millisecond'
      ELSE finished_at < now() - $1::float8 * interval '1 millisecond' END
  LIMIT $3::int
  FOR UPDATE SKIP LOCKED
), gone AS (
  DELETE FROM ${s}.jobs j WHERE j.id = ANY (ARRAY(SELECT id FROM doomed)) RETURNING j.id
), gone_events AS (
  DELETE FROM ${s}.events e WHERE e.task_id = ANY (ARRAY(SELECT id FROM gone))
)
SELECT count(*)::int AS deleted FROM gone`,
);
