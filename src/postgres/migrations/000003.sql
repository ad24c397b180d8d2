-- An attempt counts once its handler begins, not when a worker claims the job: a job claimed
-- ahead (prefetch) by a worker that then dies comes back with no attempt spent. The claim sets
-- `attempt_started` to false; recording the attempt's `started` event sets it to true; the lease
-- sweep gives a job whose attempt never started its attempt back.

ALTER TABLE {{schema}}.jobs ADD COLUMN attempt_started boolean NOT NULL DEFAULT false;

-- Running jobs recorded before this migration whose current attempt has a `started` event.
UPDATE {{schema}}.jobs
SET attempt_started = true
WHERE state = 'running' AND attempts = ANY (attempt_nums);
