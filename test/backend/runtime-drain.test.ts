// A backend registers with the process Runtime on start(), so a runtime shutdown (SIGTERM in
// production) drains it within the runtime's deadline.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CancelledError,
  getDefaultRuntime,
  InlineBackend,
  InProcessBackend,
  InvalidArgumentError,
  Runtime,
  ShutdownStartedError,
  setDefaultRuntime,
  TasksAbandonedError,
} from '../../src/index.js';
import { deferred, rejectionOf, silentLogger, within } from '../helpers.js';

function runtime(): Runtime {
  return new Runtime({
    name: 'test',
    logger: silentLogger,
    exit: () => assert.fail('a test runtime must not exit'),
  });
}

describe('backends and the Runtime', () => {
  test('a runtime shutdown drains the backend: queued and running tasks finish', async () => {
    const rt = runtime();
    const backend = new InProcessBackend({ concurrency: 1, logger: silentLogger, runtime: rt });
    const finished: number[] = [];
    backend.register<number>('t', async (n) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      finished.push(n);
    });
    await backend.start();
    for (let i = 0; i < 3; i++) await backend.submit({ type: 't', payload: i });
    const report = await within(rt.shutdown({ deadlineMs: 10_000 }));
    assert.deepEqual(finished, [0, 1, 2]);
    assert.equal(backend.state, 'stopped');
    assert.equal(report.outcome, 'clean');
    const hook = report.hooks.find((h) => h.name === "backend 'in-process'");
    assert.deepEqual(
      { phase: hook?.phase, status: hook?.status },
      { phase: 'drain', status: 'ok' },
    );
  });

  test('within the deadline: stragglers are cancelled with a shutdown reason and named', async () => {
    const rt = runtime();
    const backend = new InProcessBackend({ logger: silentLogger, runtime: rt });
    const started = deferred();
    let reason: string | undefined;
    backend.register('forever', async (_payload, ctx) => {
      started.resolve();
      const cancelled = await ctx.token.cancelled();
      reason = cancelled.kind;
      throw new CancelledError(cancelled);
    });
    await backend.start();
    const { id } = await backend.submit({ type: 'forever', payload: null });
    await within(started.promise);
    const before = performance.now();
    const report = await within(rt.shutdown({ deadlineMs: 1_000 }));
    assert.ok(performance.now() - before < 2_000, 'the runtime deadline bounds it');
    assert.equal(reason, 'shutdown');
    assert.equal(report.outcome, 'clean', 'a task that stops when cancelled is a clean shutdown');
    const backendReport = await backend.shutdown();
    assert.deepEqual(backendReport.cancelled, [{ id, type: 'forever', started: true }]);
  });

  test('a task that ignores cancellation makes the runtime report incomplete', async () => {
    const rt = runtime();
    const backend = new InProcessBackend({ logger: silentLogger, runtime: rt });
    const release = deferred();
    const started = deferred();
    backend.register('deaf', async () => {
      started.resolve();
      await release.promise;
    });
    await backend.start();
    const { id } = await backend.submit({ type: 'deaf', payload: null });
    await within(started.promise);
    const report = await within(rt.shutdown({ deadlineMs: 2_000 }));
    release.resolve();
    assert.equal(report.outcome, 'incomplete');
    const hook = report.hooks.find((h) => h.name === "backend 'in-process'");
    assert.equal(hook?.status, 'failed');
    assert.ok(hook?.error instanceof TasksAbandonedError);
    assert.deepEqual(hook.error.tasks, [{ id, type: 'deaf', started: true }]);
  });

  test('a backend that shut down by itself leaves no hook behind', async () => {
    const rt = runtime();
    const backend = new InlineBackend({ logger: silentLogger, runtime: rt });
    await backend.start();
    await backend.shutdown();
    const report = await within(rt.shutdown({ deadlineMs: 1_000 }));
    assert.deepEqual(
      report.hooks.map((h) => h.name),
      [],
    );
  });

  test('runtime: false adds no hook', async () => {
    const rt = runtime();
    const backend = new InProcessBackend({ logger: silentLogger, runtime: false });
    await backend.start();
    await within(rt.shutdown({ deadlineMs: 1_000 }));
    assert.equal(backend.state, 'started');
    await backend.shutdown();
  });

  test('start() once the runtime is past its drain phase rejects, and the backend stays unstarted', async () => {
    const rt = runtime();
    await rt.shutdown({ deadlineMs: 100 });
    const backend = new InProcessBackend({ logger: silentLogger, runtime: rt });
    assert.ok((await rejectionOf(backend.start())) instanceof ShutdownStartedError);
    assert.equal(backend.state, 'created');
  });

  test('by default the backend registers with the default runtime, read at start()', async () => {
    const rt = runtime();
    const backend = new InProcessBackend({ logger: silentLogger });
    setDefaultRuntime(rt);
    assert.equal(getDefaultRuntime(), rt);
    await backend.start();
    await within(rt.shutdown({ deadlineMs: 1_000 }));
    assert.equal(backend.state, 'stopped');
  });

  test('a runtime option that is not a Runtime is refused', () => {
    assert.throws(
      () => new InProcessBackend({ runtime: {} as never, logger: silentLogger }),
      InvalidArgumentError,
    );
  });
});
