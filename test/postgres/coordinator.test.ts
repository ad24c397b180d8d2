// The TaskCoordinator runs unchanged on the Postgres backend (both engines): a task defined and
// started through the coordinator runs, and its events reach a subscriber in order, ending with
// one terminal event; a cancellation through the coordinator reaches the handler.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sleep, TaskCoordinator } from '../../src/index.js';
import { deferred, silentLogger, within } from '../helpers.js';
import { engines } from './engines.js';
import { makeBackend } from './helpers.js';

for (const engine of await engines()) {
  describe(`TaskCoordinator on PostgresBackend: ${engine.name}`, () => {
    test('define, start, subscribe, cancel', async () => {
      const backend = makeBackend(engine);
      const coordinator = new TaskCoordinator({ backend, logger: silentLogger, runtime: false });
      coordinator.define<{ n: number }>('count', async (ctx) => {
        for (let i = 1; i <= ctx.input.n; i++) ctx.progress(i / ctx.input.n);
        return { counted: ctx.input.n };
      });
      const started = deferred();
      coordinator.define('forever', async (ctx) => {
        started.resolve();
        await sleep(60_000, ctx.token);
      });
      const id = await coordinator.start('count', { n: 2 });
      const events = [];
      for await (const event of coordinator.subscribe(id)) events.push([event.seq, event.type]);
      assert.deepEqual(events, [
        [1, 'started'],
        [2, 'progress'],
        [3, 'progress'],
        [4, 'completed'],
      ]);
      assert.equal((await coordinator.get(id))?.status, 'succeeded');
      const long = await coordinator.start('forever');
      await within(started.promise);
      assert.equal(await coordinator.cancel(long), true);
      const last = [];
      for await (const event of coordinator.subscribe(long)) last.push(event.type);
      assert.equal(last.at(-1), 'cancelled');
      await coordinator.shutdown();
    });
  });
}
