// The chaos suite's short form, undisturbed load on a PostgreSQL server: `warden worker`
// processes at the shortest documented lease (1,000 ms) run every job exactly once. The
// reported failure: three workers at concurrency 10, or one at concurrency 50, run jobs twice
// and fail them with LeaseLostError though every handler succeeded.

import { after, test } from 'node:test';
import { serverAvailable } from '../cli/helpers.js';
import { cleanUpEverything } from './harness/cleanup.js';
import { assertUndisturbed } from './harness/expectations.js';
import type { LoadMode } from './harness/modes.js';
import { diagnose, formatOne } from './harness/report.js';
import { runServerMode } from './harness/server-run.js';

const server = await serverAvailable();
after(cleanUpEverything);

const modes: LoadMode[] = [
  {
    name: 'pg saturated 20,000 on 3×c10, lease 1000',
    engine: 'server',
    shape: 'saturated',
    jobs: 20_000,
    workers: 3,
    concurrency: 10,
    leaseMs: 1_000,
  },
  {
    name: 'pg saturated 10,000 on 1×c50, lease 1000',
    engine: 'server',
    shape: 'saturated',
    jobs: 10_000,
    workers: 1,
    concurrency: 50,
    leaseMs: 1_000,
  },
];

for (const mode of modes) {
  test(`${mode.name}, no kill: every job runs once and succeeds`, {
    skip: !server && 'no PostgreSQL server',
    timeout: 120_000,
  }, async (t) => {
    const result = await runServerMode(mode);
    diagnose(t, formatOne(result));
    assertUndisturbed(result);
  });
}
