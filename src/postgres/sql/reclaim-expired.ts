// The lease sweep: jobs whose lease ran out (their worker crashed, hung or lost the database) go
// back to the queue, or end for good: cancelled when a cancellation was pending, failed when no
// attempt is left. A job whose attempt had begun has that attempt in its error history; one that
// was only claimed ahead (prefetched, never started) gets its attempt back. A reclaimed job keeps
// its `run_at`, so it runs before newer work of its priority, not behind a backlog.
//
// With `$3` true every running job is reclaimed, whatever its lease: an embedded database opened
// by its one owner holds no live lease of anybody else (the previous owner is gone).

import { defineStatement, epochMs, notifyEventsFrom } from './statement.js';

/**
 * Params: `$1` at most this many jobs, `$2` the channel, `$3` reclaim every running job (not
 * only expired leases), `$4` what happened to the worker, for the lost attempt's error message.
 * Returns `id` and the new `state`.
 */
export const reclaimExpired = defineStatement(
  'reclaim_expired',
  (s) => `
WITH expired AS (
  SELECT id FROM ${s}.jobs
  WHERE state = 'running' AND ($3::boolean OR lease_expires_at < now())
  LIMIT $1::int
  FOR UPDATE SKIP LOCKED
), swept AS (
  UPDATE ${s}.jobs j SET
    state = CASE WHEN j.cancel_requested IS NOT NULL THEN 'cancelled'
      WHEN j.attempt_started AND j.attempts >= j.max_attempts THEN 'failed' ELSE 'queued' END,
    attempts = CASE WHEN j.attempt_started THEN j.attempts ELSE j.attempts - 1 END,
    errors = CASE WHEN j.cancel_requested IS NOT NULL OR NOT j.attempt_started THEN j.errors
      ELSE j.errors || jsonb_build_array(jsonb_build_object(
        'name', 'LeaseLostError',
        'message', 'worker ' || j.locked_by || ' ' || $4::text,
        'code', 'WARDEN_ERR_LEASE_LOST',
        'attempt', j.attempts,
        'at', ${epochMs('now()')})) END,
    cancel_reason = j.cancel_requested,
    cancel_requested = NULL,
    attempt_started = false,
    locked_by = NULL,
    lease_expires_at = NULL,
    finished_at = CASE WHEN j.cancel_requested IS NOT NULL
      OR (j.attempt_started AND j.attempts >= j.max_attempts) THEN now() END,
    last_seq = j.last_seq + CASE WHEN j.cancel_requested IS NOT NULL
      OR (j.attempt_started AND j.attempts >= j.max_attempts) THEN 1 ELSE 0 END
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
