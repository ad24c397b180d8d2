// The chaos suite's short form, a PostgreSQL stop and start in the middle of a steady load, on a
// cluster made for the test (never the shared one): the workers and the producer ride it out;
// no job is lost, and the only re-runs are of jobs that were held when the server went away
// (the lease ran out meanwhile, as the docs allow).

import { after, test } from 'node:test';
import { cleanUpEverything } from './harness/cleanup.js';
import { clusterToolsPresent } from './harness/cluster.js';
import { assertDisturbedButSound } from './harness/expectations.js';
import { diagnose, formatOne } from './harness/report.js';
import { runServerMode } from './harness/server-run.js';

after(cleanUpEverything);

const canMakeClusters = clusterToolsPresent() && process.getuid?.() === 0;

test('pg steady 300/s on 3×c10, lease 1000, the server stopped for 2 s: nothing lost, re-runs only of the jobs it cut off', {
  skip: !canMakeClusters && 'needs Debian pg_createcluster, as root',
  timeout: 120_000,
}, async (t) => {
  const result = await runServerMode({
    name: 'pg steady 300/s, pg stop/start, lease 1000',
    engine: 'server',
    shape: 'steady',
    rate: 300,
    jobs: 2_100,
    workers: 3,
    concurrency: 10,
    leaseMs: 1_000,
    outage: { afterMs: 2_000, forMs: 2_000 },
    maxAttempts: 20,
  });
  diagnose(t, formatOne(result));
  assertDisturbedButSound(result, { rescueWithinLease: false });
});
