// The coordinator suite, part: Seed 002 test_cancellation.py, all 13, by name.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { CancelledError, CancelReason, sleep } from '../../../src/index.js';
import { deferred, waitFor, within } from '../../helpers.js';
import { assertWellFormed, collect, lastData, makeCoordinator, types } from '../helpers.js';

import { type SuiteContext, startWaiting, waiter } from './context.js';

/** Register this part of the suite. */
export function cancellationTests({ factory, it }: SuiteContext): void {
  describe(`TaskCoordinator on ${factory.name}: test_cancellation.py`, () => {
    it('test_task_cancellation_sends_cancelled_event_to_clients', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const id = await startWaiting(coordinator);
      const stream = collect(coordinator.subscribe(id));
      assert.equal(await coordinator.cancel(id), true);
      const events = await stream;
      assertWellFormed(events, id);
      assert.deepEqual(types(events), ['started', 'cancelled']);
      assert.deepEqual(lastData(events), {
        reason: { kind: 'requested', message: 'cancelled by request' },
      });
    });

    it('test_task_cancellation_is_re_raised: the cancellation ends the task as cancelled', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      const seen = deferred<unknown>();
      coordinator.define('wait', async (ctx) => {
        started.resolve(ctx.id);
        try {
          await sleep(60_000, ctx.token);
        } catch (error) {
          seen.resolve(error);
          throw error; // re-raised, as the seed requires
        }
      });
      const id = await coordinator.start('wait', null);
      await within(started.promise);
      await coordinator.cancel(id, CancelReason.requested('stop'));
      const error = await within(seen.promise);
      assert.ok(error instanceof CancelledError);
      const events = await collect(coordinator.subscribe(id));
      assert.equal(events.at(-1)?.type, 'cancelled');
      assert.equal((await coordinator.get(id))?.status, 'cancelled');
      assert.deepEqual((await coordinator.get(id))?.cancelReason, {
        kind: 'requested',
        message: 'stop',
      });
    });

    it('test_multiple_clients_all_receive_cancellation_event', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const id = await startWaiting(coordinator);
      const streams = Array.from({ length: 10 }, () => collect(coordinator.subscribe(id)));
      await coordinator.cancel(id);
      for (const events of await Promise.all(streams)) {
        assertWellFormed(events, id);
        assert.equal(events.at(-1)?.type, 'cancelled');
      }
    });

    it('test_task_cleanup_happens_on_cancellation, before cancelled is sent', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      const order: string[] = [];
      coordinator.define(
        'wait',
        waiter(started, (ctx) => {
          order.push('finally');
          ctx.emit('cleanup', { released: true });
        }),
      );
      const id = await coordinator.start('wait', null);
      await within(started.promise);
      const events = collect(coordinator.subscribe(id));
      await coordinator.cancel(id);
      const got = await events;
      order.push('terminal received');
      assert.deepEqual(types(got), ['started', 'cleanup', 'cancelled']);
      assert.deepEqual(order, ['finally', 'terminal received']);
    });

    it('test_cancel_task_method_exists', async () => {
      const { coordinator } = await makeCoordinator(factory);
      assert.equal(typeof coordinator.cancel, 'function');
      const result = coordinator.cancel('nothing');
      assert.ok(result instanceof Promise);
      assert.equal(await result, false);
    });

    it('test_cancel_task_cancels_running_task', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const id = await startWaiting(coordinator);
      assert.equal((await coordinator.get(id))?.status, 'running');
      assert.equal(await coordinator.cancel(id), true);
      await collect(coordinator.subscribe(id));
      assert.equal((await coordinator.get(id))?.status, 'cancelled');
    });

    it('test_cancel_nonexistent_task_returns_false', async () => {
      const { coordinator } = await makeCoordinator(factory);
      assert.equal(await coordinator.cancel('does-not-exist'), false);
    });

    it('test_cancel_already_completed_task_returns_false', async () => {
      const { coordinator } = await makeCoordinator(factory);
      coordinator.define('quick', () => 'done');
      const id = await coordinator.start('quick', null);
      await collect(coordinator.subscribe(id));
      assert.equal(await coordinator.cancel(id), false);
      assert.equal((await coordinator.get(id))?.status, 'succeeded');
    });

    it('test_client_queue_cleanup_on_task_cancellation', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const id = await startWaiting(coordinator);
      const iterators = Array.from({ length: 5 }, () => coordinator.subscribe(id));
      const firsts = await Promise.all(iterators.map((iterator) => within(iterator.next())));
      assert.deepEqual(
        firsts.map((result) => result.value?.type),
        Array(5).fill('started'),
      );
      assert.equal(coordinator.stats().subscribers, 5);
      await coordinator.cancel(id);
      for (const iterator of iterators) {
        assert.equal((await within(iterator.next())).value?.type, 'cancelled');
        assert.equal((await within(iterator.next())).done, true);
      }
      assert.equal(coordinator.stats().subscribers, 0, 'every subscriber was dropped');
      assert.equal(coordinator.stats().running, 0);
    });

    it('test_cancel_task_just_as_it_completes: exactly one terminal either way', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const outcomes = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const gate = deferred();
        const started = deferred();
        const kind = `race-${i}`;
        coordinator.define(kind, async (ctx) => {
          started.resolve();
          await gate.promise;
          if (i % 2 === 0) ctx.token.throwIfCancelled();
          return i;
        });
        const id = await coordinator.start(kind, null);
        await within(started.promise);
        const stream = collect(coordinator.subscribe(id));
        gate.resolve();
        const cancelled = await coordinator.cancel(id);
        const events = await stream;
        assertWellFormed(events, id);
        outcomes.add(`${cancelled}:${events.at(-1)?.type}`);
        assert.deepEqual(await collect(coordinator.subscribe(id)), events, 'replay = live');
      }
      for (const outcome of outcomes) {
        assert.ok(
          ['true:cancelled', 'true:completed', 'false:completed'].includes(outcome),
          outcome,
        );
      }
    });

    it('test_cancel_task_with_no_clients: a later subscriber gets the whole story', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const id = await startWaiting(coordinator);
      assert.equal(coordinator.stats().subscribers, 0);
      assert.equal(await coordinator.cancel(id), true);
      await waitFor(() => coordinator.stats().running === 0, { what: 'the task to end' });
      const events = await collect(coordinator.subscribe(id));
      assertWellFormed(events, id);
      assert.deepEqual(types(events), ['started', 'cancelled']);
    });

    it('test_cancel_already_cancelled_task: false, and the first reason stands', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      coordinator.define('wait', async (ctx) => {
        started.resolve(ctx.id);
        await ctx.token.cancelled();
        await sleep(20); // still running when the second cancel comes
        ctx.token.throwIfCancelled();
      });
      const id = await coordinator.start('wait', null);
      await within(started.promise);
      assert.equal(await coordinator.cancel(id, 'first'), true);
      assert.equal(await coordinator.cancel(id, 'second'), false);
      const events = await collect(coordinator.subscribe(id));
      assert.deepEqual(lastData(events), { reason: { kind: 'requested', message: 'first' } });
      assert.equal(await coordinator.cancel(id, 'third'), false);
    });
  });
}
