// The lease sweep, run by every worker: jobs whose lease ran out (their worker crashed, hung or
// lost the database) go back to the queue with the lost attempt in their error history, or end
// for good: cancelled when a cancellation was pending, failed when no attempt is left.

import { defineStatement, epochMs, notifyEventsFrom } from './statement.js';

/** Params: `$1` at most this many jobs, `$2` the channel. Returns `id` and the new `state`. */
export const reclaimExpired = defineStatement(
  'reclaim_expired',
  (s) => `
WITH expired AS (
  SELECT id FROM ${s}.jobs
  WHERE state = 'running' AND lease_expires_at < now()
  LIMIT $1::int
  FOR UPDATE SKIP LOCKED
), swept AS (
  UPDATE ${s}.jobs j SET
    state = CASE WHEN j.cancel_requested IS NOT NULL THEN 'cancelled'
      WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'queued' END,
    errors = CASE WHEN j.cancel_requested IS NOT NULL THEN j.errors
      ELSE j.errors || jsonb_build_array(jsonb_build_object(
        'name', 'LeaseLostError',
        'message', 'worker ' || j.locked_by
          || ' stopped renewing its lease (it crashed, hung or lost the database)',
        'code', 'WARDEN_ERR_LEASE_LOST',
        'attempt', j.attempts,
        'at', ${epochMs('now()')})) END,
    cancel_reason = j.cancel_requested,
    cancel_requested = NULL,
    run_at = now(),
    locked_by = NULL,
    lease_expires_at = NULL,
    finished_at = CASE WHEN j.cancel_requested IS NOT NULL OR j.attempts >= j.max_attempts
      THEN now() END,
    last_seq = j.last_seq + CASE
      WHEN j.cancel_requested IS NOT NULL OR j.attempts >= j.max_attempts THEN 1 ELSE 0 END
  WHERE j.id = ANY (ARRAY(SELECT id FROM expired))
  RETURNING j.id, j.state
), notified AS (
  ${notifyEventsFrom("(SELECT id FROM swept WHERE state <> 'queued') ended", '$2::text')}
  UNION ALL
  SELECT pg_notify($2::text, 'j0') FROM swept WHERE state = 'queued' HAVING count(*) > 0
)
SELECT id, state, (SELECT count(*) FROM notified)::int AS notified
FROM swept`,
);
