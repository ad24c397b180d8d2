// Leases and shutdown on the Postgres backend, both engines: a dead worker's jobs are swept back
// to the queue (or ended, when no attempt is left or a cancellation is pending); a worker whose
// lease was taken stops the handler; a shutdown drains, then hands the rest back at once without
// counting the attempt; and a Runtime shutdown drains the backend.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelledError, type CancelReason, Runtime } from '../../src/index.js';
import { LeaseLostError } from '../../src/postgres/index.js';
import { deferred, silentLogger, within } from '../helpers.js';
import { engines } from './engines.js';
import { allEvents, ended, makeBackend, orphan, recordWhere } from './helpers.js';

for (const engine of await engines()) {
  describe(`PostgresBackend leases and shutdown: ${engine.name}`, () => {
    test("a dead worker's job is swept back to the queue and runs again, the lost attempt recorded", async () => {
      const schema = engine.newSchema();
      const producer = makeBackend(engine, { schema, concurrency: 0, types: { t: {} } });
      await producer.start();
      const { id } = await producer.submit({ type: 't', payload: null });
      await orphan(engine, schema, id, { started: true });
      const worker = makeBackend(engine, { schema, leaseTimeout: 1_000 });
      const attempts: number[] = [];
      worker.register('t', (_payload, ctx) => {
        attempts.push(ctx.attempt);
      });
      await worker.start();
      const events = await allEvents(worker, id);
      assert.deepEqual(
        events.map((event) => [event.type, event.data]),
        [
          ['started', { attempt: 1 }],
          ['started', { attempt: 2 }],
          ['completed', { result: null }],
        ],
      );
      assert.deepEqual(attempts, [2]);
      const info = await worker.getTask(id);
      assert.equal(info?.state, 'succeeded');
      assert.equal(info?.errors.length, 1);
      assert.equal(info?.errors[0]?.code, 'WARDEN_ERR_LEASE_LOST');
      assert.equal(info?.errors[0]?.attempt, 1);
      assert.match(info?.errors[0]?.message ?? '', /ghost/);
    });

    test('a swept job with no attempt left fails; one with a pending cancellation is cancelled', async () => {
      const schema = engine.newSchema();
      const producer = makeBackend(engine, { schema, concurrency: 0, types: { t: {} } });
      await producer.start();
      const last = await producer.submit({ type: 't', payload: null, maxAttempts: 1 });
      const wanted = await producer.submit({ type: 't', payload: null });
      await orphan(engine, schema, last.id, { started: true });
      await orphan(engine, schema, wanted.id, { started: true });
      await engine.query(
        `UPDATE "${schema}".jobs SET cancel_requested = '{"kind":"requested","message":"stop"}'
         WHERE id = $1`,
        [wanted.id],
      );
      const worker = makeBackend(engine, { schema, leaseTimeout: 1_000 });
      worker.register('t', () => assert.fail('must not run'));
      await worker.start();
      const failed = await allEvents(worker, last.id);
      assert.deepEqual(failed.at(-1)?.type, 'failed');
      assert.deepEqual(failed.at(-1)?.data, {
        error: {
          name: 'LeaseLostError',
          code: 'WARDEN_ERR_LEASE_LOST',
          message:
            'worker ghost stopped renewing its lease (it crashed, hung or lost the database)',
        },
        timeout: false,
        attempt: 1,
      });
      const cancelled = await allEvents(worker, wanted.id);
      assert.deepEqual(cancelled.at(-1)?.data, { reason: { kind: 'requested', message: 'stop' } });
      assert.equal((await worker.getTask(wanted.id))?.state, 'cancelled');
    });

    test('a worker whose lease was taken over stops the handler and writes nothing more', async () => {
      const schema = engine.newSchema();
      const worker = makeBackend(engine, { schema, leaseTimeout: 1_000 });
      const started = deferred();
      const fired = deferred<CancelReason>();
      worker.register('t', async (_payload, ctx) => {
        started.resolve();
        const reason = await ctx.token.cancelled();
        fired.resolve(reason);
        ctx.emit('too-late');
        return 'ignored';
      });
      await worker.start();
      const { id } = await worker.submit({ type: 't', payload: null });
      await within(started.promise);
      // Its `started` event is written just after the handler begins; then the lease is taken.
      const follower = worker.events(id)[Symbol.asyncIterator]();
      assert.equal((await follower.next()).value?.type, 'started');
      await follower.return?.();
      await engine.query(`UPDATE "${schema}".jobs SET locked_by = 'thief' WHERE id = $1`, [id]);
      const reason = await within(fired.promise, { timeout: 5_000 });
      assert.equal(reason.kind, 'parent-failure');
      assert.ok(reason.cause instanceof LeaseLostError);
      assert.equal((reason.cause as LeaseLostError).taskId, id);
      await within(
        (async () => {
          while (worker.stats().running > 0) await new Promise((r) => setTimeout(r, 10));
        })(),
      );
      const info = await worker.getTask(id);
      assert.deepEqual([info?.state, info?.lockedBy, info?.lastSeq], ['running', 'thief', 1]);
      assert.equal(worker.stats().leasesLost, 1);
    });

    test('shutdown lets a job finish within the timeout', async () => {
      const schema = engine.newSchema();
      const backend = makeBackend(engine, { schema });
      const started = deferred();
      backend.register('t', async () => {
        started.resolve();
        await new Promise((resolve) => setTimeout(resolve, 100));
        return 'finished';
      });
      await backend.start();
      const { id } = await backend.submit({ type: 't', payload: null });
      await within(started.promise);
      const report = await backend.shutdown({ timeout: 5_000 });
      assert.equal(report.completed, 1);
      assert.deepEqual(report.cancelled, []);
      assert.equal(report.timedOut, false);
      const reader = makeBackend(engine, { schema, concurrency: 0 });
      assert.equal((await reader.getTask(id))?.state, 'succeeded');
    });

    test('past the timeout, running jobs are cancelled and handed back at once, the attempt not counted', async () => {
      const schema = engine.newSchema();
      const first = makeBackend(engine, {
        schema,
        concurrency: 1,
        prefetch: 2,
        leaseTimeout: 60_000,
      });
      const started = deferred<string>();
      let shutdownReason: string | undefined;
      first.register('long', async (_payload, ctx) => {
        started.resolve(ctx.id);
        const reason = await ctx.token.cancelled();
        shutdownReason = reason.kind;
        throw new CancelledError(reason);
      });
      await first.start();
      const a = await first.submit({ id: 'a', type: 'long', payload: null });
      await within(started.promise);
      await first.submit({ id: 'b', type: 'long', payload: null });
      await recordWhere(first, 'b', (info) => info.state === 'running', { what: 'b prefetched' });
      const report = await first.shutdown({ timeout: 100, grace: 2_000 });
      assert.equal(shutdownReason, 'shutdown');
      assert.equal(report.timedOut, true);
      assert.deepEqual(
        [...report.cancelled].sort((x, y) => x.id.localeCompare(y.id)),
        [
          { id: 'a', type: 'long', started: true },
          { id: 'b', type: 'long', started: false },
        ],
      );
      assert.deepEqual(report.abandoned, []);
      assert.equal(first.stats().released, 2);
      const second = makeBackend(engine, { schema, leaseTimeout: 60_000 });
      const attempts = new Map<string, number>();
      second.register('long', (_payload, ctx) => {
        attempts.set(ctx.id, ctx.attempt);
      });
      const before = performance.now();
      await second.start();
      await ended(second, a.id);
      await ended(second, 'b');
      assert.ok(performance.now() - before < 5_000, 'taken up at once, not after the lease');
      assert.deepEqual(Object.fromEntries(attempts), { a: 1, b: 1 });
      // `a` ran twice as attempt 1 (the hand-back did not count); `b` was prefetched, never
      // begun, so it has one `started`, on `second`.
      const events = await allEvents(second, a.id);
      assert.deepEqual(
        events.map((event) => [event.type, event.data]),
        [
          ['started', { attempt: 1 }],
          ['started', { attempt: 1 }],
          ['completed', { result: null }],
        ],
      );
      assert.deepEqual(
        (await allEvents(second, 'b')).map((event) => [event.seq, event.type]),
        [
          [1, 'started'],
          [2, 'completed'],
        ],
      );
    });

    test('a job that ignores its cancellation is abandoned: reported, its lease left to expire', async () => {
      const schema = engine.newSchema();
      const backend = makeBackend(engine, { schema });
      const started = deferred();
      const release = deferred();
      backend.register('stubborn', async () => {
        started.resolve();
        await release.promise;
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'stubborn', payload: null });
      await within(started.promise);
      const report = await backend.shutdown({ timeout: 50, grace: 100 });
      release.resolve();
      assert.deepEqual(report.abandoned, [{ id, type: 'stubborn', started: true }]);
      const rows = await engine.query<{ state: string; locked_by: string }>(
        `SELECT state, locked_by FROM "${schema}".jobs WHERE id = $1`,
        [id],
      );
      assert.deepEqual(rows[0], { state: 'running', locked_by: backend.workerId });
    });

    test('retention: finished jobs are deleted with their events; dead letters are kept', async () => {
      const schema = engine.newSchema();
      const first = makeBackend(engine, { schema, maxAttempts: 1 });
      first.register('ok', (_payload, ctx) => ctx.emit('note'));
      first.register('bad', () => {
        throw new Error('dead letter');
      });
      await first.start();
      const ok = await first.submit({ type: 'ok', payload: null });
      const bad = await first.submit({ type: 'bad', payload: null });
      await ended(first, ok.id);
      await ended(first, bad.id);
      await first.shutdown();
      // A worker's first lease round also applies the retention.
      const second = makeBackend(engine, { schema, retention: 0, leaseTimeout: 1_000 });
      second.register('ok', () => {});
      await second.start();
      await within(
        (async () => {
          while ((await second.getTask(ok.id)) !== undefined)
            await new Promise((r) => setTimeout(r, 20));
        })(),
        { what: 'the succeeded job to be deleted' },
      );
      assert.equal((await second.getTask(bad.id))?.state, 'failed');
      const events = await engine.query(`SELECT * FROM "${schema}".events WHERE task_id = $1`, [
        ok.id,
      ]);
      assert.deepEqual(events, []);
    });

    test('a Runtime shutdown drains the backend through its drain hook', async () => {
      const runtime = new Runtime({
        name: 'test',
        logger: silentLogger,
        exit: () => assert.fail('a test runtime must not exit'),
      });
      const backend = makeBackend(engine, { runtime });
      const started = deferred();
      backend.register('t', async () => {
        started.resolve();
        await new Promise((resolve) => setTimeout(resolve, 50));
      });
      await backend.start();
      await backend.submit({ type: 't', payload: null });
      await within(started.promise);
      const report = await within(runtime.shutdown({ deadlineMs: 10_000 }), { timeout: 15_000 });
      assert.equal(report.outcome, 'clean');
      assert.equal(backend.state, 'stopped');
      const hook = report.hooks.find((h) => h.name === "backend 'postgres'");
      assert.deepEqual(
        { phase: hook?.phase, status: hook?.status },
        { phase: 'drain', status: 'ok' },
      );
    });
  });
}
