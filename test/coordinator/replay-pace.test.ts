// A subscriber replays a finished task's history at its reader's pace, on the in-memory backend:
// 100,000 events reach a reader that keeps up, however small its queue; a reader that pauses in
// the middle of such a replay keeps its place (nothing more can pile up); a reader that stops
// while its task runs is cut off with `overflow`, as ever.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InProcessBackend, TaskCoordinator, type TaskEvent } from '../../src/index.js';
import { deferred, silentLogger, waitFor, within } from '../helpers.js';
import { collect } from './helpers.js';

function coordinatorWith(t: { after(fn: () => Promise<unknown>): void }, maxEventsPerTask: number) {
  const backend = new InProcessBackend({ logger: silentLogger, runtime: false, maxEventsPerTask });
  const coordinator = new TaskCoordinator({ backend, logger: silentLogger, runtime: false });
  t.after(async () => {
    await coordinator.shutdown({ timeout: 1_000 });
    await backend.shutdown();
  });
  return { backend, coordinator };
}

/** Check `check` once per event-loop turn until it holds; bounded. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('subscriber replay pace (in-memory backend)', () => {
  test('100,000 events of a finished task reach a reader that keeps up: no overflow', async (t) => {
    const count = 100_000;
    const { coordinator } = coordinatorWith(t, count);
    coordinator.define('many', async (ctx) => {
      for (let i = 1; i <= count; i++) ctx.emit('n', i);
      return count;
    });
    const id = await coordinator.start('many', null);
    await eventually(async () => (await coordinator.get(id))?.status === 'succeeded', 'the end');
    for (const maxQueuedEvents of [1_000, 3]) {
      let seq = 0;
      let last = '';
      for await (const event of coordinator.subscribe(id, { maxQueuedEvents })) {
        assert.equal(event.seq, ++seq);
        last = event.type;
        // A reader that writes its events somewhere, as an SSE route does: now and then the
        // write waits for the socket (here, a turn of the event loop).
        if (seq % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(last, 'completed', `queue of ${maxQueuedEvents}`);
      assert.equal(seq, count + 2);
    }
  });

  test("a reader that pauses in a finished task's replay keeps its place; while the task runs, it is cut off", async (t) => {
    const { coordinator } = coordinatorWith(t, 1_000);
    coordinator.define('done', (ctx) => {
      for (let i = 1; i <= 500; i++) ctx.emit('n', i);
    });
    const done = await coordinator.start('done', null);
    await eventually(async () => (await coordinator.get(done))?.status === 'succeeded', 'the end');
    const paused = coordinator.subscribe(done, { maxQueuedEvents: 20 });
    const first: TaskEvent[] = [];
    for (let i = 0; i < 5; i++) first.push((await within(paused.next())).value as TaskEvent);
    // Meanwhile another reader replays the whole task: the paused one's pump has every chance
    // to run ahead of it, and does not.
    assert.equal((await collect(coordinator.subscribe(done, { maxQueuedEvents: 20 }))).length, 502);
    assert.equal(coordinator.stats().subscribers, 1);
    const all = [...first, ...(await collect(paused))];
    assert.deepEqual(
      all.map((event) => event.seq),
      Array.from({ length: 502 }, (_, i) => i + 1),
    );
    assert.equal(all.at(-1)?.type, 'completed');

    // The same pause while the task still runs: what piles up cuts the reader off.
    const gate = deferred();
    coordinator.define('running', async (ctx) => {
      for (let i = 1; i <= 50; i++) ctx.emit('n', i);
      await gate.promise;
    });
    const running = await coordinator.start('running', null);
    await eventually(async () => (await coordinator.get(running))?.lastEventId === 51, 'history');
    const stopped = coordinator.subscribe(running, { maxQueuedEvents: 20 });
    for (let i = 0; i < 5; i++) await within(stopped.next());
    await waitFor(() => coordinator.stats().subscribers === 0, { what: 'the cut-off' });
    gate.resolve();
    const rest = await collect(stopped);
    assert.equal(rest.at(-1)?.type, 'overflow');
    assert.ok(rest.length <= 21, `${rest.length} after the pause`);
  });

  test('a reader that caught up and stops is cut off by live events', async (t) => {
    const { coordinator } = coordinatorWith(t, 1_000);
    const gate = deferred();
    coordinator.define('live', async (ctx) => {
      await gate.promise;
      for (let i = 1; i <= 200; i++) {
        ctx.emit('n', i);
        if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      return 'done';
    });
    const id = await coordinator.start('live', null);
    const reader = coordinator.subscribe(id, { maxQueuedEvents: 20 });
    assert.equal((await within(reader.next())).value?.type, 'started');
    gate.resolve();
    await waitFor(() => coordinator.stats().subscribers === 0, { what: 'the cut-off' });
    const rest = await collect(reader);
    assert.equal(rest.length, 21);
    assert.equal(rest.at(-1)?.type, 'overflow');
  });
});
