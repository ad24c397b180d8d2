// The coordinator suite, part: Seed 002 test_asyncio_patterns.py: the timeout and structured-concurrency items with a TypeScript meaning.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { CancelledError, Scope, shield, sleep, type TaskContext } from '../../../src/index.js';
import { deferred, rejectionOf, silentLogger, waitFor, within } from '../../helpers.js';
import { assertWellFormed, collect, lastData, makeCoordinator, types } from '../helpers.js';

import type { SuiteContext } from './context.js';

/** Register this part of the suite. */
export function asyncioPatternsTests({ factory, it }: SuiteContext): void {
  describe(`TaskCoordinator on ${factory.name}: test_asyncio_patterns.py`, () => {
    it('test_gather_in_send_event_uses_return_exceptions: a failing client does not hurt others', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const gate = deferred();
      coordinator.define('three', async (ctx) => {
        await gate.promise;
        for (let i = 0; i < 3; i++) ctx.emit('tick', i);
        return 'ok';
      });
      const id = await coordinator.start('three', null);
      const failing = (async () => {
        for await (const event of coordinator.subscribe(id)) {
          if (event.type === 'tick') throw new Error('client crashed');
        }
      })();
      const healthy = collect(coordinator.subscribe(id));
      gate.resolve();
      assert.equal(((await rejectionOf(failing)) as Error).message, 'client crashed');
      assert.deepEqual(types(await healthy), ['started', 'tick', 'tick', 'tick', 'completed']);
      await waitFor(() => coordinator.stats().subscribers === 0, { what: 'subscribers dropped' });
    });

    it('test_gather_handles_cancellation_correctly: cancelling during a fan-out reaches all', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      coordinator.define('spray', async (ctx) => {
        started.resolve(ctx.id);
        for (let i = 0; ; i++) {
          ctx.emit('tick', i);
          await sleep(1, ctx.token);
        }
      });
      const id = await coordinator.start('spray', null);
      await within(started.promise);
      const streams = Array.from({ length: 20 }, () => collect(coordinator.subscribe(id)));
      await coordinator.cancel(id);
      for (const events of await Promise.all(streams)) {
        assertWellFormed(events, id, (events[0] as { seq: number }).seq);
        assert.equal(events.at(-1)?.type, 'cancelled');
      }
    });

    it('test_wait_for_timeout_raises_timeouterror: a timeout is failed, timeout true', async () => {
      const { coordinator } = await makeCoordinator(factory);
      coordinator.define('slow', (ctx) => sleep(60_000, ctx.token));
      const id = await coordinator.start('slow', null, { timeout: 30 });
      const events = await collect(coordinator.subscribe(id));
      assertWellFormed(events, id);
      const data = lastData<{ error: { name: string; code: string }; timeout: boolean }>(events);
      assert.equal(events.at(-1)?.type, 'failed');
      assert.equal(data.timeout, true);
      assert.equal(data.error.name, 'TimeoutError');
      assert.equal(data.error.code, 'WARDEN_ERR_TIMEOUT');
    });

    it('test_coordinator_tasks_have_timeout_protection: a default per kind, overridable', async () => {
      const { coordinator } = await makeCoordinator(factory);
      coordinator.define(
        'bounded',
        async (ctx) => {
          // test_timeout_context_manager_for_multiple_operations: the limit covers them all.
          for (let i = 0; i < 1_000; i++) await sleep(10, ctx.token);
          return 'too slow to get here';
        },
        { timeout: 40 },
      );
      const defaulted = await coordinator.start('bounded', null);
      const overridden = await coordinator.start('bounded', null, { timeout: 60 });
      for (const id of [defaulted, overridden]) {
        const events = await collect(coordinator.subscribe(id));
        assert.equal(events.at(-1)?.type, 'failed');
        assert.equal(lastData<{ timeout: boolean }>(events).timeout, true);
      }
      const failed = await coordinator.get(overridden);
      assert.match(failed?.error?.message ?? '', /timed out after 60 ms/);
    });

    it('test_taskgroup_cancels_all_on_exception: a scope inside a task', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const cancelledSiblings: string[] = [];
      coordinator.define('group', async (ctx) => {
        const scope = new Scope({ token: ctx.token, logger: silentLogger });
        for (const name of ['a', 'b']) {
          scope.spawn(async (token) => {
            try {
              await sleep(60_000, token);
            } catch (error) {
              if (error instanceof CancelledError) cancelledSiblings.push(name);
              throw error;
            }
          });
        }
        scope.spawn(async () => {
          await sleep(5);
          throw new Error('one child failed');
        });
        await scope.close();
      });
      const id = await coordinator.start('group', null);
      const events = await collect(coordinator.subscribe(id));
      assertWellFormed(events, id);
      assert.equal(events.at(-1)?.type, 'failed');
      assert.match(lastData<{ error: { message: string } }>(events).error.message, /one child/);
      assert.deepEqual(cancelledSiblings.sort(), ['a', 'b']);
    });

    it('test_shield_protects_critical_operation: shielded work finishes before cancelled', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      coordinator.define('save', async (ctx) => {
        started.resolve(ctx.id);
        await shield(async () => {
          await ctx.token.cancelled();
          await sleep(20);
          ctx.emit('saved', null);
        });
        ctx.token.throwIfCancelled();
      });
      const id = await coordinator.start('save', null);
      await within(started.promise);
      await coordinator.cancel(id);
      assert.deepEqual(types(await collect(coordinator.subscribe(id))), [
        'started',
        'saved',
        'cancelled',
      ]);
    });

    it('test_cancelled_error_propagates_through_await_chain', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      const inner = async (ctx: TaskContext): Promise<void> => {
        started.resolve(ctx.id);
        await sleep(60_000, ctx.token);
      };
      const middle = async (ctx: TaskContext): Promise<void> => {
        await inner(ctx);
      };
      coordinator.define('chain', async (ctx) => {
        await middle(ctx);
        return 'unreachable';
      });
      const id = await coordinator.start('chain', null);
      await within(started.promise);
      await coordinator.cancel(id);
      assert.equal((await collect(coordinator.subscribe(id))).at(-1)?.type, 'cancelled');
    });

    it('test_cancelled_error_not_suppressed_by_bare_except: a swallowed cancel completes, once', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      coordinator.define('swallow', async (ctx) => {
        started.resolve(ctx.id);
        try {
          await sleep(60_000, ctx.token);
        } catch {
          // JS has no BaseException: a catch-all does catch the cancellation …
        }
        return 'carried on';
      });
      const id = await coordinator.start('swallow', null);
      await within(started.promise);
      assert.equal(await coordinator.cancel(id), true);
      const events = await collect(coordinator.subscribe(id));
      assertWellFormed(events, id);
      // … so the task completes, and says so: one terminal event, never silence.
      assert.deepEqual(events.at(-1)?.data, { result: 'carried on' });
    });

    it('test_cancelling_counter_tracks_cancel_calls: one delivery, the first reason', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      const reasons: string[] = [];
      coordinator.define('count', async (ctx) => {
        started.resolve(ctx.id);
        ctx.token.onCancel((reason) => reasons.push(reason.message));
        await ctx.token.cancelled();
        ctx.token.throwIfCancelled();
      });
      const id = await coordinator.start('count', null);
      await within(started.promise);
      const results = await Promise.all([
        coordinator.cancel(id, 'one'),
        coordinator.cancel(id, 'two'),
        coordinator.cancel(id, 'three'),
      ]);
      assert.equal(results.filter(Boolean).length, 1);
      await collect(coordinator.subscribe(id));
      assert.equal(reasons.length, 1);
    });
  });
}
