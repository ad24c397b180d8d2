// The read side on the Postgres backend, both engines: event streams (stored in order, followed
// from another backend on the same database, resumed with `after`, ended by one terminal event),
// task records and listings.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError, UnknownTaskError } from '../../src/index.js';
import { deferred, rejectionOf, unknownOption, waitFor, within } from '../helpers.js';
import { engines } from './engines.js';
import { allEvents, ended, makeBackend } from './helpers.js';

for (const engine of await engines()) {
  describe(`PostgresBackend events and records: ${engine.name}`, () => {
    test('a job records started, its own events and progress, and completed, with consecutive seqs', async () => {
      const backend = makeBackend(engine);
      backend.register('work', async (_payload, ctx) => {
        ctx.progress(0.25);
        ctx.emit('step', { name: 'fetch' });
        ctx.emit('empty');
        ctx.progress({ done: 3, of: 4 });
        return { rows: 3 };
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'work', payload: null });
      const events = await allEvents(backend, id);
      assert.deepEqual(
        events.map(({ seq, type, data }) => ({ seq, type, data })),
        [
          { seq: 1, type: 'started', data: { attempt: 1 } },
          { seq: 2, type: 'progress', data: { value: 0.25 } },
          { seq: 3, type: 'step', data: { name: 'fetch' } },
          { seq: 4, type: 'empty', data: null },
          { seq: 5, type: 'progress', data: { value: { done: 3, of: 4 } } },
          { seq: 6, type: 'completed', data: { result: { rows: 3 } } },
        ],
      );
      for (const event of events) {
        assert.equal(event.taskId, id);
        assert.ok(Math.abs(event.time - Date.now()) < 60_000, 'a plausible time');
      }
      const info = await backend.getTask(id);
      assert.equal(info?.lastSeq, 6);
      assert.deepEqual(info?.progress, { done: 3, of: 4 });
      assert.deepEqual(info?.result, { rows: 3 });
      assert.ok(
        info !== undefined && info.startedAt !== undefined && info.finishedAt !== undefined,
      );
      assert.ok(info.createdAt <= info.startedAt && info.startedAt <= info.finishedAt);
    });

    test('events are followed live from another backend on the same schema, and resumed with after', async () => {
      const schema = engine.newSchema();
      const worker = makeBackend(engine, { schema });
      const reader = makeBackend(engine, { schema, concurrency: 0, types: { slow: {} } });
      const gate = deferred();
      worker.register('slow', async (_payload, ctx) => {
        ctx.emit('halfway', { n: 1 });
        await gate.promise;
        ctx.emit('almost', { n: 2 });
        return 'done';
      });
      await worker.start();
      await reader.start();
      const { id } = await reader.submit({ type: 'slow', payload: null });
      const seen: string[] = [];
      const halfway = deferred();
      const following = (async () => {
        for await (const event of reader.events(id)) {
          seen.push(event.type);
          if (event.type === 'halfway') halfway.resolve();
        }
      })();
      await within(halfway.promise, { what: 'the live halfway event' });
      gate.resolve();
      await within(following, { timeout: 15_000 });
      assert.deepEqual(seen, ['started', 'halfway', 'almost', 'completed']);
      const resumed = [];
      for await (const event of reader.events(id, { after: 2 })) resumed.push(event.seq);
      assert.deepEqual(resumed, [3, 4]);
    });

    test('an unknown id rejects the first next() with UnknownTaskError; bad arguments are refused', async () => {
      const backend = makeBackend(engine);
      await backend.start();
      const iterator = backend.events('no-such-task')[Symbol.asyncIterator]();
      const error = await rejectionOf(iterator.next());
      assert.ok(error instanceof UnknownTaskError);
      assert.equal(error.taskId, 'no-such-task');
      const bad = await rejectionOf(
        backend.events('x', { after: -1 })[Symbol.asyncIterator]().next(),
      );
      assert.ok(bad instanceof InvalidArgumentError);
    });

    test('events and listTasks refuse an unknown option key and take every one of theirs', async () => {
      const backend = makeBackend(engine);
      backend.register('t', () => 'done');
      await backend.start();
      const { id } = await backend.submit({ type: 't', payload: null });
      assert.ok(
        unknownOption(
          "PostgresBackend.events options: unknown option 'afterSeq' (did you mean 'after'?)",
        )(
          await rejectionOf(
            backend
              .events(id, { afterSeq: 1 } as never)
              [Symbol.asyncIterator]()
              .next(),
          ),
        ),
      );
      assert.ok(
        unknownOption(
          "PostgresBackend.listTasks options: unknown option 'limt' (did you mean 'limit'?)",
        )(await rejectionOf(backend.listTasks({ limt: 5 } as never))),
      );
      const types: string[] = [];
      const signal = new AbortController().signal;
      for await (const event of backend.events(id, { after: 0, signal })) types.push(event.type);
      assert.deepEqual(types, ['started', 'completed']);
      const listed = await backend.listTasks({
        state: 'succeeded',
        type: 't',
        limit: 5,
        cursor: 'x',
      });
      assert.deepEqual(listed, [], 'nothing is older than an unknown cursor');
    });

    test('aborting the signal ends a follower waiting for events', async () => {
      const backend = makeBackend(engine);
      const started = deferred();
      backend.register('hang', (_payload, ctx) => {
        started.resolve();
        return ctx.token.cancelled();
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'hang', payload: null });
      await within(started.promise);
      const controller = new AbortController();
      const seen: string[] = [];
      const following = (async () => {
        for await (const event of backend.events(id, { signal: controller.signal })) {
          seen.push(event.type);
        }
      })();
      // Once it has `started`, the follower waits for what comes next.
      await waitFor(() => seen.length === 1, { what: 'the started event' });
      controller.abort();
      await within(following, { what: 'the follower to stop after abort' });
      assert.deepEqual(seen, ['started']);
    });

    test('a handler cannot emit reserved types or non-JSON data', async () => {
      const backend = makeBackend(engine);
      const errors = deferred<unknown[]>();
      backend.register('t', (_payload, ctx) => {
        const caught: unknown[] = [];
        for (const call of [
          () => ctx.emit('completed', {}),
          () => ctx.emit('started'),
          () => ctx.emit('', 1),
          () => ctx.emit('ok', { n: 1n }),
          () => ctx.progress(() => {}),
        ]) {
          try {
            call();
          } catch (error) {
            caught.push(error);
          }
        }
        errors.resolve(caught);
      });
      await backend.start();
      const { id } = await backend.submit({ type: 't', payload: null });
      const caught = await within(errors.promise);
      assert.equal(caught.length, 5);
      assert.ok(caught.slice(0, 3).every((error) => error instanceof InvalidArgumentError));
      assert.ok(caught.slice(3).every((error) => (error as Error).name === 'InvalidPayloadError'));
      const events = await allEvents(backend, id);
      assert.deepEqual(
        events.map((event) => event.type),
        ['started', 'completed'],
      );
    });

    test('a result that is not JSON is recorded as null; the job still succeeds', async () => {
      const backend = makeBackend(engine);
      backend.register('t', () => ({ n: 1n }));
      await backend.start();
      const { id } = await backend.submit({ type: 't', payload: null });
      const info = await ended(backend, id);
      assert.equal(info.state, 'succeeded');
      assert.equal(info.result, null);
    });

    test('listTasks: newest first, by state and type, paged with a cursor', async () => {
      const backend = makeBackend(engine, { concurrency: 0, types: { a: {}, b: {} } });
      await backend.start();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(
          (await backend.submit({ id: `job-${i}`, type: i % 2 ? 'b' : 'a', payload: i })).id,
        );
      }
      await backend.cancel('job-1');
      const all = await backend.listTasks();
      assert.deepEqual(
        all.map((info) => info.id),
        ['job-4', 'job-3', 'job-2', 'job-1', 'job-0'],
      );
      const page1 = await backend.listTasks({ limit: 2 });
      const page2 = await backend.listTasks({ limit: 2, cursor: page1.at(-1)?.id as string });
      assert.deepEqual(
        [...page1, ...page2].map((info) => info.id),
        ['job-4', 'job-3', 'job-2', 'job-1'],
      );
      assert.deepEqual(
        (await backend.listTasks({ type: 'b' })).map((info) => info.id),
        ['job-3', 'job-1'],
      );
      assert.deepEqual(
        (await backend.listTasks({ state: 'cancelled' })).map((info) => info.id),
        ['job-1'],
      );
      assert.deepEqual(
        (await backend.listTasks({ state: ['queued'], type: 'a' })).map((info) => info.id),
        ['job-4', 'job-2', 'job-0'],
      );
      for (const bad of [{ limit: 0 }, { limit: 1001 }, { state: 'done' }, { type: 3 }]) {
        const error = await rejectionOf(backend.listTasks(bad as never));
        assert.ok(error instanceof InvalidArgumentError, JSON.stringify(bad));
      }
    });
  });
}
