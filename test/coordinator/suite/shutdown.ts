// The coordinator suite, part: Seed 002 test_shutdown.py, the coordinator part.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import {
  CoordinatorShutDownError,
  Runtime,
  shield,
  sleep,
  type TaskEvent,
} from '../../../src/index.js';
import {
  type Deferred,
  deferred,
  rejectionOf,
  silentLogger,
  waitFor,
  within,
} from '../../helpers.js';
import { assertWellFormed, collect, lastData, makeCoordinator, types } from '../helpers.js';

import { type SuiteContext, startWaiting, waiter } from './context.js';

/** Register this part of the suite. */
export function shutdownTests({ factory, it, slow }: SuiteContext): void {
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
      const id = await startWaiting(coordinator);
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

    it('a coordinator that owns its backend ends every stream with one final event', async () => {
      const { coordinator } = await makeCoordinator(factory, {
        concurrency: 1,
        shutdownBackend: true,
      });
      const started = deferred<string>();
      coordinator.define('chatty', async (ctx) => {
        started.resolve(ctx.id);
        for (let i = 0; ; i++) {
          ctx.emit('tick', i);
          await sleep(20, ctx.token);
        }
      });
      coordinator.define('done', () => 'finished');
      const running = await coordinator.start('chatty', null);
      await within(started.promise);
      // Waits behind the running task (concurrency 1).
      const queued = await coordinator.start('done', null);
      const streams = [running, running, queued].map((id) => collect(coordinator.subscribe(id)));
      await waitFor(() => coordinator.stats().subscribers === 3, { what: 'subscribers' });
      await coordinator.shutdown({ timeout: 5_000 * slow });
      const [first, second, third] = (await Promise.all(streams)) as [
        TaskEvent[],
        TaskEvent[],
        TaskEvent[],
      ];
      for (const events of [first, second]) {
        assertWellFormed(events, running);
        // Handed back to a durable queue (`shutdown`) or cancelled by an in-memory backend.
        assert.ok(
          ['shutdown', 'cancelled'].includes(events.at(-1)?.type ?? ''),
          types(events).join(),
        );
      }
      assertWellFormed(third, queued);
    });

    it('a backend shut down under a subscriber still ends its stream with one final event', async () => {
      const { coordinator } = await makeCoordinator(factory);
      const id = await startWaiting(coordinator);
      const stream = collect(coordinator.subscribe(id));
      await waitFor(() => coordinator.stats().subscribers === 1, { what: 'the subscriber' });
      await coordinator.backend.shutdown({ timeout: 0, grace: 2_000 * slow });
      const events = await stream;
      assertWellFormed(events, id);
      // Handed back to a durable queue (`shutdown`) or cancelled by an in-memory backend.
      assert.ok(
        ['shutdown', 'cancelled'].includes(events.at(-1)?.type ?? ''),
        types(events).join(),
      );
    });

    it('test_shutdown_handler_cancels_all_coordinator_tasks: the runtime shuts it down', async () => {
      const runtime = new Runtime({ logger: silentLogger, deadlineMs: 10_000 * slow });
      const { coordinator } = await makeCoordinator(factory, { runtime });
      const id = await startWaiting(coordinator);
      const stream = collect(coordinator.subscribe(id));
      const report = await runtime.shutdown({ reason: 'SIGTERM' });
      assert.equal(report.outcome, 'clean', JSON.stringify(report));
      assert.equal(coordinator.state, 'stopped');
      const events = await stream;
      assert.equal(events.at(-1)?.type, 'cancelled');
      assert.equal((lastData(events) as { reason: { kind: string } }).reason.kind, 'shutdown');
    });
  });
}
