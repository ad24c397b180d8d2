-- A job's `started` event is recorded when its handler begins, not when a worker claims it: a
-- job claimed ahead (prefetch) and cancelled or handed back before it runs never shows one.
-- Each `started` event now carries the attempt it began (an attempt handed back by a drain
-- runs again under the same number), so the attempts are stored beside the seqs and times.

ALTER TABLE {{schema}}.jobs ADD COLUMN attempt_nums integer[] NOT NULL DEFAULT '{}';

-- Jobs recorded before this migration numbered their attempts by position.
UPDATE {{schema}}.jobs
SET attempt_nums = ARRAY(SELECT generate_series(1, cardinality(attempt_seqs)))
WHERE cardinality(attempt_seqs) > 0;
