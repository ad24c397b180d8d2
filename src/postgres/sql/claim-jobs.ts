// Claim up to `$2` ready jobs for one worker: pick them in queue order skipping the rows other
// workers are claiming (`pick_jobs`, FOR UPDATE SKIP LOCKED), take the lease and number the
// attempt, in one round trip. The attempt is not spent yet (`attempt_started` is false): a
// claimed job may wait in the worker's prefetch, and only starts once its handler begins (the
// worker records that with its first events; see sql/insert-events.ts). The lease sweep gives a
// job whose attempt never started its number back.

import { defineStatement } from './statement.js';

/**
 * Params: `$1` worker id, `$2` how many, `$3` the lease (ms), `$4` the types to claim (null:
 * any), `$5` types never to claim (null: none). Returns the claimed jobs, highest priority
 * first: `id`, `type`, `payload`, `attempts`, `max_attempts`, `timeout_ms`, `last_seq`.
 */
export const claimJobs = defineStatement(
  'claim_jobs',
  (s) => `
WITH claimed AS (
  UPDATE ${s}.jobs j SET
    state = 'running',
    locked_by = $1::text,
    attempts = j.attempts + 1,
    attempt_started = false,
    lease_expires_at = now() + $3::int * interval '1 millisecond'
  -- By primary key with an array: a join with the picked ids could be planned as a table scan.
  WHERE j.id = ANY (ARRAY(SELECT ${s}.pick_jobs($4::text[], $5::text[], $2::int)))
  RETURNING j.id, j.type, j.payload, j.attempts, j.max_attempts, j.timeout_ms, j.last_seq,
    j.priority, j.run_at, j.seq
)
SELECT id, type, payload, attempts, max_attempts, timeout_ms, last_seq
FROM claimed
ORDER BY priority DESC, run_at, seq`,
);
