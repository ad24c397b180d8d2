-- Warden's durable queue: jobs, their event streams. {{schema}} is the backend's schema, quoted.
-- Applied in one transaction under an advisory lock by src/postgres/migrate.ts.

CREATE TABLE {{schema}}.jobs (
  id text PRIMARY KEY,
  -- Insertion order: FIFO among equal priority and run_at, and newest-first listing.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  type text NOT NULL,
  payload json NOT NULL,
  state text NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  priority integer NOT NULL DEFAULT 0,
  run_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 1 CHECK (max_attempts >= 1),
  timeout_ms integer,
  job_key text,
  -- The worker holding the lease, and until when; both null unless running.
  locked_by text,
  lease_expires_at timestamptz,
  -- A cancellation asked for while running ({kind, message}); the worker ends the job.
  cancel_requested jsonb,
  cancel_reason jsonb,
  result json,
  -- Every failed attempt: [{name, message, code?, attempt, at}], oldest first.
  errors jsonb NOT NULL DEFAULT '[]',
  -- The seq of the job's latest event. `started` events (one per attempt) and the terminal event
  -- are not rows of `events`: they are read from these columns (see sql/read-events.ts), which
  -- saves two inserts per job. `attempt_seqs[n]` is the seq of attempt n's `started` event.
  last_seq integer NOT NULL DEFAULT 0,
  attempt_seqs integer[] NOT NULL DEFAULT '{}',
  attempt_times timestamptz[] NOT NULL DEFAULT '{}',
  retry_of text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);

-- What a claim scans: ready jobs by priority, then run_at, then insertion order.
CREATE INDEX jobs_ready ON {{schema}}.jobs (priority DESC, run_at, seq) WHERE state = 'queued';
-- At most one pending job per key.
CREATE UNIQUE INDEX jobs_pending_key ON {{schema}}.jobs (job_key)
  WHERE job_key IS NOT NULL AND state = 'queued';
-- What the lease sweep scans.
CREATE INDEX jobs_leases ON {{schema}}.jobs (lease_expires_at) WHERE state = 'running';
-- listTasks, newest first.
CREATE INDEX jobs_seq ON {{schema}}.jobs (seq);
-- What the retention sweep deletes.
CREATE INDEX jobs_finished ON {{schema}}.jobs (finished_at) WHERE finished_at IS NOT NULL;

-- The events a handler records (ctx.emit, ctx.progress).
CREATE TABLE {{schema}}.events (
  task_id text NOT NULL,
  seq integer NOT NULL,
  type text NOT NULL,
  data json,
  time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, seq)
);

-- The jobs a claim takes, in queue order: highest priority, then earliest run_at, then oldest;
-- rows other workers are claiming are skipped. A function so that it can switch sorting off:
-- the queue changes size faster than the planner's statistics, and with stale statistics the
-- planner may prefer reading every queued row and sorting them to walking `jobs_ready` in order.
-- PL/pgSQL so that its plan is cached per connection. `types` null: any type; `except_types`
-- null: none excluded.
CREATE FUNCTION {{schema}}.pick_jobs(types text[], except_types text[], n integer)
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE
SET enable_sort = off
AS $$
BEGIN
  RETURN QUERY
    SELECT j.id FROM {{schema}}.jobs j
    WHERE j.state = 'queued' AND j.run_at <= now()
      AND (types IS NULL OR j.type = ANY (types))
      AND (except_types IS NULL OR NOT (j.type = ANY (except_types)))
    ORDER BY j.priority DESC, j.run_at, j.seq
    LIMIT n
    FOR UPDATE SKIP LOCKED;
END
$$;
