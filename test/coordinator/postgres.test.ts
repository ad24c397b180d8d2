// The TaskCoordinator suite on the Postgres backend: on PGlite (always) and on a real PostgreSQL
// server when one is reachable (a database per test file; see test/postgres/engines.ts).
// Failures are not retried here (maxAttempts 1), so each task's stream is the one the suite
// expects.

import { PostgresBackend } from '../../src/postgres/index.js';
import { engines } from '../postgres/engines.js';
import { coordinatorSuite } from './suite.js';

for (const engine of await engines()) {
  coordinatorSuite({
    name: `PostgresBackend (${engine.name})`,
    slow: true,
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
