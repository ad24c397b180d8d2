// The heartbeat: extend the leases of the attempts this worker runs, and learn which of them
// have a cancellation pending (the fallback for a missed NOTIFY). The rows are locked in id order
// first (see sql/lock-jobs.ts): the renewal may wait for this worker's own writes of events and
// outcomes to those rows (milliseconds), never in a cycle with them. An attempt missing from the
// result has been taken from this worker.

import { lockJobsById } from './lock-jobs.js';
import { defineStatement } from './statement.js';

/**
 * Params: `$1` worker id, `$2` ids, `$3` a JSON object mapping each id to its attempt, `$4` the
 * lease (ms). Returns `id` and `cancel_requested` (a reason or null) for each lease still held.
 */
export const renewLeases = defineStatement('renew_leases', (s) => {
  const mine = `j.locked_by = $1::text AND j.state = 'running'
    AND j.attempts = ($3::jsonb ->> j.id)::int`;
  return `
WITH locked AS MATERIALIZED (
  ${lockJobsById(s, '$2::text[]', mine)}
)
UPDATE ${s}.jobs j SET lease_expires_at = now() + $4::int * interval '1 millisecond'
WHERE j.id = ANY (ARRAY(SELECT id FROM locked)) AND ${mine}
RETURNING j.id, j.cancel_requested`;
});
