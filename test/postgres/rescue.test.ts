// The lease sweep keeps its word, both engines: a job claimed ahead by a worker that died before
// starting it comes back with no attempt spent; a reclaimed job keeps its place in the queue
// (before newer work, not behind a backlog); and an embedded backend that opens its own data
// directory reclaims what the previous owner left running at once, not after the lease.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { migrate, PostgresBackend } from '../../src/postgres/index.js';
import { captureLogger, deferred, within } from '../helpers.js';
import { type Engine, engines } from './engines.js';
import { allEvents, makeBackend, orphan, recordWhere } from './helpers.js';

for (const engine of await engines()) {
  describe(`PostgresBackend rescue: ${engine.name}`, () => {
    test('a job a dead worker claimed ahead but never started gets its attempt back', async () => {
      const schema = engine.newSchema();
      const producer = makeBackend(engine, { schema, concurrency: 0, types: { t: {} } });
      await producer.start();
      const { id } = await producer.submit({ type: 't', payload: null, maxAttempts: 1 });
      await orphan(engine, schema, id, { started: false });
      const worker = makeBackend(engine, { schema, leaseTimeout: 1_000 });
      const attempts: number[] = [];
      worker.register('t', (_payload, ctx) => {
        attempts.push(ctx.attempt);
      });
      await worker.start();
      const events = await allEvents(worker, id);
      // Its one attempt was not spent by the dead worker: it runs (attempt 1) and succeeds.
      assert.deepEqual(
        events.map((event) => [event.type, event.data]),
        [
          ['started', { attempt: 1 }],
          ['completed', { result: null }],
        ],
      );
      assert.deepEqual(attempts, [1]);
      const info = await worker.getTask(id);
      assert.deepEqual([info?.state, info?.attempts, info?.errors], ['succeeded', 1, []]);
    });

    test('a reclaimed job keeps its place: it runs before work queued after it', async () => {
      const schema = engine.newSchema();
      const producer = makeBackend(engine, { schema, concurrency: 0, types: { t: {} } });
      await producer.start();
      const { id } = await producer.submit({ type: 't', payload: null });
      await orphan(engine, schema, id, { started: true });
      await producer.submitMany(Array.from({ length: 20 }, () => ({ type: 't', payload: null })));
      // A worker of another type sweeps every worker's expired leases.
      const sweeper = makeBackend(engine, { schema, leaseTimeout: 1_000 });
      sweeper.register('other', () => {});
      await sweeper.start();
      await recordWhere(producer, id, (info) => info.state === 'queued', {
        what: 'the orphan swept back to the queue',
      });
      const order: string[] = [];
      const worker = makeBackend(engine, { schema, concurrency: 1, prefetch: 0 });
      const first = deferred();
      worker.register('t', (_payload, ctx) => {
        order.push(ctx.id);
        first.resolve();
      });
      await worker.start();
      await within(first.promise);
      assert.equal(order[0], id);
    });
  });
}

test('a backend that opens its own data directory reclaims the previous owner’s jobs at once', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'warden-rescue-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  // The previous owner: it started a job (and prefetched another) under a 10-minute lease,
  // then vanished without handing them back.
  const previous = await PGlite.create(dataDir);
  await migrate({ pglite: previous, schema: 'warden' });
  await previous.query(
    `INSERT INTO warden.jobs (id, type, payload, max_attempts) VALUES
       ('began', 't', 'null', 3), ('claimed', 't', 'null', 3)`,
  );
  const previousEngine: Engine = {
    name: 'pglite',
    newSchema: () => 'warden',
    options: () => assert.fail('not used'),
    query: async (sql, params = []) => (await previous.query(sql, params)).rows as never,
  };
  await orphan(previousEngine, 'warden', 'began', { started: true, leaseMs: 600_000 });
  await orphan(previousEngine, 'warden', 'claimed', { started: false, leaseMs: 600_000 });
  await previous.close();

  const { logger, entries } = captureLogger();
  const backend = new PostgresBackend({ pglite: { dataDir }, runtime: false, logger });
  const ran = new Map<string, number>();
  backend.register('t', (_payload, ctx) => {
    ran.set(ctx.id, ctx.attempt);
  });
  t.after(() => backend.shutdown({ timeout: 0, grace: 500 }));
  await backend.start();
  await allEvents(backend, 'began', 10_000);
  await allEvents(backend, 'claimed', 10_000);
  // 'began' spent attempt 1 with the previous owner; 'claimed' never started there.
  assert.deepEqual(Object.fromEntries(ran), { began: 2, claimed: 1 });
  const began = await backend.getTask('began');
  assert.equal(began?.errors[0]?.code, 'WARDEN_ERR_LEASE_LOST');
  assert.match(began?.errors[0]?.message ?? '', /worker ghost was gone when the embedded/);
  assert.deepEqual((await backend.getTask('claimed'))?.errors, []);
  assert.ok(
    entries.some((entry) => entry.level === 'warn' && /reclaimed 2 job/.test(entry.msg ?? '')),
    'the reclaim is logged',
  );
});
