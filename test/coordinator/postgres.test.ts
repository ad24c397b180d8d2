// The TaskCoordinator suite on the Postgres backend: on PGlite (always) and on a real PostgreSQL
// server when one is reachable (a database per test file; see test/postgres/engines.ts).
// Failures are not retried here (maxAttempts 1), so each task's stream is the one the suite
// expects. Where the Postgres backend differs from the event contract, the test is marked todo
// with the reason (it still runs and is reported).

import { PostgresBackend } from '../../src/postgres/index.js';
import { engines } from '../postgres/engines.js';
import { coordinatorSuite } from './suite.js';

const knownIssues = {
  'completion/cancellation race: cancel a queued task before it starts':
    'PostgresBackend records `started` for a job its worker has prefetched, even when it is cancelled before its handler runs',
};

for (const engine of await engines()) {
  coordinatorSuite({
    name: `PostgresBackend (${engine.name})`,
    slow: true,
    knownIssues,
    make: ({ concurrency } = {}) =>
      new PostgresBackend(
        engine.options(undefined, {
          maxAttempts: 1,
          pollInterval: 200,
          ...(concurrency === undefined ? {} : { concurrency }),
        }),
      ),
  });
}
