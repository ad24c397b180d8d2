// Insert a batch of jobs without job keys in one statement, and wake the workers: one NOTIFY
// `j<ms>` whose number is how long until the earliest of them is due (0: now).

import { defineStatement } from './statement.js';

/**
 * Params: `$1` ids, `$2` types, `$3` payloads (JSON text), `$4` priorities, `$5` run-at times
 * (ms since the epoch, null for now), `$6` max attempts, `$7` timeouts (ms or null), `$8` the
 * channel. Returns one row: `inserted`.
 */
export const insertJobs = defineStatement(
  'insert_jobs',
  (s) => `
WITH inserted AS (
  INSERT INTO ${s}.jobs (id, type, payload, priority, run_at, max_attempts, timeout_ms)
  SELECT id, type, payload, priority,
    CASE WHEN run_at IS NULL THEN now() ELSE to_timestamp(run_at / 1000) END,
    max_attempts, timeout_ms
  FROM unnest($1::text[], $2::text[], $3::json[], $4::int[], $5::float8[], $6::int[], $7::int[])
    AS t(id, type, payload, priority, run_at, max_attempts, timeout_ms)
  RETURNING run_at
), notified AS (
  SELECT pg_notify($8::text,
    'j' || GREATEST(0, ceil(extract(epoch FROM min(run_at) - now()) * 1000))::bigint)
  FROM inserted HAVING count(*) > 0
)
SELECT count(*)::int AS inserted, (SELECT count(*) FROM notified)::int AS notified
FROM inserted`,
);
