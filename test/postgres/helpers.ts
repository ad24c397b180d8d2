// Shared fixtures of the Postgres backend tests: backends that are shut down after each test,
// and bounded waits on a job's events and record.

import { afterEach } from 'node:test';
import type { TaskEvent } from '../../src/index.js';
import {
  PostgresBackend,
  type PostgresBackendOptions,
  type PostgresTaskInfo,
} from '../../src/postgres/index.js';
import { within } from '../helpers.js';
import type { Engine } from './engines.js';

const open = new Set<PostgresBackend>();
afterEach(async () => {
  const backends = [...open];
  open.clear();
  await Promise.all(backends.map((backend) => backend.shutdown({ timeout: 0, grace: 500 })));
});

/** A backend on `engine` (fresh schema unless given), shut down after the test. */
export function makeBackend(
  engine: Engine,
  extra: Partial<PostgresBackendOptions> & { schema?: string } = {},
): PostgresBackend {
  const { schema, ...rest } = extra;
  const backend = new PostgresBackend(engine.options(schema, rest));
  open.add(backend);
  return backend;
}

/** Every event of job `id` up to and including its terminal one. */
export async function allEvents(
  backend: PostgresBackend,
  id: string,
  timeout = 15_000,
): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  await within(
    (async () => {
      for await (const event of backend.events(id)) events.push(event);
    })(),
    { timeout, what: `the events of ${id} to end (got ${events.map((e) => e.type)})` },
  );
  return events;
}

/** The job's record once it has ended. */
export async function ended(
  backend: PostgresBackend,
  id: string,
  timeout = 15_000,
): Promise<PostgresTaskInfo> {
  await allEvents(backend, id, timeout);
  const info = await backend.getTask(id);
  if (info === undefined) throw new Error(`job ${id} vanished`);
  return info;
}

/** Poll the job's record (every 20 ms) until `predicate` holds; bounded. */
export async function recordWhere(
  backend: PostgresBackend,
  id: string,
  predicate: (info: PostgresTaskInfo) => boolean,
  { timeout = 15_000, what = 'the job record' }: { timeout?: number; what?: string } = {},
): Promise<PostgresTaskInfo> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const info = await backend.getTask(id);
    if (info !== undefined && predicate(info)) return info;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}: ${JSON.stringify(info)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Make job `id` look claimed by a worker that died: running, lease expired (or, with `leaseMs`,
 * still valid that long). `started`: whether the claimed attempt's handler had begun.
 */
export async function orphan(
  engine: Engine,
  schema: string,
  id: string,
  { started, leaseMs = -1_000 }: { started: boolean; leaseMs?: number },
): Promise<void> {
  const begin = started
    ? `, last_seq = last_seq + 1, attempt_seqs = attempt_seqs || (last_seq + 1),
       attempt_times = attempt_times || now(), attempt_nums = attempt_nums || (attempts + 1),
       started_at = now(), attempt_started = true`
    : '';
  await engine.query(
    `UPDATE "${schema}".jobs SET state = 'running', locked_by = 'ghost', attempts = attempts + 1,
       lease_expires_at = now() + $2::int * interval '1 millisecond' ${begin}
     WHERE id = $1`,
    [id, leaseMs],
  );
}
