// Record a batch of handler events (`ctx.emit`, `ctx.progress`) and attempts' `started` events
// with the seqs the worker assigned, only for jobs whose lease the worker still holds for that
// attempt; idempotent, so a batch whose reply was lost can be written again. The jobs are found
// by primary key and locked in id order first (see sql/lock-jobs.ts), each one's attempt,
// latest seq and start looked up in a JSON object keyed by id (no join with the jobs table). A
// `started` event is kept on the job row, not in `events`.

import { lockJobsById } from './lock-jobs.js';
import { recordStartColumns } from './record-start.js';
import { defineStatement, notifyEventsFrom } from './statement.js';

/**
 * Params: `$1` worker id, `$2` the distinct job ids, `$3` a JSON object mapping each id to
 * `{ a: attempt, s: its latest seq in the batch, st?: its started seq, t?: the start's time }`;
 * arrays, one element per handler event: `$4` task ids, `$5` seqs, `$6` types, `$7` data (JSON
 * text), `$8` times (ms since the epoch); `$9` the channel. Returns one row: `owned`, how many
 * of the jobs the worker still holds.
 */
export const insertEvents = defineStatement(
  'insert_events',
  (s) => `
WITH locked AS MATERIALIZED (
  ${lockJobsById(s, '$2::text[]', `j.locked_by = $1::text AND j.state = 'running'`)}
), owned AS (
  UPDATE ${s}.jobs j SET
    last_seq = GREATEST(j.last_seq, ($3::jsonb -> j.id ->> 's')::int),
    ${recordStartColumns('($3::jsonb -> j.id)')}
  WHERE j.id = ANY (ARRAY(SELECT id FROM locked)) AND j.locked_by = $1::text
    AND j.state = 'running' AND j.attempts = ($3::jsonb -> j.id ->> 'a')::int
  RETURNING j.id
), recorded AS (
  INSERT INTO ${s}.events (task_id, seq, type, data, time)
  SELECT i.task_id, i.seq, i.type, i.data, to_timestamp(i.at / 1000)
  FROM unnest($4::text[], $5::int[], $6::text[], $7::json[], $8::float8[])
    AS i(task_id, seq, type, data, at)
  WHERE i.task_id IN (SELECT id FROM owned)
  ON CONFLICT DO NOTHING
), notified AS (
  ${notifyEventsFrom('owned', '$9::text')}
)
SELECT count(*)::int AS owned, (SELECT count(*) FROM notified)::int AS notified
FROM owned`,
);
