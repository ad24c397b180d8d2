// The TaskCoordinator suite on the Postgres backend: on PGlite (always) and on a real PostgreSQL
// server when one is reachable (a database per test file; see test/postgres/engines.ts).
// Failures are not retried here (maxAttempts 1), so each task's stream is the one the suite
// expects. Where the Postgres backend differs from the event contract, the test is marked todo
// with the reason (it still runs and is reported).

import { PostgresBackend } from '../../src/postgres/index.js';
import { engines } from '../postgres/engines.js';
import { coordinatorSuite } from './suite.js';

const THROW_WHILE_CANCELLING =
  'PostgresBackend records `cancelled` for a task that throws another error after cancel(); ' +
  'Task and the in-memory backends record `failed` with that error';

const knownIssues = {
  'client connection race: subscribing after the terminal event ends at once':
    'PostgresBackend.events(id, { after }) with `after` at or past the terminal seq waits forever instead of ending',
  'exceptions during cancellation: a task that throws while cancelling has one terminal, failed':
    THROW_WHILE_CANCELLING,
  'exceptions during cancellation: a subscriber of a failing task is never left hanging':
    THROW_WHILE_CANCELLING,
  'completion/cancellation race: cancel a queued task before it starts':
    'PostgresBackend records `started` for a job its worker has prefetched, even when it is cancelled before its handler runs',
};

/** On a real server, where queries run concurrently. */
const serverIssues = {
  'test_cancelling_counter_tracks_cancel_calls: one delivery, the first reason':
    'PostgresBackend.cancel: concurrent calls for one running job can each resolve true',
};

for (const engine of await engines()) {
  coordinatorSuite({
    name: `PostgresBackend (${engine.name})`,
    slow: true,
    knownIssues: engine.name === 'pg' ? { ...knownIssues, ...serverIssues } : knownIssues,
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
