// The coordinator suite, part: Seed 002 test_race_conditions.py: completion/cancellation, connect/disconnect, exceptions during cancellation, memory pressure, state after all of it.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { sleep } from '../../../src/index.js';
import { type Deferred, deferred, waitFor, within } from '../../helpers.js';
import { assertWellFormed, collect, lastData, makeCoordinator, types } from '../helpers.js';

import { type SuiteContext, startWaiting, waiter } from './context.js';

/** Register this part of the suite. */
export function raceConditionsTests({ factory, it, slow }: SuiteContext): void {
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
      const id = await startWaiting(coordinator);
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
