// Which job runs when on the Postgres backend, both engines: run-at scheduling (woken by the
// NOTIFY's delay, not the poll), priorities and FIFO order, job keys, per-type concurrency, and
// several workers sharing one queue.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deferred, within } from '../helpers.js';
import { engines } from './engines.js';
import { ended, makeBackend } from './helpers.js';

for (const engine of await engines()) {
  describe(`PostgresBackend scheduling: ${engine.name}`, () => {
    test('a job with runAt starts at that time, not before, woken without the poll', async () => {
      // A poll interval far beyond the test: only the NOTIFY's delay can wake the worker.
      const backend = makeBackend(engine, { pollInterval: 60_000 });
      const ran = deferred<number>();
      backend.register('later', () => ran.resolve(Date.now()));
      await backend.start();
      const runAt = Date.now() + 400;
      const { id } = await backend.submit({ type: 'later', payload: null, runAt: new Date(runAt) });
      assert.equal((await backend.getTask(id))?.state, 'queued');
      const at = await within(ran.promise, { timeout: 5_000, what: 'the scheduled job' });
      assert.ok(at >= runAt - 20, `ran ${runAt - at} ms early`);
      assert.ok(at - runAt < 3_000, `ran ${at - runAt} ms late`);
    });

    test('a worker started after a job was scheduled finds it (next run-at on the poll)', async () => {
      const schema = engine.newSchema();
      const producer = makeBackend(engine, { schema, concurrency: 0, types: { later: {} } });
      await producer.start();
      const runAt = Date.now() + 600;
      await producer.submit({ type: 'later', payload: null, runAt });
      const worker = makeBackend(engine, { schema, pollInterval: 100 });
      const ran = deferred<number>();
      worker.register('later', () => ran.resolve(Date.now()));
      await worker.start();
      const at = await within(ran.promise, { timeout: 5_000 });
      assert.ok(at >= runAt - 20, `ran ${runAt - at} ms early`);
    });

    test('higher priority runs first; equal priorities run in submission order', async () => {
      const schema = engine.newSchema();
      const producer = makeBackend(engine, { schema, concurrency: 0, types: { t: {} } });
      await producer.start();
      const plan: Array<[string, number]> = [
        ['low-1', -5],
        ['mid-1', 0],
        ['high-1', 10],
        ['mid-2', 0],
        ['high-2', 10],
        ['mid-3', 0],
      ];
      for (const [id, priority] of plan)
        await producer.submit({ id, type: 't', payload: null, priority });
      const order: string[] = [];
      const worker = makeBackend(engine, { schema, concurrency: 1, prefetch: 0 });
      worker.register('t', (_payload, ctx) => {
        order.push(ctx.id);
      });
      await worker.start();
      await ended(worker, 'low-1');
      assert.deepEqual(order, ['high-1', 'high-2', 'mid-1', 'mid-2', 'mid-3', 'low-1']);
    });

    test("job keys: 'replace' updates the pending job in place, 'keep' leaves it", async () => {
      const backend = makeBackend(engine, { concurrency: 0, types: { sync: {} } });
      await backend.start();
      const later = Date.now() + 60_000;
      const first = await backend.submit({
        type: 'sync',
        payload: { v: 1 },
        jobKey: 'user:7',
        runAt: later,
      });
      assert.equal(first.outcome, 'inserted');
      const replaced = await backend.submit({ type: 'sync', payload: { v: 2 }, jobKey: 'user:7' });
      assert.deepEqual(replaced, { id: first.id, outcome: 'replaced' });
      const info = await backend.getTask(first.id);
      assert.deepEqual(info?.payload, { v: 2 });
      assert.ok((info?.runAt ?? later) < later, 'the schedule was replaced too');
      const kept = await backend.submit({
        type: 'sync',
        payload: { v: 3 },
        jobKey: 'user:7',
        jobKeyMode: 'keep',
      });
      assert.deepEqual(kept, { id: first.id, outcome: 'kept' });
      assert.deepEqual((await backend.getTask(first.id))?.payload, { v: 2 });
      assert.equal((await backend.counts()).queued, 1);
      const other = await backend.submit({ type: 'sync', payload: null, jobKey: 'user:8' });
      assert.notEqual(other.id, first.id);
    });

    test('a job key does not match a running or finished job', async () => {
      const backend = makeBackend(engine);
      const gate = deferred();
      const started = deferred();
      backend.register('k', async () => {
        started.resolve();
        await gate.promise;
      });
      await backend.start();
      const first = await backend.submit({ type: 'k', payload: 1, jobKey: 'same' });
      await within(started.promise);
      const second = await backend.submit({ type: 'k', payload: 2, jobKey: 'same' });
      assert.notEqual(second.id, first.id);
      assert.equal(second.outcome, 'inserted');
      gate.resolve();
      await ended(backend, first.id);
      await ended(backend, second.id);
    });

    test('per-type concurrency caps how many of a type run at once in a worker', async () => {
      const backend = makeBackend(engine, {
        concurrency: 8,
        types: { capped: { concurrency: 2 } },
      });
      let running = 0;
      let peak = 0;
      let free = 0;
      backend.register('capped', async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running--;
      });
      backend.register('free', async () => {
        free++;
      });
      await backend.start();
      const ids: string[] = [];
      for (let i = 0; i < 8; i++)
        ids.push((await backend.submit({ type: 'capped', payload: i })).id);
      for (let i = 0; i < 4; i++) ids.push((await backend.submit({ type: 'free', payload: i })).id);
      for (const id of ids) await ended(backend, id);
      assert.equal(peak, 2);
      assert.equal(free, 4);
    });

    test('several workers share one queue: every job runs exactly once', async () => {
      const schema = engine.newSchema();
      const runs = new Map<string, number>();
      const workers = [0, 1, 2].map(() => {
        const worker = makeBackend(engine, { schema, concurrency: 3 });
        worker.register('count', async (_payload, ctx) => {
          runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 2));
        });
        return worker;
      });
      for (const worker of workers) await worker.start();
      const submitted = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          (workers[i % 3] as (typeof workers)[number]).submit({ type: 'count', payload: i }),
        ),
      );
      for (const { id } of submitted) await ended(workers[0] as (typeof workers)[number], id);
      assert.equal(runs.size, 60);
      assert.ok([...runs.values()].every((count) => count === 1));
      const claimed = workers.map((worker) => worker.stats().claimed);
      assert.equal(
        claimed.reduce((a, b) => a + b),
        60,
      );
    });
  });
}
