// A task's events in a range of seqs, in order. Three sources make one stream: the handler's
// events (rows of `events`), one `started` event per attempt whose handler began (`attempt_seqs`,
// `attempt_times`, `attempt_nums` of the job) and, once the job has ended, its terminal event
// (the job row at `last_seq`). The first row, with a null `seq`, says the task exists and
// carries its state and last seq (so a follower that is already past a finished task's terminal
// event can end, and one that finds nothing in the range knows whether there is more beyond);
// no row at all means an unknown task.
//
// The range is `($2, $2 + $3]`, not "the first $3 after $2": a stream's seqs are consecutive, so
// it holds the same events, and it is an index range of `events`' primary key whatever the
// planner knows about the table (PGlite never gathers statistics; with "the first $3" a plan
// without them scanned and sorted the task's whole remaining history for every page, so a long
// replay took quadratic time).

import { defineStatement, epochMs } from './statement.js';

/** Params: `$1` task id, `$2` after this seq, `$3` at most this many seqs past it. */
export const readEvents = defineStatement(
  'read_events',
  (s) => `
WITH job AS (SELECT * FROM ${s}.jobs WHERE id = $1::text)
SELECT seq, type, data, time, job_state, job_last_seq FROM (
  SELECT NULL::int AS seq, NULL::text AS type, NULL::json AS data, NULL::float8 AS time,
    job.state::text AS job_state, job.last_seq AS job_last_seq
  FROM job
  UNION ALL
  SELECT e.seq, e.type, e.data, ${epochMs('e.time')}, NULL, NULL
  FROM ${s}.events e
  WHERE e.task_id = $1::text AND e.seq > $2::int AND e.seq <= $2::bigint + $3::int
  UNION ALL
  SELECT a.seq, 'started', json_build_object('attempt', a.n), ${epochMs('a.at')}, NULL, NULL
  FROM job, unnest(job.attempt_seqs, job.attempt_times, job.attempt_nums) AS a(seq, at, n)
  WHERE a.seq > $2::int AND a.seq <= $2::bigint + $3::int
  UNION ALL
  SELECT job.last_seq, CASE job.state WHEN 'succeeded' THEN 'completed' ELSE job.state END,
    CASE job.state
      WHEN 'succeeded' THEN json_build_object('result', COALESCE(job.result, 'null'::json))
      WHEN 'failed' THEN json_build_object(
        'error', (job.errors -> -1) - 'attempt' - 'at',
        'timeout', COALESCE(job.errors -> -1 ->> 'code' = 'WARDEN_ERR_TIMEOUT', false),
        'attempt', job.attempts)
      ELSE json_build_object('reason', job.cancel_reason)
    END,
    ${epochMs('job.finished_at')}, NULL, NULL
  FROM job WHERE job.state IN ('succeeded', 'failed', 'cancelled')
    AND job.last_seq > $2::int AND job.last_seq <= $2::bigint + $3::int
) stream
ORDER BY seq NULLS FIRST
LIMIT $3::int + 1`,
);
