// Text the database refuses never re-runs a task, both engines: a cancel reason or an error
// message with a lone surrogate, a NUL, or an emoji that a clip would cut in half is stored
// (made valid), the task ends as it should and runs once; event data and results with such
// strings round-trip; a NUL in an id, a filter or a job key is a bad argument or an unknown task,
// never a database error.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CancelReason, InvalidArgumentError, UnknownTaskError } from '../../src/index.js';
import { deferred, rejectionOf, within } from '../helpers.js';
import { engines } from './engines.js';
import { allEvents, ended, makeBackend } from './helpers.js';

const LONE = 'half \uD83D of a face';
const NUL = 'a\u0000b';
/** 999 units, then an emoji whose two halves straddle the 1,000-unit clip. */
const STRADDLING = `${'x'.repeat(998)}😀tail`;

for (const engine of await engines()) {
  describe(`PostgresBackend and hostile text: ${engine.name}`, () => {
    test('a cancel reason the database would refuse is stored valid; the task never runs again', async () => {
      const schema = engine.newSchema();
      const worker = makeBackend(engine, { schema, leaseTimeout: 1_000, maxAttempts: 3 });
      const started = deferred();
      let runs = 0;
      worker.register('t', async (_payload, ctx) => {
        runs++;
        started.resolve();
        await ctx.token.cancelled();
        ctx.token.throwIfCancelled();
      });
      await worker.start();
      const { id } = await worker.submit({ type: 't', payload: null });
      await within(started.promise);
      assert.equal(await worker.cancel(id, CancelReason.requested(`${LONE} ${NUL}`)), true);
      const info = await ended(worker, id);
      assert.equal(info.state, 'cancelled');
      assert.equal(info.cancelReason?.message, 'half \uFFFD of a face ab');
      assert.ok(info.cancelReason?.message.isWellFormed());
      assert.equal(runs, 1);
      assert.equal(info.attempts, 1);
    });

    test('a failure whose message the database would refuse ends the task once, as failed', async () => {
      const schema = engine.newSchema();
      const worker = makeBackend(engine, { schema, leaseTimeout: 1_000, maxAttempts: 3 });
      let runs = 0;
      worker.register('t', () => {
        runs++;
        throw Object.assign(new Error(STRADDLING), { retryable: false, code: NUL });
      });
      await worker.start();
      const { id } = await worker.submit({ type: 't', payload: null });
      const info = await ended(worker, id);
      assert.equal(info.state, 'failed');
      assert.equal(runs, 1);
      const message = info.error?.message ?? '';
      assert.ok(message.isWellFormed(), 'the clip does not cut the emoji in half');
      assert.equal(message, `${'x'.repeat(998)}…`);
      assert.equal(info.error?.code, 'ab');
      assert.deepEqual(
        info.errors.map((error) => error.attempt),
        [1],
      );
    });

    test('event data and results with such strings round-trip unchanged', async () => {
      const schema = engine.newSchema();
      const worker = makeBackend(engine, { schema });
      worker.register('t', (_payload, ctx) => {
        ctx.emit('note', { lone: LONE, nul: NUL });
        return { lone: LONE, nul: NUL };
      });
      await worker.start();
      const { id } = await worker.submit({ type: 't', payload: { lone: LONE } });
      const events = await allEvents(worker, id);
      assert.deepEqual(events.find((event) => event.type === 'note')?.data, {
        lone: LONE,
        nul: NUL,
      });
      const info = await worker.getTask(id);
      assert.deepEqual(info?.result, { lone: LONE, nul: NUL });
      assert.deepEqual(info?.payload, { lone: LONE });
    });

    test('a NUL in an id, a filter or a job key is refused or unknown, never a database error', async () => {
      const worker = makeBackend(engine, { concurrency: 0, types: { t: {} } });
      await worker.start();
      assert.equal(await worker.getTask(NUL), undefined);
      assert.equal(await worker.cancel(NUL), false);
      assert.equal(await worker.retry(NUL), undefined);
      assert.ok((await rejectionOf(allEvents(worker, NUL))) instanceof UnknownTaskError);
      for (const options of [{ type: NUL }, { cursor: NUL }, { type: '\uD800' }]) {
        const error = await rejectionOf(worker.listTasks(options));
        assert.ok(error instanceof InvalidArgumentError, `${JSON.stringify(options)}: ${error}`);
      }
      const error = await rejectionOf(worker.submit({ type: 't', payload: null, jobKey: NUL }));
      assert.ok(error instanceof InvalidArgumentError, String(error));
      assert.equal(error.argument, 'task.jobKey');
    });
  });
}
