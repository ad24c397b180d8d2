// InProcessBackend: the seed's AsyncFireAndTrackBackend behaviours, and the concurrency limit,
// the bounded queue and the shutdown drain.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BackendShutDownError,
  type HandlerContext,
  InProcessBackend,
  type InProcessBackendOptions,
  InvalidArgumentError,
  QueueFullError,
} from '../../src/index.js';
import {
  captureLogger,
  deferred,
  rejectionOf,
  silentLogger,
  unknownOption,
  waitFor,
  within,
} from '../helpers.js';

function make(options: InProcessBackendOptions = {}): InProcessBackend {
  return new InProcessBackend({ logger: silentLogger, ...options });
}

/** A handler that waits until its gate opens (or its token is cancelled). */
function gated(): {
  handler: (payload: unknown, ctx: HandlerContext) => Promise<void>;
  open: () => void;
  running: () => number;
  peak: () => number;
  order: unknown[];
} {
  const gate = deferred();
  let running = 0;
  let peak = 0;
  const order: unknown[] = [];
  return {
    async handler(payload, ctx) {
      order.push(payload);
      running++;
      peak = Math.max(peak, running);
      try {
        await Promise.race([gate.promise, ctx.token.cancelled()]);
        ctx.token.throwIfCancelled();
      } finally {
        running--;
      }
    },
    open: () => gate.resolve(),
    running: () => running,
    peak: () => peak,
    order,
  };
}

describe('InProcessBackend', () => {
  test('submit returns at once; the handler never runs inside submit', async () => {
    const backend = make();
    let ran = false;
    backend.register('t', () => {
      ran = true;
    });
    await backend.start();
    const pending = backend.submit({ type: 't', payload: null });
    assert.equal(ran, false, 'not within the submit call');
    const { id } = await pending;
    assert.equal(typeof id, 'string');
    await within(backend.onIdle());
    assert.equal(ran, true);
    await backend.shutdown();
  });

  test('tracks every task: the in-flight count rises and falls (seed: inflight_count)', async () => {
    const backend = make();
    const work = gated();
    backend.register('t', work.handler);
    await backend.start();
    for (let i = 0; i < 5; i++) await backend.submit({ type: 't', payload: i });
    await waitFor(() => backend.stats().running === 5, { what: '5 running' });
    assert.equal(work.running(), 5);
    work.open();
    await within(backend.onIdle());
    assert.deepEqual(backend.stats(), {
      queued: 0,
      running: 0,
      succeeded: 5,
      failed: 0,
      cancelled: 0,
      submitted: 5,
    });
    await backend.shutdown();
  });

  test('runs at most `concurrency` handlers at once, in submission order', async () => {
    const backend = make({ concurrency: 3 });
    const work = gated();
    backend.register('t', work.handler);
    await backend.start();
    for (let i = 0; i < 10; i++) await backend.submit({ type: 't', payload: i });
    await waitFor(() => backend.stats().running === 3);
    assert.deepEqual(backend.stats(), {
      queued: 7,
      running: 3,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      submitted: 10,
    });
    work.open();
    await within(backend.onIdle());
    assert.equal(work.peak(), 3);
    assert.deepEqual(work.order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await backend.shutdown();
  });

  test('a full queue refuses submit with QueueFullError, and accepts again once it drains', async () => {
    const backend = make({ concurrency: 2, maxQueued: 3 });
    const work = gated();
    backend.register('t', work.handler);
    await backend.start();
    // Two take the free slots, three wait; the sixth is refused.
    for (let i = 0; i < 5; i++) await backend.submit({ type: 't', payload: i });
    const error = await rejectionOf(backend.submit({ type: 't', payload: 5 }));
    assert.ok(error instanceof QueueFullError);
    assert.equal(error.limit, 3);
    assert.equal(error.code, 'WARDEN_ERR_QUEUE_FULL');
    assert.equal(backend.stats().submitted, 5);
    work.open();
    await within(backend.onIdle());
    await backend.submit({ type: 't', payload: 6 });
    await within(backend.onIdle());
    assert.equal(backend.stats().succeeded, 6);
    await backend.shutdown();
  });

  test('maxQueued 0 accepts only while a slot is free', async () => {
    const backend = make({ concurrency: 1, maxQueued: 0 });
    const work = gated();
    backend.register('t', work.handler);
    await backend.start();
    await backend.submit({ type: 't', payload: 0 });
    assert.ok(
      (await rejectionOf(backend.submit({ type: 't', payload: 1 }))) instanceof QueueFullError,
    );
    work.open();
    await within(backend.onIdle());
    await backend.shutdown();
  });

  test('cancel(id) removes a queued task before it starts; it never runs', async () => {
    const backend = make({ concurrency: 1 });
    const work = gated();
    backend.register('t', work.handler);
    await backend.start();
    await backend.submit({ type: 't', payload: 'first' });
    const { id } = await backend.submit({ type: 't', payload: 'second' });
    await backend.submit({ type: 't', payload: 'third' });
    assert.equal(await backend.cancel(id), true);
    assert.equal(await backend.cancel(id), false);
    assert.equal(backend.stats().queued, 1);
    work.open();
    await within(backend.onIdle());
    assert.deepEqual(work.order, ['first', 'third']);
    assert.equal(backend.stats().cancelled, 1);
    assert.equal(backend.stats().succeeded, 2);
    await backend.shutdown();
  });

  test('cancelling the last queued task while nothing runs makes the backend idle', async () => {
    const backend = make({ concurrency: 1 });
    backend.register('t', () => {});
    await backend.start();
    // Not awaited: the task starts on a later microtask, so it is still queued below.
    const submitted = backend.submit({ type: 't', payload: null, id: 'only' });
    const idle = backend.onIdle();
    assert.equal(backend.stats().queued, 1);
    const cancelled = backend.cancel('only');
    assert.equal(backend.stats().queued, 0, 'removed synchronously');
    assert.equal(await cancelled, true);
    await submitted;
    await within(idle);
    assert.equal(backend.stats().succeeded, 0);
    await backend.shutdown();
  });

  test('drains on shutdown: running and queued tasks finish before it resolves (seed)', async () => {
    const backend = make({ concurrency: 2 });
    const finished: number[] = [];
    backend.register('t', async (payload: number) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      finished.push(payload);
    });
    await backend.start();
    for (let i = 0; i < 6; i++) await backend.submit({ type: 't', payload: i });
    const report = await within(backend.shutdown({ timeout: 10_000 }));
    assert.deepEqual(finished, [0, 1, 2, 3, 4, 5]);
    assert.equal(report.completed, 6);
    assert.deepEqual(report.cancelled, []);
    assert.equal(report.timedOut, false);
    assert.equal(backend.state, 'stopped');
  });

  test('shutdown with a timeout returns on time and names the stragglers, running and queued (seed)', async () => {
    const { logger, entries } = captureLogger();
    const backend = new InProcessBackend({ concurrency: 2, logger });
    const work = gated();
    backend.register('slow', work.handler);
    backend.register('fast', () => {});
    await backend.start();
    const a = await backend.submit({ type: 'slow', payload: 'a' });
    const b = await backend.submit({ type: 'slow', payload: 'b' });
    const c = await backend.submit({ type: 'slow', payload: 'c' });
    await waitFor(() => backend.stats().running === 2);
    const before = performance.now();
    const report = await backend.shutdown({ timeout: 100, grace: 1_000 });
    const took = performance.now() - before;
    assert.ok(took >= 90, `waited the timeout (${took} ms)`);
    assert.ok(took < 2_000, `returned on time (${took} ms)`);
    assert.equal(report.timedOut, true);
    assert.deepEqual(
      [...report.cancelled].sort((x, y) => x.id.localeCompare(y.id)),
      [
        { id: a.id, type: 'slow', started: true },
        { id: b.id, type: 'slow', started: true },
        { id: c.id, type: 'slow', started: false },
      ].sort((x, y) => x.id.localeCompare(y.id)),
    );
    assert.deepEqual(report.abandoned, []);
    assert.deepEqual(work.order, ['a', 'b'], 'the queued one never started');
    assert.deepEqual(backend.stats(), {
      queued: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 3,
      submitted: 3,
    });
    const warning = entries.find((entry) => entry.level === 'warn');
    assert.ok(warning, 'the stragglers are logged');
    assert.equal(warning.fields.cancelledCount, 3);
    assert.match(warning.msg ?? '', /cancelled 3 unfinished task/);
  });

  test('a straggler that ignores its token is reported as abandoned after the grace period', async () => {
    const backend = make();
    const release = deferred();
    const started = deferred();
    backend.register('deaf', async () => {
      started.resolve();
      await release.promise;
    });
    await backend.start();
    const { id } = await backend.submit({ type: 'deaf', payload: null });
    await within(started.promise);
    const before = performance.now();
    const report = await backend.shutdown({ timeout: 20, grace: 50 });
    assert.ok(performance.now() - before < 2_000);
    assert.deepEqual(report.abandoned, [{ id, type: 'deaf', started: true }]);
    assert.deepEqual(report.cancelled, [{ id, type: 'deaf', started: true }]);
    assert.equal(backend.stats().running, 1);
    release.resolve();
    await within(backend.onIdle());
    assert.equal(backend.stats().succeeded, 1, 'it is still counted when it ends');
  });

  test('shutdown with dropQueued cancels the queue at once and lets running tasks finish', async () => {
    const backend = make({ concurrency: 1 });
    const work = gated();
    backend.register('t', work.handler);
    await backend.start();
    await backend.submit({ type: 't', payload: 'running' });
    const queued = await backend.submit({ type: 't', payload: 'queued' });
    await waitFor(() => backend.stats().running === 1);
    const done = backend.shutdown({ timeout: 10_000, dropQueued: true });
    assert.equal(backend.stats().queued, 0);
    work.open();
    const report = await within(done);
    assert.deepEqual(report.cancelled, [{ id: queued.id, type: 't', started: false }]);
    assert.equal(report.completed, 1);
    assert.equal(report.timedOut, false);
    assert.deepEqual(work.order, ['running']);
  });

  test('intake closes the moment shutdown starts, while queued work still drains', async () => {
    const backend = make({ concurrency: 1 });
    const work = gated();
    backend.register('t', work.handler);
    await backend.start();
    await backend.submit({ type: 't', payload: 1 });
    await backend.submit({ type: 't', payload: 2 });
    const done = backend.shutdown({ timeout: 10_000 });
    const error = await rejectionOf(backend.submit({ type: 't', payload: 3 }));
    assert.ok(error instanceof BackendShutDownError);
    work.open();
    await within(done);
    assert.deepEqual(work.order, [1, 2]);
  });

  test('synchronous handlers: 100,000 tasks run without deep recursion', async () => {
    const backend = make({ concurrency: 10 });
    let count = 0;
    backend.register('t', () => {
      count++;
    });
    await backend.start();
    for (let i = 0; i < 100_000; i++) void backend.submit({ type: 't', payload: i });
    await within(backend.onIdle(), { timeout: 30_000 });
    assert.equal(count, 100_000);
    assert.equal(backend.stats().succeeded, 100_000);
    await backend.shutdown();
  });

  test('a handler may submit more work to its own backend', async () => {
    const backend = make({ concurrency: 1 });
    const seen: number[] = [];
    backend.register<number>('countdown', async (n) => {
      seen.push(n);
      if (n > 0) await backend.submit({ type: 'countdown', payload: n - 1 });
    });
    await backend.start();
    await backend.submit({ type: 'countdown', payload: 3 });
    await waitFor(() => seen.length === 4);
    assert.deepEqual(seen, [3, 2, 1, 0]);
    await backend.shutdown();
  });

  test('a failure does not stop the other tasks', async () => {
    const failures: string[] = [];
    const backend = make({
      concurrency: 2,
      onError: (error, task) => failures.push(`${task.type}:${error.message}`),
    });
    let ok = 0;
    backend.register('ok', async () => {
      ok++;
    });
    backend.register('bad', async () => {
      throw new Error('nope');
    });
    await backend.start();
    for (let i = 0; i < 4; i++) {
      await backend.submit({ type: 'ok', payload: null });
      await backend.submit({ type: 'bad', payload: null });
    }
    await within(backend.onIdle());
    assert.equal(ok, 4);
    assert.deepEqual(failures, Array(4).fill('bad:nope'));
    assert.deepEqual(
      { failed: backend.stats().failed, succeeded: backend.stats().succeeded },
      { failed: 4, succeeded: 4 },
    );
    await backend.shutdown();
  });

  test('a task that ends neither holds memory nor stays in the table', async () => {
    const backend = make({ concurrency: 4 });
    backend.register('t', async () => {});
    await backend.start();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push((await backend.submit({ type: 't', payload: i })).id);
    await within(backend.onIdle());
    for (const id of ids) assert.equal(await backend.cancel(id), false);
    await backend.shutdown();
  });

  test('bad options throw InvalidArgumentError', () => {
    for (const options of [
      { concurrency: 0 },
      { concurrency: 1.5 },
      { concurrency: Number.NaN },
      { maxQueued: -1 },
      { maxQueued: '10' },
    ]) {
      assert.throws(() => make(options as InProcessBackendOptions), InvalidArgumentError);
    }
    assert.equal(make({ concurrency: Number.POSITIVE_INFINITY }).concurrency, Infinity);
    assert.equal(make().concurrency, 100);
    assert.equal(make().maxQueued, Infinity);
  });

  test('an unknown option key throws; its own options are accepted beside the common ones', () => {
    assert.throws(
      () => make({ concurency: 5 } as never),
      unknownOption(
        "InProcessBackend options: unknown option 'concurency' (did you mean 'concurrency'?)",
      ),
    );
    assert.throws(
      () => make({ maxQueue: 5 } as never),
      unknownOption(
        "InProcessBackend options: unknown option 'maxQueue' (did you mean 'maxQueued'?)",
      ),
    );
    const backend = make({ concurrency: 2, maxQueued: 3, name: 'own', runtime: false });
    assert.deepEqual([backend.concurrency, backend.maxQueued, backend.name], [2, 3, 'own']);
  });
});
