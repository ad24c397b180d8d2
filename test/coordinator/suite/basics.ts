// The coordinator suite, part: the basics (start, get, list, failures, bad input, definitions).

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { InvalidArgumentError, UnknownTaskError } from '../../../src/index.js';
import { rejectionOf } from '../../helpers.js';
import { assertWellFormed, collect, lastData, makeCoordinator } from '../helpers.js';

import type { SuiteContext } from './context.js';

/** Register this part of the suite. */
export function basicsTests({ factory, it }: SuiteContext): void {
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
}
