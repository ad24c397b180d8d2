// The SET clauses that record an attempt's `started` event on its job row, shared by the two
// statements a worker writes it with: with the handler's first events (sql/insert-events.ts), or,
// when the attempt ended before those were written, with its completion (sql/complete-jobs.ts).
// Written only once: a batch written again (its reply was lost) finds the seq already there.

/**
 * SET clauses for `jobs j`, given `values`, an expression for the job's JSON values holding
 * `st` (the `started` seq; absent: nothing to record), `t` (its time, ms since the epoch) and
 * `a` (the attempt).
 */
export function recordStartColumns(values: string): string {
  const seq = `(${values} ->> 'st')::int`;
  const time = `to_timestamp((${values} ->> 't')::float8 / 1000)`;
  const fresh = `(${seq} IS NOT NULL AND NOT (${seq} = ANY (j.attempt_seqs)))`;
  return `attempt_seqs = CASE WHEN ${fresh} THEN j.attempt_seqs || ${seq} ELSE j.attempt_seqs END,
    attempt_times = CASE WHEN ${fresh} THEN j.attempt_times || ${time} ELSE j.attempt_times END,
    attempt_nums = CASE WHEN ${fresh} THEN j.attempt_nums || (${values} ->> 'a')::int
      ELSE j.attempt_nums END,
    started_at = CASE WHEN ${fresh} THEN COALESCE(j.started_at, ${time}) ELSE j.started_at END,
    attempt_started = j.attempt_started OR ${fresh}`;
}
