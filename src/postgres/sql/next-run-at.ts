// How long until the next scheduled job (a future run-at, or a retry's backoff) becomes due,
// for the wake-up timer of an idle worker: null when there is none. Any type: a wake-up for a job
// another worker runs costs one empty claim.

import { defineStatement } from './statement.js';

/** No params. Returns one row: `delay` in ms, or null. */
export const nextRunAt = defineStatement(
  'next_run_at',
  (s) => `
SELECT (extract(epoch FROM min(run_at) - now()) * 1000)::float8 AS delay
FROM ${s}.jobs
WHERE state = 'queued' AND run_at > now()`,
);
