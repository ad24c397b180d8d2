// Cancellation on the Postgres backend, both engines: a queued job never runs; a running job's
// token fires on whichever worker runs it (NOTIFY from another backend, or the heartbeat when
// the NOTIFY is missed) and the job ends cancelled, not retried.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelledError, CancelReason, InvalidArgumentError } from '../../src/index.js';
import { deferred, rejectionOf, within } from '../helpers.js';
import { engines } from './engines.js';
import { allEvents, ended, makeBackend, recordWhere } from './helpers.js';

for (const engine of await engines()) {
  describe(`PostgresBackend cancel: ${engine.name}`, () => {
    test('a queued job cancelled never runs; a second cancel and an unknown id give false', async () => {
      const backend = makeBackend(engine);
      let ran = false;
      backend.register('t', () => {
        ran = true;
      });
      backend.register('probe', () => 'ran');
      await backend.start();
      const runAt = Date.now() + 500;
      const { id } = await backend.submit({ type: 't', payload: null, runAt });
      assert.equal(await backend.cancel(id, 'not needed'), true);
      assert.equal(await backend.cancel(id), false);
      assert.equal(await backend.cancel('unknown'), false);
      const events = await allEvents(backend, id);
      assert.deepEqual(
        events.map(({ seq, type, data }) => ({ seq, type, data })),
        [
          {
            seq: 1,
            type: 'cancelled',
            data: { reason: { kind: 'requested', message: 'not needed' } },
          },
        ],
      );
      // A job due after it has run: the worker has passed the cancelled job's time, not run it.
      const probe = await backend.submit({ type: 'probe', payload: null, runAt: runAt + 100 });
      assert.equal((await ended(backend, probe.id)).state, 'succeeded');
      assert.equal(ran, false);
      const info = await backend.getTask(id);
      assert.equal(info?.state, 'cancelled');
      assert.deepEqual(info?.cancelReason, { kind: 'requested', message: 'not needed' });
      assert.equal(backend.stats().cancelled, 1);
      assert.ok((await rejectionOf(backend.cancel(42 as never))) instanceof InvalidArgumentError);
      assert.ok(
        (await rejectionOf(backend.cancel('x', 7 as never))) instanceof InvalidArgumentError,
      );
    });

    test('a running job in this process: its token fires with the reason; it ends cancelled, not retried', async () => {
      const backend = makeBackend(engine, { maxAttempts: 5 });
      const started = deferred();
      const fired = deferred<CancelReason>();
      let attempts = 0;
      backend.register('hang', async (_payload, ctx) => {
        attempts++;
        started.resolve();
        const reason = await ctx.token.cancelled();
        fired.resolve(reason);
        throw new CancelledError(reason);
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'hang', payload: null });
      await within(started.promise);
      const cause = new Error('user pressed stop');
      assert.equal(await backend.cancel(id, CancelReason.requested('stop', cause)), true);
      const reason = await within(fired.promise);
      assert.equal(reason.message, 'stop');
      assert.equal(reason.cause, cause, 'a local cancel keeps the cause');
      const events = await allEvents(backend, id);
      assert.deepEqual(
        events.map((event) => event.type),
        ['started', 'cancelled'],
      );
      assert.deepEqual(events[1]?.data, { reason: { kind: 'requested', message: 'stop' } });
      assert.equal(attempts, 1);
      assert.equal(await backend.cancel(id), false);
    });

    test('a job running on another backend is cancelled there by NOTIFY, quickly', async () => {
      const schema = engine.newSchema();
      // A heartbeat far beyond the test: only the NOTIFY can deliver the cancellation in time.
      const worker = makeBackend(engine, { schema, leaseTimeout: 120_000 });
      const caller = makeBackend(engine, { schema, concurrency: 0, types: { hang: {} } });
      const started = deferred();
      const fired = deferred<{ at: number; reason: CancelReason }>();
      worker.register('hang', async (_payload, ctx) => {
        started.resolve();
        const reason = await ctx.token.cancelled();
        fired.resolve({ at: performance.now(), reason });
        throw new CancelledError(reason);
      });
      await worker.start();
      await caller.start();
      const { id } = await caller.submit({ type: 'hang', payload: null });
      await within(started.promise);
      const before = performance.now();
      assert.equal(await caller.cancel(id, CancelReason.shutdown('deploy')), true);
      const { at, reason } = await within(fired.promise, { timeout: 5_000 });
      assert.deepEqual({ ...reason }, { kind: 'shutdown', message: 'deploy' });
      assert.ok(at - before < 2_000, `the token fired ${at - before} ms after cancel()`);
      const info = await ended(caller, id);
      assert.equal(info.state, 'cancelled');
      assert.deepEqual(info.cancelReason, { kind: 'shutdown', message: 'deploy' });
    });

    test('without the NOTIFY, the heartbeat delivers a pending cancellation', async () => {
      const schema = engine.newSchema();
      const worker = makeBackend(engine, { schema, leaseTimeout: 1_000 });
      const started = deferred();
      const fired = deferred<CancelReason>();
      worker.register('hang', async (_payload, ctx) => {
        started.resolve();
        fired.resolve(await ctx.token.cancelled());
      });
      await worker.start();
      const { id } = await worker.submit({ type: 'hang', payload: null });
      await within(started.promise);
      await engine.query(
        `UPDATE "${schema}".jobs SET cancel_requested = '{"kind":"requested","message":"quiet"}' WHERE id = $1`,
        [id],
      );
      const reason = await within(fired.promise, { timeout: 5_000 });
      assert.equal(reason.message, 'quiet');
      const info = await ended(worker, id);
      // It returned normally after the cancellation: that is success, as for any Task.
      assert.equal(info.state, 'succeeded');
    });

    test('a handler that fails after being cancelled ends failed with its error, not retried', async () => {
      const backend = makeBackend(engine, { maxAttempts: 3 });
      const started = deferred();
      let attempts = 0;
      backend.register('messy', async (_payload, ctx) => {
        attempts++;
        started.resolve();
        await ctx.token.cancelled();
        throw new Error('cleanup blew up');
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'messy', payload: null });
      await within(started.promise);
      await backend.cancel(id);
      const info = await ended(backend, id);
      assert.equal(info.state, 'failed');
      assert.equal(info.error?.message, 'cleanup blew up');
      assert.equal(attempts, 1);
    });

    test('cancelling a prefetched job drops it before it starts', async () => {
      const backend = makeBackend(engine, { concurrency: 1, prefetch: 4 });
      const gate = deferred();
      const firstRuns = deferred();
      const started: string[] = [];
      backend.register('t', async (_payload, ctx) => {
        started.push(ctx.id);
        firstRuns.resolve();
        await gate.promise;
      });
      await backend.start();
      await backend.submit({ id: 'first', type: 't', payload: null });
      await within(firstRuns.promise);
      await backend.submit({ id: 'second', type: 't', payload: null });
      const info = await recordWhere(backend, 'second', (task) => task.state === 'running', {
        what: 'second claimed ahead',
      });
      assert.equal(info.lockedBy, backend.workerId, 'prefetched: claimed, not started');
      assert.equal(await backend.cancel('second'), true);
      gate.resolve();
      assert.equal((await ended(backend, 'second')).state, 'cancelled');
      await ended(backend, 'first');
      assert.deepEqual(started, ['first']);
      // It never began: no `started` event, and no start time.
      const events = await allEvents(backend, 'second');
      assert.deepEqual(
        events.map((event) => event.type),
        ['cancelled'],
      );
      assert.equal((await backend.getTask('second'))?.startedAt, undefined);
    });
  });
}
