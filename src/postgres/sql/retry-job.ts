// Retry a dead letter: a failed (or cancelled) job is copied into a new queued job, linked by
// `retry_of`; the original keeps its record, its error history and its ended event stream.

import { defineStatement } from './statement.js';

/**
 * Params: `$1` the failed job's id, `$2` the new job's id, `$3` its attempts (null: as many as
 * the original had), `$4` the channel. Returns the new `id`, or nothing when the original is
 * unknown or not failed or cancelled.
 */
export const retryJob = defineStatement(
  'retry_job',
  (s) => `
WITH inserted AS (
  INSERT INTO ${s}.jobs (id, type, payload, priority, max_attempts, timeout_ms, retry_of)
  SELECT $2::text, type, payload, priority, COALESCE($3::int, max_attempts), timeout_ms, id
  FROM ${s}.jobs WHERE id = $1::text AND state IN ('failed', 'cancelled')
  RETURNING id
), notified AS (
  SELECT pg_notify($4::text, 'j0') FROM inserted
)
SELECT id, (SELECT count(*) FROM notified)::int AS notified
FROM inserted`,
);
