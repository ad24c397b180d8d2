// The heartbeat: extend the leases of the attempts this worker runs, and learn which of them
// have a cancellation pending (the fallback for a missed NOTIFY). An attempt missing from the
// result has been taken from this worker.

import { defineStatement } from './statement.js';

/**
 * Params: `$1` worker id, `$2` ids, `$3` a JSON object mapping each id to its attempt, `$4` the
 * lease (ms). Returns `id` and `cancel_requested` (a reason or null) for each lease still held.
 */
export const renewLeases = defineStatement(
  'renew_leases',
  (s) => `
UPDATE ${s}.jobs j SET lease_expires_at = now() + $4::int * interval '1 millisecond'
WHERE j.id = ANY ($2::text[]) AND j.locked_by = $1::text AND j.state = 'running'
  AND j.attempts = ($3::jsonb ->> j.id)::int
RETURNING j.id, j.cancel_requested`,
);
