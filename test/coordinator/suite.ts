// The TaskCoordinator suite, as a function of a backend factory so that it runs on every backend.
// It ports seed 002's test lists by name: all of test_cancellation.py, the coordinator part of
// test_shutdown.py, the timeout and structured-concurrency items of test_asyncio_patterns.py,
// and the race categories of test_race_conditions.py. Streams are followed to their end within
// generous bounds; nothing sleeps to let things settle.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import {
  CancelledError,
  CancelReason,
  CoordinatorShutDownError,
  InvalidArgumentError,
  Runtime,
  Scope,
  shield,
  sleep,
  type TaskContext,
  UnknownTaskError,
} from '../../src/index.js';
import { type Deferred, deferred, rejectionOf, silentLogger, waitFor, within } from '../helpers.js';
import {
  assertWellFormed,
  type BackendFactory,
  collect,
  lastData,
  makeCoordinator,
  shutdownAll,
  types,
} from './helpers.js';

/** A definition that signals when it runs and then waits for its token (honouring it). */
function waiter(started: { resolve(id: string): void }, cleanup?: (ctx: TaskContext) => void) {
  return async (ctx: TaskContext): Promise<string> => {
    try {
      started.resolve(ctx.id);
      await ctx.token.cancelled();
      ctx.token.throwIfCancelled();
      return 'unreachable';
    } finally {
      cleanup?.(ctx);
    }
  };
}

/** Register the whole coordinator suite for `factory`. */
export function coordinatorSuite(factory: BackendFactory): void {
  /** `test`, marked todo (run, reported, not failing) where the backend has a known issue. */
  const it = (name: string, fn: () => Promise<void>): void => {
    const issue = factory.knownIssues?.[name];
    test(name, issue === undefined ? {} : { todo: issue }, fn);
  };
  const slow = factory.slow === true ? 3 : 1;
  afterEach(shutdownAll);

  describe(`TaskCoordinator on ${factory.name}: basics`, () => {
    it('start runs a definition with ctx; the stream is started, its events, completed', async () => {
      const { coordinator } = await makeCoordinator(factory);
      coordinator.define<{ n: number }>('double', async (ctx) => {
        assert.equal(typeof ctx.id, 'string');
        assert.equal(ctx.kind, 'double');
        assert.equal(ctx.attempt, 1);
        ctx.emit('input', ctx.input);
        ctx.progress(0.5);
        await Promise.resolve();
        ctx.progress(1);
        return { doubled: ctx.input.n * 2 };
      });
      const id = await coordinator.start('double', { n: 21 });
      const events = await collect(coordinator.subscribe(id));
      assertWellFormed(events, id);
      assert.deepEqual(
        events.map(({ type, data }) => [type, data]),
        [
          ['started', { attempt: 1 }],
          ['input', { n: 21 }],
          ['progress', { value: 0.5 }],
          ['progress', { value: 1 }],
          ['completed', { result: { doubled: 42 } }],
        ],
      );
      const info = await coordinator.get(id);
      assert.ok(info);
      assert.equal(info.kind, 'double');
      assert.equal(info.status, 'succeeded');
      assert.deepEqual(info.input, { n: 21 });
      assert.deepEqual(info.result, { doubled: 42 });
      assert.equal(info.progress, 1);
      assert.equal(info.lastEventId, 5);
    });

    it('start takes an id and a timeout; get of an unknown id is undefined', async () => {
      const { coordinator } = await makeCoordinator(factory);
      coordinator.define('noop', () => 'ok');
      const id = await coordinator.start('noop', null, { id: 'report-2024-07' });
      assert.equal(id, 'report-2024-07');
      await collect(coordinator.subscribe(id));
      assert.equal((await coordinator.get(id))?.status, 'succeeded');
      assert.equal(await coordinator.get('no-such-task'), undefined);
    });

    it('list filters by status and kind, newest first', async () => {
      const { coordinator } = await makeCoordinator(factory);
      coordinator.define('ok', () => 1);
      coordinator.define('bad', () => {
        throw new Error('no');
      });
      const ids: string[] = [];
      for (const kind of ['ok', 'bad', 'ok']) {
        const id = await coordinator.start(kind, null);
        await collect(coordinator.subscribe(id));
        ids.push(id);
      }
      assert.deepEqual(
        (await coordinator.list()).map((info) => info.id),
        [...ids].reverse(),
      );
      assert.deepEqual(
        (await coordinator.list({ status: 'failed' })).map((info) => info.id),
        [ids[1]],
      );
      assert.deepEqual(
        (await coordinator.list({ kind: 'ok', status: ['succeeded'] })).map((info) => info.id),
        [ids[2], ids[0]],
      );
      assert.equal((await coordinator.list({ limit: 1 })).length, 1);
    });

    it('a failure is a failed event with the error as JSON', async () => {
      const { coordinator } = await makeCoordinator(factory);
      coordinator.define('boom', () => {
        throw new RangeError('out of range');
      });
      const id = await coordinator.start('boom', null);
      const events = await collect(coordinator.subscribe(id));
      assertWellFormed(events, id);
      assert.deepEqual(lastData(events), {
        error: { name: 'RangeError', message: 'out of range' },
        timeout: false,
        attempt: 1,
      });
      assert.equal((await coordinator.get(id))?.status, 'failed');
    });

    it('bad arguments throw InvalidArgumentError at the call; unknown kinds are refused', async () => {
      const { coordinator } = await makeCoordinator(factory);
      coordinator.define('x', () => {});
      assert.throws(() => coordinator.define('x', () => {}), InvalidArgumentError);
      assert.throws(() => coordinator.define('has space', () => {}), InvalidArgumentError);
      assert.throws(() => coordinator.define('y', 'nope' as never), InvalidArgumentError);
      assert.throws(() => coordinator.define('y', () => {}, { timeout: -1 }), InvalidArgumentError);
      assert.throws(() => coordinator.subscribe(5 as never), InvalidArgumentError);
      assert.throws(() => coordinator.subscribe('a', { lastEventId: -1 }), InvalidArgumentError);
      assert.throws(() => coordinator.subscribe('a', { maxQueuedEvents: 0 }), InvalidArgumentError);
      assert.throws(
        () => coordinator.subscribe('a', { signal: {} as never }),
        InvalidArgumentError,
      );
      assert.ok(
        (await rejectionOf(coordinator.start('x', { big: 1n }))) instanceof Error,
        'non-JSON input is refused',
      );
      assert.ok(
        (await rejectionOf(coordinator.start('x', null, { timeout: -5 }))) instanceof
          InvalidArgumentError,
      );
      const unknown = await rejectionOf(collect(coordinator.subscribe('never-started')));
      assert.ok(unknown instanceof UnknownTaskError);
    });

    it('a definition can be removed; tasks of its kind are then refused', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const registration = coordinator.define('temp', () => 1);
      const id = await coordinator.start('temp', null);
      await collect(coordinator.subscribe(id));
      registration.dispose();
      assert.ok((await rejectionOf(coordinator.start('temp', null))) instanceof Error);
      coordinator.define('temp', () => 2);
    });
  });

  describe(`TaskCoordinator on ${factory.name}: test_cancellation.py`, () => {
    it('test_task_cancellation_sends_cancelled_event_to_clients', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      coordinator.define('wait', waiter(started));
      const id = await coordinator.start('wait', null);
      await within(started.promise);
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
      const started = deferred<string>();
      coordinator.define('wait', waiter(started));
      const id = await coordinator.start('wait', null);
      await within(started.promise);
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
      const started = deferred<string>();
      coordinator.define('wait', waiter(started));
      const id = await coordinator.start('wait', null);
      await within(started.promise);
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
      const started = deferred<string>();
      coordinator.define('wait', waiter(started));
      const id = await coordinator.start('wait', null);
      await within(started.promise);
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
      const started = deferred<string>();
      coordinator.define('wait', waiter(started));
      const id = await coordinator.start('wait', null);
      await within(started.promise);
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

  describe(`TaskCoordinator on ${factory.name}: test_shutdown.py (coordinator)`, () => {
    it('test_coordinator_has_shutdown_method', async () => {
      const { coordinator } = await makeCoordinator(factory);
      assert.equal(typeof coordinator.shutdown, 'function');
      const report = await coordinator.shutdown({ timeout: 1_000 });
      assert.equal(coordinator.state, 'stopped');
      assert.equal(report.cancelled, 0);
      assert.equal(coordinator.shutdown(), coordinator.shutdown(), 'idempotent');
    });

    it('test_coordinator_shutdown_cancels_all_tasks, with reason shutdown', async () => {
      const { coordinator } = await makeCoordinator(factory, { concurrency: 10 });
      const ids: string[] = [];
      const startedAll = Array.from({ length: 5 }, () => deferred<string>());
      for (let i = 0; i < 5; i++) {
        coordinator.define(`wait-${i}`, waiter(startedAll[i] as Deferred<string>));
        ids.push(await coordinator.start(`wait-${i}`, null));
      }
      await within(Promise.all(startedAll.map((d) => d.promise)));
      const streams = ids.map((id) => collect(coordinator.subscribe(id)));
      await waitFor(() => coordinator.stats().subscribers === 5, { what: '5 subscribers' });
      const report = await coordinator.shutdown({ timeout: 5_000 * slow });
      assert.equal(report.cancelled, 5);
      assert.deepEqual(report.unfinished, []);
      assert.equal(report.timedOut, false);
      assert.equal(report.subscribersCompleted, 5);
      for (const events of await Promise.all(streams)) {
        assert.equal(events.at(-1)?.type, 'cancelled');
        assert.equal((lastData(events) as { reason: { kind: string } }).reason.kind, 'shutdown');
      }
    });

    it('test_coordinator_shutdown_waits_for_cleanup', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      let cleaned = false;
      coordinator.define('slow-cleanup', async (ctx) => {
        started.resolve(ctx.id);
        try {
          await sleep(60_000, ctx.token);
        } finally {
          await shield(() => sleep(100));
          cleaned = true;
        }
      });
      await coordinator.start('slow-cleanup', null);
      await within(started.promise);
      const report = await coordinator.shutdown({ timeout: 5_000 * slow });
      assert.equal(cleaned, true, 'shutdown resolved only after the cleanup');
      assert.deepEqual(report.unfinished, []);
    });

    it('test_coordinator_shutdown_accepts_timeout and test_shutdown_timeout_prevents_hang', async () => {
      const { coordinator, entries } = await makeCoordinator(factory);
      const started = deferred<string>();
      const release = deferred();
      coordinator.define('stubborn', async (ctx) => {
        started.resolve(ctx.id);
        await release.promise; // ignores its token
      });
      const id = await coordinator.start('stubborn', null);
      await within(started.promise);
      const stream = collect(coordinator.subscribe(id));
      await waitFor(() => coordinator.stats().subscribers === 1, { what: 'the subscriber' });
      const before = performance.now();
      const report = await coordinator.shutdown({ timeout: 200 });
      const took = performance.now() - before;
      assert.ok(took < 2_000 * slow, `shutdown took ${took} ms`);
      assert.equal(report.timedOut, true);
      assert.deepEqual(
        report.unfinished.map((task) => [task.id, task.kind]),
        [[id, 'stubborn']],
      );
      const events = await stream;
      assertWellFormed(events, id);
      assert.equal(events.at(-1)?.type, 'shutdown');
      assert.deepEqual(lastData(events), {
        reason: { kind: 'shutdown', message: "coordinator 'coordinator' is shutting down" },
        lastEventId: 1,
      });
      assert.equal(report.subscribersCutOff, 1);
      // test_shutdown_logs_tasks_that_didnt_finish
      const warning = entries.find((entry) => entry.level === 'warn');
      assert.ok(warning, 'a warning names what did not finish');
      assert.match(warning.msg ?? '', new RegExp(`stubborn \\(${id}`));
      release.resolve();
    });

    it('test_all_task_references_cleared_on_shutdown', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      coordinator.define('wait', waiter(started));
      const id = await coordinator.start('wait', null);
      await within(started.promise);
      const stream = collect(coordinator.subscribe(id));
      await waitFor(() => coordinator.stats().subscribers === 1, { what: 'the subscriber' });
      assert.deepEqual(coordinator.stats(), { running: 1, subscribers: 1 });
      await coordinator.shutdown({ timeout: 5_000 * slow });
      await stream;
      assert.deepEqual(coordinator.stats(), { running: 0, subscribers: 0 });
      assert.ok(
        (await rejectionOf(coordinator.start('wait', null))) instanceof CoordinatorShutDownError,
      );
      assert.ok(
        (await rejectionOf(collect(coordinator.subscribe(id)))) instanceof CoordinatorShutDownError,
      );
    });

    it('test_client_queues_notified_on_shutdown: each subscriber gets its terminal event', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      coordinator.define('wait', waiter(started));
      coordinator.define('done', () => 'finished');
      const finished = await coordinator.start('done', null);
      const finishedEvents = await collect(coordinator.subscribe(finished));
      const id = await coordinator.start('wait', null);
      await within(started.promise);
      const streams = Array.from({ length: 3 }, () => collect(coordinator.subscribe(id)));
      await waitFor(() => coordinator.stats().subscribers === 3, { what: 'subscribers' });
      await coordinator.shutdown({ timeout: 5_000 * slow });
      for (const events of await Promise.all(streams)) {
        assertWellFormed(events, id);
        assert.equal(events.at(-1)?.type, 'cancelled');
      }
      assert.equal(finishedEvents.at(-1)?.type, 'completed');
    });

    it('test_shutdown_handler_cancels_all_coordinator_tasks: the runtime shuts it down', async () => {
      const runtime = new Runtime({ logger: silentLogger, deadlineMs: 10_000 * slow });
      const { coordinator } = await makeCoordinator(factory, { runtime });
      const started = deferred<string>();
      coordinator.define('wait', waiter(started));
      const id = await coordinator.start('wait', null);
      await within(started.promise);
      const stream = collect(coordinator.subscribe(id));
      const report = await runtime.shutdown({ reason: 'SIGTERM' });
      assert.equal(report.outcome, 'clean', JSON.stringify(report));
      assert.equal(coordinator.state, 'stopped');
      const events = await stream;
      assert.equal(events.at(-1)?.type, 'cancelled');
      assert.equal((lastData(events) as { reason: { kind: string } }).reason.kind, 'shutdown');
    });
  });

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

  describe(`TaskCoordinator on ${factory.name}: test_race_conditions.py`, () => {
    it('completion/cancellation race: cancel in the same tick the task returns', async () => {
      const { coordinator } = await makeCoordinator(factory);
      for (let i = 0; i < 20; i++) {
        let finish!: () => void;
        const started = deferred();
        coordinator.define(`tick-${i}`, (ctx) => {
          started.resolve();
          return new Promise<string>((resolve) => {
            finish = () => resolve('done');
            ctx.token.onCancel(() => resolve('done anyway'));
          });
        });
        const id = await coordinator.start(`tick-${i}`, null);
        await within(started.promise);
        const stream = collect(coordinator.subscribe(id));
        finish();
        await coordinator.cancel(id);
        const events = await stream;
        assertWellFormed(events, id);
        assert.equal(events.at(-1)?.type, 'completed');
      }
    });

    it('completion/cancellation race: cancel a queued task before it starts', async () => {
      const { coordinator } = await makeCoordinator(factory, { concurrency: 1 });
      const started = deferred<string>();
      coordinator.define('wait', waiter(started));
      let ran = false;
      coordinator.define('never', () => {
        ran = true;
      });
      const first = await coordinator.start('wait', null);
      await within(started.promise);
      const queued = await coordinator.start('never', null);
      assert.equal(await coordinator.cancel(queued, 'not needed'), true);
      const events = await collect(coordinator.subscribe(queued));
      assertWellFormed(events, queued);
      assert.deepEqual(types(events), ['cancelled']);
      await coordinator.cancel(first);
      await collect(coordinator.subscribe(first));
      assert.equal(ran, false);
    });

    it('client connection race: subscribing at the moment of completion sees one terminal', async () => {
      const { coordinator } = await makeCoordinator(factory);
      for (let i = 0; i < 20; i++) {
        const gate = deferred();
        coordinator.define(`end-${i}`, async (ctx) => {
          await gate.promise;
          ctx.emit('last-words', i);
          return i;
        });
        const id = await coordinator.start(`end-${i}`, null);
        gate.resolve();
        const early = collect(coordinator.subscribe(id));
        await Promise.resolve();
        const late = collect(coordinator.subscribe(id));
        for (const events of [await early, await late]) {
          assertWellFormed(events, id);
          assert.deepEqual(types(events), ['started', 'last-words', 'completed']);
        }
      }
    });

    it('client connection race: subscribe before the task starts; lastEventId resumes', async () => {
      const { coordinator } = await makeCoordinator(factory, { concurrency: 1 });
      const started = deferred<string>();
      coordinator.define('wait', waiter(started));
      coordinator.define('steps', (ctx) => {
        for (let i = 1; i <= 4; i++) ctx.emit('step', i);
        return 'ok';
      });
      const blocker = await coordinator.start('wait', null);
      await within(started.promise);
      const id = await coordinator.start('steps', null);
      const early = collect(coordinator.subscribe(id));
      await coordinator.cancel(blocker);
      const events = await early;
      assertWellFormed(events, id);
      assert.deepEqual(types(events), ['started', 'step', 'step', 'step', 'step', 'completed']);
      const resumed = await collect(coordinator.subscribe(id, { lastEventId: 3 }));
      assert.deepEqual(
        resumed.map((event) => event.seq),
        [4, 5, 6],
      );
    });

    it('client connection race: subscribing after the terminal event ends at once', async () => {
      const { coordinator } = await makeCoordinator(factory);
      coordinator.define('quick', () => 'ok');
      const id = await coordinator.start('quick', null);
      const events = await collect(coordinator.subscribe(id));
      const last = (events.at(-1) as { seq: number }).seq;
      assert.deepEqual(await collect(coordinator.subscribe(id, { lastEventId: last })), []);
      assert.deepEqual(await collect(coordinator.subscribe(id, { lastEventId: last + 5 })), []);
      assert.equal(coordinator.stats().subscribers, 0);
    });

    it('client connection race: a client disconnecting mid-stream is dropped at once', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const gate = deferred();
      coordinator.define('stream', async (ctx) => {
        for (let i = 0; i < 5; i++) ctx.emit('tick', i);
        await gate.promise;
        ctx.emit('after', null);
      });
      const id = await coordinator.start('stream', null);
      const stayer = collect(coordinator.subscribe(id));
      const seen: string[] = [];
      for await (const event of coordinator.subscribe(id)) {
        seen.push(event.type);
        if (seen.length === 3) break;
      }
      const controller = new AbortController();
      const aborted = coordinator.subscribe(id, { signal: controller.signal, lastEventId: 5 });
      assert.equal((await within(aborted.next())).value?.seq, 6);
      const pending = aborted.next(); // waits for the event after the gate
      controller.abort();
      assert.equal((await within(pending)).done, true);
      await waitFor(() => coordinator.stats().subscribers === 1, { what: 'only the stayer left' });
      gate.resolve();
      assert.equal((await stayer).at(-1)?.type, 'completed');
      assert.equal(coordinator.stats().subscribers, 0);
    });

    it('client connection race: connect/disconnect churn leaves nothing behind', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      coordinator.define('wait', waiter(started));
      const id = await coordinator.start('wait', null);
      await within(started.promise);
      for (let i = 0; i < 200; i++) {
        const iterator = coordinator.subscribe(id);
        if (i % 3 !== 0) await within(iterator.next());
        await iterator.return?.();
      }
      assert.equal(coordinator.stats().subscribers, 0);
      await coordinator.cancel(id);
      assert.equal((await collect(coordinator.subscribe(id))).at(-1)?.type, 'cancelled');
    });

    it('exceptions during cancellation: a task that throws while cancelling has one terminal, failed', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      coordinator.define('bad-cleanup', async (ctx) => {
        started.resolve(ctx.id);
        try {
          await sleep(60_000, ctx.token);
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: the point of the test.
          throw new Error('cleanup failed');
        }
      });
      const id = await coordinator.start('bad-cleanup', null);
      await within(started.promise);
      const stream = collect(coordinator.subscribe(id));
      await coordinator.cancel(id);
      const events = await stream;
      assertWellFormed(events, id);
      assert.equal(events.at(-1)?.type, 'failed');
      assert.equal(
        lastData<{ error: { message: string } }>(events).error.message,
        'cleanup failed',
      );
    });

    it('exceptions during cancellation: a subscriber of a failing task is never left hanging', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const started = deferred<string>();
      coordinator.define('reject-late', async (ctx) => {
        started.resolve(ctx.id);
        await ctx.token.cancelled();
        await Promise.resolve();
        throw new TypeError('while cancelling');
      });
      const id = await coordinator.start('reject-late', null);
      await within(started.promise);
      const streams = Array.from({ length: 5 }, () => collect(coordinator.subscribe(id)));
      await coordinator.cancel(id);
      for (const events of await Promise.all(streams)) {
        assertWellFormed(events, id);
        assert.equal(events.at(-1)?.type, 'failed');
      }
    });

    it('memory pressure: a slow subscriber is cut off with overflow and can resubscribe', async () => {
      const { coordinator } = await makeCoordinator(factory, { maxQueuedEvents: 10 });
      const gate = deferred();
      const emitted = deferred();
      coordinator.define('firehose', async (ctx) => {
        for (let i = 0; i < 50; i++) {
          ctx.emit('n', i);
          if (i % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
        }
        emitted.resolve();
        await gate.promise;
        return 'done';
      });
      const id = await coordinator.start('firehose', null);
      const slowClient = coordinator.subscribe(id);
      const first = await within(slowClient.next()); // subscribed; now it stops reading
      assert.equal(first.value?.type, 'started');
      await within(emitted.promise);
      await waitFor(() => coordinator.stats().subscribers === 0, {
        what: 'the slow subscriber to be cut off',
        timeout: 10_000 * slow,
      });
      const rest: string[] = [];
      let last = 1;
      for await (const event of slowClient) {
        rest.push(event.type);
        last = event.seq;
      }
      assert.equal(rest.length, 11, 'ten queued events, then overflow');
      assert.equal(rest.at(-1), 'overflow');
      assert.equal(last, 11, 'overflow repeats the seq of the last event delivered');
      gate.resolve();
      const resumed = await collect(coordinator.subscribe(id, { lastEventId: last }));
      assert.equal(resumed[0]?.seq, 12);
      assert.equal(resumed.at(-1)?.type, 'completed');
      assertWellFormed(resumed, id, 12);
    });

    it('memory pressure: thousands of tasks with subscribers all end, nothing retained', async () => {
      const { coordinator } = await makeCoordinator(factory, { concurrency: 500 });
      coordinator.define('small', async (ctx) => {
        ctx.emit('hello', ctx.input);
        await Promise.resolve();
        return ctx.input;
      });
      const count = factory.slow === true ? 300 : 2_000;
      const ids = await Promise.all(
        Array.from({ length: count }, (_, i) => coordinator.start('small', i)),
      );
      const all = await within(
        Promise.all(ids.map((id) => collect(coordinator.subscribe(id), { timeout: 60_000 }))),
        { timeout: 60_000, what: 'every stream' },
      );
      for (const [index, events] of all.entries()) {
        assert.deepEqual(types(events), ['started', 'hello', 'completed']);
        assert.deepEqual(lastData(events), { result: index });
      }
      // Coordinator state after all of it.
      assert.deepEqual(coordinator.stats(), { running: 0, subscribers: 0 });
    });

    it('memory pressure: slow subscribers of many chatty tasks stay bounded', async () => {
      const { coordinator } = await makeCoordinator(factory, { maxQueuedEvents: 20 });
      const gate = deferred();
      const tasks = factory.slow === true ? 5 : 50;
      coordinator.define('chatty', async (ctx) => {
        for (let i = 0; i < 100; i++) {
          ctx.emit('n', { i, pad: 'x'.repeat(100) });
          if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
        }
        await gate.promise;
      });
      const ids = await Promise.all(
        Array.from({ length: tasks }, () => coordinator.start('chatty', null)),
      );
      const iterators = ids.flatMap((id) =>
        Array.from({ length: 4 }, () => coordinator.subscribe(id)),
      );
      await Promise.all(iterators.map((iterator) => within(iterator.next())));
      await waitFor(() => coordinator.stats().subscribers === 0, {
        what: 'every slow subscriber to be cut off',
        timeout: 20_000 * slow,
      });
      for (const iterator of iterators) {
        const rest = await collect(iterator);
        assert.ok(rest.length <= 21, `at most 20 queued + overflow, got ${rest.length}`);
        assert.equal(rest.at(-1)?.type, 'overflow');
      }
      gate.resolve();
      for (const id of ids)
        assert.equal((await collect(coordinator.subscribe(id))).at(-1)?.type, 'completed');
      assert.deepEqual(coordinator.stats(), { running: 0, subscribers: 0 });
    });

    it('coordinator state: after races, churn and shutdown it holds nothing', async () => {
      const { coordinator } = await makeCoordinator(factory, { concurrency: 50 });
      const started = Array.from({ length: 20 }, () => deferred<string>());
      coordinator.define('w', async (ctx) => {
        (started[ctx.input as number] as Deferred<string>).resolve(ctx.id);
        await sleep(60_000, ctx.token);
      });
      const ids = await Promise.all(started.map((_, i) => coordinator.start('w', i)));
      await within(Promise.all(started.map((d) => d.promise)));
      const streams = ids.map((id) => collect(coordinator.subscribe(id)));
      for (const id of ids.slice(0, 10)) await coordinator.cancel(id);
      const report = await coordinator.shutdown({ timeout: 5_000 * slow });
      assert.deepEqual(report.unfinished, []);
      for (const events of await Promise.all(streams)) {
        assert.equal(events.at(-1)?.type, 'cancelled');
      }
      assert.deepEqual(coordinator.stats(), { running: 0, subscribers: 0 });
    });
  });
}
