// Insert one job with a job key: if a pending (queued) job already has the key, either replace
// its type, payload and schedule (`$9` true) or keep it as it is; either way the pending job's
// id is returned, so there is at most one pending job per key.

import { defineStatement } from './statement.js';

/**
 * Params: `$1` id, `$2` type, `$3` payload (JSON text), `$4` priority, `$5` run-at (ms or null),
 * `$6` max attempts, `$7` timeout (ms or null), `$8` job key, `$9` replace, `$10` the channel.
 * Returns one row: `id`, `inserted` (false when an existing pending job was kept or replaced).
 */
export const insertKeyedJob = defineStatement(
  'insert_keyed_job',
  (s) => `
WITH upserted AS (
  INSERT INTO ${s}.jobs AS j (id, type, payload, priority, run_at, max_attempts, timeout_ms, job_key)
  VALUES ($1::text, $2::text, $3::json, $4::int,
    CASE WHEN $5::float8 IS NULL THEN now() ELSE to_timestamp($5::float8 / 1000) END,
    $6::int, $7::int, $8::text)
  ON CONFLICT (job_key) WHERE job_key IS NOT NULL AND state = 'queued' DO UPDATE SET
    type = CASE WHEN $9::boolean THEN EXCLUDED.type ELSE j.type END,
    payload = CASE WHEN $9::boolean THEN EXCLUDED.payload ELSE j.payload END,
    priority = CASE WHEN $9::boolean THEN EXCLUDED.priority ELSE j.priority END,
    run_at = CASE WHEN $9::boolean THEN EXCLUDED.run_at ELSE j.run_at END,
    max_attempts = CASE WHEN $9::boolean THEN EXCLUDED.max_attempts ELSE j.max_attempts END,
    timeout_ms = CASE WHEN $9::boolean THEN EXCLUDED.timeout_ms ELSE j.timeout_ms END
  RETURNING j.id, j.run_at, (j.xmax::text = '0') AS inserted
), notified AS (
  SELECT pg_notify($10::text,
    'j' || GREATEST(0, ceil(extract(epoch FROM run_at - now()) * 1000))::bigint)
  FROM upserted
)
SELECT id, inserted, (SELECT count(*) FROM notified)::int AS notified
FROM upserted`,
);
