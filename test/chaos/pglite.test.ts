// The chaos suite's short form on PGlite: one `warden serve --data-dir` loaded over HTTP, left
// alone, then killed with SIGKILL after every 2 s of uptime and restarted on the same data
// directory. Undisturbed, every job runs once; killed, nothing is lost but jobs whose every
// attempt a kill took (the HTTP API cannot raise maxAttempts above 3), and every re-run is of a
// job the killed server held. The rescue time is reported, not asserted: the lone server is
// down while it restarts.

import { after, test } from 'node:test';
import { cleanUpEverything } from './harness/cleanup.js';
import { assertDisturbedButSound, assertUndisturbed } from './harness/expectations.js';
import { runPgliteMode } from './harness/pglite-run.js';
import { diagnose, formatOne } from './harness/report.js';

after(cleanUpEverything);

const common = { engine: 'pglite', workers: 1, concurrency: 10, leaseMs: 1_000 } as const;

test('pglite saturated 600 over HTTP, c10, lease 1000, no kill: every job runs once and succeeds', {
  timeout: 120_000,
}, async (t) => {
  const result = await runPgliteMode({
    ...common,
    name: 'pglite saturated 600',
    shape: 'saturated',
    jobs: 600,
  });
  diagnose(t, formatOne(result));
  assertUndisturbed(result);
});

test("pglite saturated 3,000 over HTTP, c10, lease 1000, kill -9 after 2 s up: nothing lost, re-runs only of the killed server's jobs", {
  timeout: 120_000,
}, async (t) => {
  const result = await runPgliteMode({
    ...common,
    name: 'pglite saturated 3,000, kill -9',
    shape: 'saturated',
    // Enough for several seconds of work even on a fast machine and Node line (1,200 were all
    // done within 2 s on Node 24): the first kill comes 2 s after the server is ready.
    jobs: 3_000,
    killEveryMs: 2_000,
  });
  diagnose(t, formatOne(result));
  assertDisturbedButSound(result, {
    rescueWithinLease: false,
    allowExhausted: true,
    killsHitJobs: true,
  });
});
