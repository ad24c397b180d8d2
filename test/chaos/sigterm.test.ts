// The chaos suite's short form, SIGTERM with 100 running tasks followed over SSE: `warden serve`
// on PGlite and on a server, and a `warden worker` whose tasks an API-only serve streams. Exit
// code 0, and every stream's last event is `shutdown` (or the task's own terminal event),
// exactly once, before the server ends the response. The worker hands its tasks back without
// ending any stream; another worker runs them again.

import { after, test } from 'node:test';
import { serverAvailable } from '../cli/helpers.js';
import { cleanUpEverything } from './harness/cleanup.js';
import { assertGracefulSigterm } from './harness/expectations.js';
import { diagnose, formatSigtermTable } from './harness/report.js';
import { serveCase, workerCase } from './harness/sigterm.js';

const server = await serverAvailable();
after(cleanUpEverything);

test('SIGTERM of warden serve on PGlite with 100 running tasks and 100 SSE clients', {
  timeout: 120_000,
}, async (t) => {
  const result = await serveCase('pglite');
  diagnose(t, formatSigtermTable([result]));
  assertGracefulSigterm(result);
});

test('SIGTERM of warden serve --database with 100 running tasks and 100 SSE clients', {
  skip: !server && 'no PostgreSQL server',
  timeout: 120_000,
}, async (t) => {
  const result = await serveCase('server');
  diagnose(t, formatSigtermTable([result]));
  assertGracefulSigterm(result);
});

test('SIGTERM of warden worker with 100 running tasks streamed by an API-only serve', {
  skip: !server && 'no PostgreSQL server',
  timeout: 120_000,
}, async (t) => {
  const result = await workerCase();
  diagnose(t, formatSigtermTable([result]));
  assertGracefulSigterm(result);
});
