// Claim up to `$2` ready jobs for one worker: pick them in queue order skipping the rows other
// workers are claiming (`pick_jobs`, FOR UPDATE SKIP LOCKED), take the lease, count the attempt,
// record its `started` event (in `attempt_seqs`) and tell event followers, in one round trip.

import { defineStatement, notifyEventsFrom } from './statement.js';

/**
 * Params: `$1` worker id, `$2` how many, `$3` the lease (ms), `$4` the channel, `$5` the types to
 * claim (null: any), `$6` types never to claim (null: none). Returns the claimed jobs, highest
 * priority first: `id`, `type`, `payload`, `attempts`, `max_attempts`, `timeout_ms`, `last_seq`.
 */
export const claimJobs = defineStatement(
  'claim_jobs',
  (s) => `
WITH claimed AS (
  UPDATE ${s}.jobs j SET
    state = 'running',
    locked_by = $1::text,
    attempts = j.attempts + 1,
    lease_expires_at = now() + $3::int * interval '1 millisecond',
    started_at = COALESCE(j.started_at, now()),
    last_seq = j.last_seq + 1,
    attempt_seqs = j.attempt_seqs || (j.last_seq + 1),
    attempt_times = j.attempt_times || now()
  -- By primary key with an array: a join with the picked ids could be planned as a table scan.
  WHERE j.id = ANY (ARRAY(SELECT ${s}.pick_jobs($5::text[], $6::text[], $2::int)))
  RETURNING j.id, j.type, j.payload, j.attempts, j.max_attempts, j.timeout_ms, j.last_seq,
    j.priority, j.run_at, j.seq
), notified AS (
  ${notifyEventsFrom('claimed', '$4::text')}
)
SELECT id, type, payload, attempts, max_attempts, timeout_ms, last_seq,
  (SELECT count(*) FROM notified)::int AS notified
FROM claimed
ORDER BY priority DESC, run_at, seq`,
);
