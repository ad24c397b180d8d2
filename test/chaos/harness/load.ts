// The load of a chaos run: jobs of kind `job` (sleep 0–20 ms) with ids the harness chooses, so a
// submission cut off by a kill or an outage can be sent again safely — a duplicate id means the
// first one was stored. Two shapes: everything at once (saturated), or a steady rate.

import { setTimeout as delay } from 'node:timers/promises';
import { DuplicateTaskIdError } from '../../../src/backend/errors.js';
import { PostgresBackend } from '../../../src/postgres/index.js';
import { silentLogger } from '../../helpers.js';

/** One job: its id and how long its handler sleeps. */
export interface JobSpec {
  readonly id: string;
  readonly ms: number;
}

/** Stores jobs in the queue; resolves once every one of them is stored for sure. */
export interface Submitter {
  submit(jobs: readonly JobSpec[]): Promise<void>;
  close(): Promise<void>;
}

/** How long a submission keeps being retried through kills and outages. */
const SUBMIT_DEADLINE_MS = 120_000;

/** `count` jobs `<prefix>-0…`, sleeping 0–20 ms (spread evenly, the same every run). */
export function makeJobs(prefix: string, count: number): JobSpec[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, ms: (i * 7) % 21 }));
}

/**
 * A producer on a PostgreSQL server: a `PostgresBackend` that runs nothing (`concurrency: 0`).
 * `maxAttempts` is given to every job (undefined: the backend's default, 3).
 */
export async function serverSubmitter(
  url: string,
  schema: string,
  maxAttempts: number | undefined,
): Promise<Submitter> {
  const backend = new PostgresBackend({
    connectionString: url,
    schema,
    concurrency: 0,
    types: { job: {} },
    runtime: false,
    logger: silentLogger,
  });
  await backend.start();
  const spec = (job: JobSpec) => ({
    type: 'job',
    id: job.id,
    payload: { ms: job.ms },
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
  const one = (job: JobSpec) =>
    retrying(job.id, async () => {
      try {
        await backend.submit(spec(job));
      } catch (error) {
        if (!(error instanceof DuplicateTaskIdError)) throw error;
      }
    });
  return {
    async submit(jobs) {
      try {
        await backend.submitMany(jobs.map(spec));
      } catch {
        // Some of the batch may be stored: send each again, a duplicate meaning it was.
        await Promise.all(jobs.map(one));
      }
    },
    close: () => backend.shutdown({ timeout: 0 }).then(() => {}),
  };
}

/**
 * A producer over HTTP (`POST /tasks` with the job's id): 201 or 409 (that id is stored) is
 * done; anything else (the server was killed, is restarting) is tried again. `inFlight`
 * requests at once.
 */
export function httpSubmitter(url: string, inFlight = 32): Submitter {
  const one = (job: JobSpec) =>
    retrying(job.id, async () => {
      const response = await fetch(`${url}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'job', id: job.id, input: { ms: job.ms } }),
      });
      await response.arrayBuffer();
      if (response.status !== 201 && response.status !== 409) {
        throw new Error(`POST /tasks answered ${response.status}`);
      }
    });
  return {
    async submit(jobs) {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < jobs.length) await one(jobs[next++] as JobSpec);
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    },
    close: async () => {},
  };
}

/** Run `attempt` until it resolves, backing off, for at most {@link SUBMIT_DEADLINE_MS}. */
async function retrying(id: string, attempt: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + SUBMIT_DEADLINE_MS;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1_000)) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`could not submit ${id}`, { cause: error });
    }
    await delay(wait);
  }
}

/** Submit `jobs` at `perSecond`, in ticks of 100 ms; resolves once the last one is stored. */
export async function submitSteadily(
  submitter: Submitter,
  jobs: readonly JobSpec[],
  perSecond: number,
): Promise<void> {
  const started = Date.now();
  let sent = 0;
  while (sent < jobs.length) {
    const due = Math.min(jobs.length, Math.floor(((Date.now() - started) * perSecond) / 1000));
    if (due > sent) {
      await submitter.submit(jobs.slice(sent, due));
      sent = due;
    }
    // The rate's own clock: not a wait for anything to settle.
    await delay(100);
  }
}
