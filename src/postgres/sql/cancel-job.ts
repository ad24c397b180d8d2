// Cancel one job from any process. A queued job ends at once as cancelled (with its terminal
// event); a running one gets `cancel_requested` and a NOTIFY `c{…}` that makes the worker
// running it cancel the handler's token. One UPDATE, so a job claimed concurrently is seen in
// its new state (Postgres re-checks the row once the claim commits).

import { defineStatement } from './statement.js';

/**
 * Params: `$1` id, `$2` the reason (`{kind, message}` as JSON), `$3` the channel. Returns
 * nothing when the job is unknown, finished or already being cancelled; otherwise its new
 * `state` (`cancelled`: it was queued; `running`: its worker was told), `locked_by`, `attempts`.
 */
export const cancelJob = defineStatement(
  'cancel_job',
  (s) => `
WITH target AS (
  UPDATE ${s}.jobs SET
    state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
    cancel_reason = CASE WHEN state = 'queued' THEN $2::jsonb ELSE cancel_reason END,
    cancel_requested = CASE WHEN state = 'running' THEN $2::jsonb ELSE cancel_requested END,
    finished_at = CASE WHEN state = 'queued' THEN now() ELSE finished_at END,
    last_seq = CASE WHEN state = 'queued' THEN last_seq + 1 ELSE last_seq END
  WHERE id = $1::text AND (state = 'queued' OR (state = 'running' AND cancel_requested IS NULL))
  RETURNING id, state, last_seq, locked_by, attempts
), notified AS (
  SELECT pg_notify($3::text, CASE WHEN state = 'cancelled' THEN 'e' || id
    ELSE 'c' || json_build_object('id', id, 'attempt', attempts, 'reason', $2::jsonb)::text END)
  FROM target
)
SELECT state, locked_by, attempts, (SELECT count(*) FROM notified)::int AS notified
FROM target`,
);
