// The chaos suite's short form, kill -9 on a PostgreSQL server: three `warden worker`
// processes, one killed every 2 s and restarted at once, at the shortest documented lease. No
// job is lost, the only re-runs are of jobs the killed worker held, and every reclaimed job
// runs again within 1.25 × leaseTimeout of the kill — also with over 10,000 jobs queued.

import { after, test } from 'node:test';
import { serverAvailable } from '../cli/helpers.js';
import { cleanUpEverything } from './harness/cleanup.js';
import { assertDisturbedButSound } from './harness/expectations.js';
import type { LoadMode } from './harness/modes.js';
import { diagnose, formatOne } from './harness/report.js';
import { runServerMode } from './harness/server-run.js';

const server = await serverAvailable();
after(cleanUpEverything);

const common = {
  engine: 'server',
  workers: 3,
  concurrency: 10,
  leaseMs: 1_000,
  killEveryMs: 2_000,
  // A job may be held by several killed workers in turn: each kill costs it an attempt.
  maxAttempts: 20,
} as const;

const modes: LoadMode[] = [
  {
    ...common,
    name: 'pg steady 300/s for 8 s on 3×c10, lease 1000',
    shape: 'steady',
    rate: 300,
    jobs: 2_400,
  },
  // About 7 s of work on an idle machine: two or three kills, the first with ~14,000 queued.
  { ...common, name: 'pg saturated 20,000 on 3×c10, lease 1000', shape: 'saturated', jobs: 20_000 },
];

for (const mode of modes) {
  test(`${mode.name}, kill -9 every 2 s: nothing lost, re-runs only of the killed worker's jobs, rescued in time`, {
    skip: !server && 'no PostgreSQL server',
    timeout: 120_000,
  }, async (t) => {
    const result = await runServerMode(mode);
    diagnose(t, formatOne(result));
    assertDisturbedButSound(result, {
      rescueWithinLease: true,
      killsHitJobs: mode.shape === 'saturated',
    });
  });
}
