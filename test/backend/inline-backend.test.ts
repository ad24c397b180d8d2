// InlineBackend: the seed's SyncTaskBackend. It runs the task inside submit.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InlineBackend } from '../../src/index.js';
import { deferred, silentLogger, within } from '../helpers.js';

describe('InlineBackend', () => {
  test('runs the task at once: the handler starts within the submit call (seed)', async () => {
    const backend = new InlineBackend({ logger: silentLogger });
    const calls: string[] = [];
    backend.register('t', () => {
      calls.push('handler');
    });
    await backend.start();
    const pending = backend.submit({ type: 't', payload: null });
    calls.push('after submit()');
    await pending;
    assert.deepEqual(calls, ['handler', 'after submit()']);
    assert.equal(backend.stats().succeeded, 1);
    await backend.shutdown();
  });

  test('submit resolves only once an async handler has ended, however it ended', async () => {
    const backend = new InlineBackend({ logger: silentLogger });
    const gate = deferred();
    let ended = false;
    backend.register('t', async () => {
      await gate.promise;
      ended = true;
      throw new Error('failed after the gate');
    });
    await backend.start();
    let resolved = false;
    const pending = backend.submit({ type: 't', payload: null }).then((result) => {
      resolved = true;
      return result;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(resolved, false);
    gate.resolve();
    const { id } = await within(pending);
    assert.equal(ended, true);
    assert.equal(typeof id, 'string');
    assert.equal(backend.stats().failed, 1);
    await backend.shutdown();
  });

  test('concurrent submits run concurrently: there is no queue', async () => {
    const backend = new InlineBackend({ logger: silentLogger });
    const gate = deferred();
    backend.register('t', () => gate.promise);
    await backend.start();
    const all = [1, 2, 3].map((n) => backend.submit({ type: 't', payload: n }));
    assert.deepEqual(backend.stats(), {
      queued: 0,
      running: 3,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      submitted: 3,
    });
    gate.resolve();
    await within(Promise.all(all));
    assert.equal(backend.stats().succeeded, 3);
    await backend.shutdown();
  });

  test('a handler may submit to its own backend (nested, also inline)', async () => {
    const backend = new InlineBackend({ logger: silentLogger });
    const seen: number[] = [];
    backend.register<number>('countdown', async (n) => {
      seen.push(n);
      if (n > 0) await backend.submit({ type: 'countdown', payload: n - 1 });
    });
    await backend.start();
    await backend.submit({ type: 'countdown', payload: 3 });
    assert.deepEqual(seen, [3, 2, 1, 0]);
    await backend.shutdown();
  });
});
