// Real worker processes on one PostgreSQL queue (server only: PGlite is one process): two
// workers run every job exactly once; a worker killed with SIGKILL mid-job has its job finished by
// the other within the lease bound, never while the lease was alive; a job running in another
// process is cancelled there; a SIGTERM'd worker hands its job back at once.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { migrate, type PostgresBackend } from '../../src/postgres/index.js';
import { serverOnly } from './engines.js';
import { ended, makeBackend, recordWhere } from './helpers.js';
import { startWorker, type WorkerProcess } from './processes.js';

const server = await serverOnly();
const LEASE_MS = 2_000;

describe('PostgresBackend across processes', {
  skip: server === undefined && 'no PostgreSQL server',
}, () => {
  if (server === undefined) return;
  const db = server;
  const url = db.connectionString as string;
  const workers: WorkerProcess[] = [];

  async function setUp(): Promise<{ schema: string; producer: PostgresBackend }> {
    const schema = db.newSchema();
    await migrate({ connectionString: url, schema });
    await db.query(
      `CREATE TABLE "${schema}".runs (job_id text, pid int, attempt int, at timestamptz DEFAULT clock_timestamp())`,
    );
    const producer = makeBackend(db, {
      schema,
      concurrency: 0,
      types: { record: {}, block: {}, hold: {} },
    });
    await producer.start();
    return { schema, producer };
  }

  function worker(schema: string, env: Record<string, string> = {}): WorkerProcess {
    const process = startWorker({
      DATABASE_URL: url,
      SCHEMA: schema,
      LEASE_MS: String(LEASE_MS),
      ...env,
    });
    workers.push(process);
    return process;
  }

  /** A worker process that has said `ready`. */
  async function readyWorker(
    schema: string,
    env: Record<string, string> = {},
  ): Promise<WorkerProcess> {
    const process = worker(schema, env);
    await process.line(/^ready$/);
    return process;
  }

  // Every test's worker processes go, however the test ended.
  afterEach(async () => {
    for (const process of workers.splice(0)) {
      process.child.kill('SIGKILL');
      await process.exited;
    }
  });

  test('two workers share a queue and every job runs exactly once', async () => {
    const { schema, producer } = await setUp();
    const a = worker(schema, { CONCURRENCY: '2' });
    const b = worker(schema, { CONCURRENCY: '2' });
    await Promise.all([a.line(/^ready$/), b.line(/^ready$/)]);
    const ids = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        producer.submit({ type: 'record', payload: { ms: 5 + (i % 3) } }),
      ),
    );
    for (const { id } of ids) await ended(producer, id, 60_000);
    const runs = await server.query<{ job_id: string; pid: number }>(
      `SELECT job_id, pid FROM "${schema}".runs`,
    );
    assert.equal(runs.length, 300);
    assert.equal(new Set(runs.map((run) => run.job_id)).size, 300);
    const pids = new Set(runs.map((run) => run.pid));
    assert.deepEqual(pids, new Set([a.pid, b.pid]), 'both workers took part');
    assert.equal((await producer.counts()).succeeded, 300);
  });

  test('kill -9 a worker mid-job: the other finishes the job within the lease bound, not before the lease ran out', async () => {
    const { schema, producer } = await setUp();
    const a = await readyWorker(schema);
    const { id } = await producer.submit({ type: 'hold', payload: null });
    await a.line(new RegExp(`^started ${id} 1$`));
    const b = await readyWorker(schema);
    const [{ lease }] = (await db.query(
      `SELECT (extract(epoch FROM lease_expires_at) * 1000)::float8 AS lease FROM "${schema}".jobs WHERE id = $1`,
      [id],
    )) as [{ lease: number }];
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await a.exited;
    const info = await ended(producer, id, 30_000);
    const tookMs = Date.now() - killedAt;
    assert.equal(info.state, 'succeeded');
    assert.equal(info.attempts, 2);
    assert.equal(info.errors[0]?.code, 'WARDEN_ERR_LEASE_LOST');
    const runs = await server.query<{ pid: number; at: number }>(
      `SELECT pid, (extract(epoch FROM at) * 1000)::float8 AS at FROM "${schema}".runs WHERE job_id = $1`,
      [id],
    );
    assert.deepEqual(
      runs.map((run) => run.pid),
      [b.pid],
    );
    assert.ok((runs[0]?.at ?? 0) >= lease, 'not run again while the lease was alive');
    // The bound is 1.25 × the lease after the last renewal; allow a loaded machine its slack.
    assert.ok(tookMs < LEASE_MS * 1.25 + 5_000, `finished ${tookMs} ms after the kill`);
  });

  test("cancel a job running in another process: its handler's token fires there", async () => {
    const { schema, producer } = await setUp();
    const a = await readyWorker(schema);
    const { id } = await producer.submit({ type: 'block', payload: null });
    await a.line(new RegExp(`^started ${id} 1$`));
    const before = performance.now();
    assert.equal(await producer.cancel(id, 'from the parent'), true);
    await a.line(new RegExp(`^cancelled ${id} requested from the parent$`), 10_000);
    const latency = performance.now() - before;
    assert.ok(latency < 2_000, `the token fired ${latency} ms after cancel()`);
    const info = await ended(producer, id);
    assert.equal(info.state, 'cancelled');
    assert.equal(info.attempts, 1);
  });

  test("a SIGTERM'd worker hands its running job back at once, the attempt not counted", async () => {
    const { schema, producer } = await setUp();
    const a = await readyWorker(schema);
    const { id } = await producer.submit({ type: 'block', payload: null });
    await a.line(new RegExp(`^started ${id} 1$`));
    a.child.kill('SIGTERM');
    assert.equal(await a.exited, 0);
    const queued = await recordWhere(producer, id, (info) => info.state === 'queued');
    assert.equal(queued.attempts, 0);
    assert.equal(queued.lockedBy, undefined);
    const b = worker(schema);
    await b.line(new RegExp(`^started ${id} 1$`), 10_000);
    await producer.cancel(id);
    assert.equal((await ended(producer, id)).state, 'cancelled');
  });
});
