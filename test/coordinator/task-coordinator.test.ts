// TaskCoordinator behaviour that does not depend on the backend: the default (owned) backend,
// constructor checks, shutdown of subscribers whose task is not running here, the references a
// shutdown drops, and the subscriber queue's edges.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CancelReason,
  InProcessBackend,
  InvalidArgumentError,
  Runtime,
  TaskCoordinator,
  type TaskEvent,
} from '../../src/index.js';
import {
  captureLogger,
  deferred,
  gcUntil,
  rejectionOf,
  silentLogger,
  unknownOption,
  waitFor,
  within,
} from '../helpers.js';
import { collect, lastData, types } from './helpers.js';

describe('TaskCoordinator', () => {
  test('by default it owns an in-process backend, and its shutdown drops queued tasks too', async () => {
    const coordinator = new TaskCoordinator({ logger: silentLogger, runtime: false });
    assert.ok(coordinator.backend instanceof InProcessBackend);
    assert.equal((coordinator.backend as InProcessBackend).concurrency, 100);
    const started = deferred();
    coordinator.define('hold', async (ctx) => {
      started.resolve();
      await ctx.token.cancelled();
      ctx.token.throwIfCancelled();
    });
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) ids.push(await coordinator.start('hold', i));
    await within(started.promise);
    const queued = ids[100] as string;
    assert.equal((await coordinator.get(queued))?.status, 'queued');
    const queuedStream = collect(coordinator.subscribe(queued));
    const runningStream = collect(coordinator.subscribe(ids[0] as string));
    const report = await coordinator.shutdown({ timeout: 5_000 });
    assert.equal(report.cancelled, 100);
    assert.deepEqual(report.unfinished, []);
    const dropped = await queuedStream;
    assert.deepEqual(types(dropped), ['cancelled']);
    assert.equal(lastData<{ reason: { kind: string } }>(dropped).reason.kind, 'shutdown');
    assert.equal((await runningStream).at(-1)?.type, 'cancelled');
    assert.equal(coordinator.backend.state, 'stopped');
  });

  test('a given backend is not shut down; a subscriber of a task queued there gets shutdown', async () => {
    const backend = new InProcessBackend({ logger: silentLogger, runtime: false, concurrency: 1 });
    const coordinator = new TaskCoordinator({ backend, logger: silentLogger, runtime: false });
    const started = deferred();
    coordinator.define('hold', async (ctx) => {
      started.resolve();
      await ctx.token.cancelled();
      ctx.token.throwIfCancelled();
    });
    const running = await coordinator.start('hold', 1);
    const queued = await coordinator.start('hold', 2);
    await within(started.promise);
    const runningStream = collect(coordinator.subscribe(running));
    const queuedStream = collect(coordinator.subscribe(queued));
    await waitFor(() => coordinator.stats().subscribers === 2, { what: 'two subscribers' });
    const report = await coordinator.shutdown({ timeout: 10_000 });
    assert.ok(report.durationMs < 5_000, 'the queued task was not waited for');
    assert.equal((await runningStream).at(-1)?.type, 'cancelled');
    const cutOff = await queuedStream;
    assert.equal(cutOff.at(-1)?.type, 'shutdown');
    assert.equal(report.subscribersCutOff, 1);
    assert.equal(report.subscribersCompleted, 1);
    assert.equal(backend.state, 'started', 'the backend is its owner’s to shut down');
    // The queued task still runs on the backend, but not for this coordinator: it is cancelled.
    const rest = await collect(backend.events(queued));
    assert.equal(rest.at(-1)?.type, 'cancelled');
    await backend.shutdown();
  });

  test('bad options throw InvalidArgumentError', () => {
    for (const options of [
      { backend: {} },
      { name: '' },
      { logger: 'console' },
      { runtime: {} },
      { maxQueuedEvents: 0 },
      { maxQueuedEvents: 1.5 },
      { shutdownTimeout: -1 },
      { shutdownBackend: 'yes' },
    ]) {
      assert.throws(
        () => new TaskCoordinator({ runtime: false, ...(options as object) }),
        InvalidArgumentError,
        JSON.stringify(options),
      );
    }
    assert.throws(() => new TaskCoordinator(null as never), InvalidArgumentError);
  });

  test('an unknown option key is refused by the constructor and by every method', async () => {
    assert.throws(
      () => new TaskCoordinator({ runtime: false, maxQueued: 5 } as never),
      unknownOption(
        "TaskCoordinator options: unknown option 'maxQueued' (did you mean 'maxQueuedEvents'?)",
      ),
    );
    const coordinator = new TaskCoordinator({ logger: silentLogger, runtime: false });
    assert.throws(
      () => coordinator.define('k', () => 1, { timeoutMs: 5 } as never),
      unknownOption(
        "TaskCoordinator.define options: unknown option 'timeoutMs' (did you mean 'timeout'?)",
      ),
    );
    coordinator.define('k', () => 1);
    assert.ok(
      unknownOption("TaskCoordinator.start options: unknown option 'ID' (did you mean 'id'?)")(
        await rejectionOf(coordinator.start('k', null, { ID: 'x' } as never)),
      ),
    );
    assert.ok(
      unknownOption(
        "TaskCoordinator.list options: unknown option 'state' (did you mean 'status'?)",
      )(await rejectionOf(coordinator.list({ state: 'failed' } as never))),
    );
    assert.throws(
      () => coordinator.subscribe('x', { after: 3 } as never),
      unknownOption(
        "TaskCoordinator.subscribe options: unknown option 'after'; valid options: lastEventId, maxQueuedEvents, signal",
      ),
    );
    assert.ok(
      unknownOption(
        "TaskCoordinator.shutdown options: unknown option 'grace'; valid options: timeout",
      )(await rejectionOf(coordinator.shutdown({ grace: 5 } as never))),
    );
    assert.equal(coordinator.state, 'running', 'a refused shutdown call does not start one');
    assert.deepEqual(await coordinator.list(), [], 'no task was started');
    await coordinator.shutdown();
  });

  test('every option at once is accepted, by the constructor and by every method', async () => {
    const backend = new InProcessBackend({ logger: silentLogger, runtime: false });
    const runtime = new Runtime({ logger: silentLogger });
    const coordinator = new TaskCoordinator({
      backend,
      name: 'all',
      logger: silentLogger,
      runtime,
      maxQueuedEvents: 10,
      shutdownTimeout: 1_000,
      shutdownBackend: true,
    });
    coordinator.define('k', () => 'done', { timeout: 1_000 });
    const id = await coordinator.start('k', null, { id: 'every-option', timeout: 500 });
    const events = await collect(
      coordinator.subscribe(id, {
        lastEventId: 0,
        signal: new AbortController().signal,
        maxQueuedEvents: 5,
      }),
    );
    assert.deepEqual(types(events), ['started', 'completed']);
    const listed = await coordinator.list({
      status: 'succeeded',
      kind: 'k',
      limit: 5,
      cursor: 'x',
    });
    assert.deepEqual(listed, [], 'nothing is older than an unknown cursor');
    const report = await coordinator.shutdown({ timeout: 1_000 });
    assert.equal(report.timedOut, false);
    await runtime.shutdown();
  });

  test('bad shutdown options reject without starting a shutdown', async () => {
    const coordinator = new TaskCoordinator({ logger: silentLogger, runtime: false });
    assert.ok(
      (await rejectionOf(coordinator.shutdown({ timeout: -1 }))) instanceof InvalidArgumentError,
    );
    assert.equal(coordinator.state, 'running');
    await coordinator.shutdown();
  });

  test('the runtime hook is added at construction and removed by a direct shutdown', async () => {
    const runtime = new Runtime({ logger: silentLogger });
    const coordinator = new TaskCoordinator({ logger: silentLogger, runtime });
    await coordinator.shutdown();
    const report = await runtime.shutdown({ reason: 'test' });
    assert.equal(report.hooks.length, 0, JSON.stringify(report.hooks));
  });

  test('shutdown drops every reference: an abandoned subscriber of a stuck task is collected', async () => {
    const { logger } = captureLogger();
    const coordinator = new TaskCoordinator({ logger, runtime: false });
    const started = deferred();
    const release = deferred();
    coordinator.define('hold', async () => {
      started.resolve();
      await release.promise; // ignores its token: still running after the shutdown
    });
    const id = await coordinator.start('hold', null);
    await within(started.promise);
    // A FinalizationRegistry, not a WeakRef: deref() would keep it alive for the current job.
    let collected = false;
    const registry = new FinalizationRegistry(() => {
      collected = true;
    });
    await (async () => {
      const iterator = coordinator.subscribe(id);
      await within(iterator.next()); // then the client vanishes without return()
      registry.register(iterator, 'subscriber');
    })();
    assert.equal(coordinator.stats().subscribers, 1);
    const report = await coordinator.shutdown({ timeout: 100 });
    assert.equal(report.unfinished.length, 1);
    assert.equal(report.subscribersCutOff, 1);
    assert.deepEqual(coordinator.stats(), { running: 0, subscribers: 0 });
    // The task still runs in the backend; nothing of the subscriber may hang on to it.
    await gcUntil(() => collected, { what: 'the subscriber to be collected' });
    release.resolve();
  });

  test('concurrent next() calls on a subscriber are served in order', async () => {
    const coordinator = new TaskCoordinator({ logger: silentLogger, runtime: false });
    const gate = deferred();
    coordinator.define('two', async (ctx) => {
      await gate.promise;
      ctx.emit('a', 1);
      await Promise.resolve();
      ctx.emit('b', 2);
    });
    const id = await coordinator.start('two', null);
    const iterator = coordinator.subscribe(id);
    const results = [iterator.next(), iterator.next(), iterator.next(), iterator.next()];
    gate.resolve();
    const events = await within(Promise.all(results));
    assert.deepEqual(
      events.map((result) => (result.value as TaskEvent | undefined)?.type),
      ['started', 'a', 'b', 'completed'],
    );
    assert.equal((await iterator.next()).done, true);
    await coordinator.shutdown();
  });

  test('a subscriber with its own queue bound; overflow tells where to resume', async () => {
    const coordinator = new TaskCoordinator({ logger: silentLogger, runtime: false });
    const gate = deferred();
    coordinator.define('burst', async (ctx) => {
      await gate.promise;
      for (let i = 0; i < 10; i++) ctx.emit('n', i);
    });
    const id = await coordinator.start('burst', null);
    const iterator = coordinator.subscribe(id, { maxQueuedEvents: 3 });
    assert.equal((await within(iterator.next())).value?.type, 'started');
    // Now the client stops reading while the rest arrives: three are queued, then it is cut off.
    // (Had the task ended first, its history would wait for the reader; while it runs, nothing
    // waits.)
    gate.resolve();
    await waitFor(() => coordinator.stats().subscribers === 0, { what: 'the cut-off' });
    const events = await collect(iterator);
    assert.deepEqual(types(events), ['n', 'n', 'n', 'overflow']);
    assert.deepEqual(lastData(events), { lastEventId: 4, maxQueuedEvents: 3 });
    assert.equal(events.at(-1)?.seq, 4);
    const resumed = await collect(coordinator.subscribe(id, { lastEventId: 4 }));
    assert.equal(resumed[0]?.seq, 5);
    assert.equal(resumed.at(-1)?.type, 'completed');
    await coordinator.shutdown();
  });

  test('cancel takes a CancelReason and passes it through', async () => {
    const coordinator = new TaskCoordinator({ logger: silentLogger, runtime: false });
    const started = deferred();
    coordinator.define('hold', async (ctx) => {
      started.resolve();
      await ctx.token.cancelled();
      ctx.token.throwIfCancelled();
    });
    const id = await coordinator.start('hold', null);
    await within(started.promise);
    const failure = new Error('the parent job failed');
    assert.equal(
      await coordinator.cancel(id, CancelReason.parentFailure(failure, 'parent failed')),
      true,
    );
    const events = await collect(coordinator.subscribe(id));
    assert.deepEqual(lastData(events), {
      reason: { kind: 'parent-failure', message: 'parent failed' },
    });
    assert.ok(
      (await rejectionOf(coordinator.cancel(id, { kind: 'bogus' } as never))) instanceof
        InvalidArgumentError,
    );
    await coordinator.shutdown();
  });
});
