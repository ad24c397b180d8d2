// Failures on the Postgres backend, both engines: retries with backoff, attempts per type and per
// job, dead letters with their error history (listed and retried), failures that are not worth
// retrying, non-Error throws, and timeouts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidPayloadError, NonErrorThrownError, sleep } from '../../src/index.js';
import { deferred, rejectionOf, unknownOption, waitFor, within } from '../helpers.js';
import { engines } from './engines.js';
import { allEvents, ended, makeBackend } from './helpers.js';

const FAST = { initialDelay: 20, maxDelay: 100, factor: 2, jitter: 0 };

for (const engine of await engines()) {
  describe(`PostgresBackend retries and dead letters: ${engine.name}`, () => {
    test('a failing job is retried with backoff, then kept as failed with every error', async () => {
      const failures: Array<{ attempt: number; at: number }> = [];
      const reported: number[] = [];
      const backend = makeBackend(engine, {
        maxAttempts: 3,
        backoff: { initialDelay: 150, maxDelay: 1_000, factor: 2, jitter: 0 },
        onError: (_error, task) => reported.push(task.attempt),
      });
      backend.register('flaky', (_payload, ctx) => {
        failures.push({ attempt: ctx.attempt, at: performance.now() });
        throw new Error(`boom ${ctx.attempt}`);
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'flaky', payload: { n: 1 } });
      const events = await allEvents(backend, id);
      assert.deepEqual(
        events.map((event) => event.type),
        ['started', 'started', 'started', 'failed'],
      );
      assert.deepEqual(
        events.slice(0, 3).map((event) => event.data),
        [{ attempt: 1 }, { attempt: 2 }, { attempt: 3 }],
      );
      assert.deepEqual(events[3]?.data, {
        error: { name: 'Error', message: 'boom 3' },
        timeout: false,
        attempt: 3,
      });
      assert.deepEqual(
        failures.map((failure) => failure.attempt),
        [1, 2, 3],
      );
      // Backoff: 150 ms, then 300 ms (no jitter); allow for timer slack only upwards.
      const [a, b, c] = failures.map((failure) => failure.at) as [number, number, number];
      assert.ok(b - a >= 140, `second attempt after ${b - a} ms`);
      assert.ok(c - b >= 290, `third attempt after ${c - b} ms`);
      assert.deepEqual(reported, [1, 2, 3]);
      const info = await backend.getTask(id);
      assert.equal(info?.state, 'failed');
      assert.equal(info?.attempts, 3);
      assert.deepEqual(info?.error, { name: 'Error', message: 'boom 3' });
      assert.deepEqual(
        info?.errors.map((error) => [error.attempt, error.message]),
        [
          [1, 'boom 1'],
          [2, 'boom 2'],
          [3, 'boom 3'],
        ],
      );
      // Counted when the write's answer comes back, a moment after the record shows it.
      await waitFor(() => backend.stats().failed === 1, { what: 'the failure to be counted' });
      const stats = backend.stats();
      assert.deepEqual([stats.retried, stats.failed], [2, 1]);
    });

    test('dead letters are listed, and retry() runs a copy under a new id', async () => {
      const backend = makeBackend(engine, { maxAttempts: 1 });
      let fail = true;
      backend.register('once', (payload) => {
        if (fail) throw new Error('not yet');
        return payload;
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'once', payload: { keep: 'me' } });
      assert.equal((await ended(backend, id)).state, 'failed');
      const dead = await backend.listTasks({ state: 'failed' });
      assert.deepEqual(
        dead.map((info) => info.id),
        [id],
      );
      fail = false;
      const again = await backend.retry(id, { id: 'second-try' });
      assert.deepEqual(again, { id: 'second-try', outcome: 'inserted' });
      const info = await ended(backend, 'second-try');
      assert.equal(info.state, 'succeeded');
      assert.deepEqual(info.result, { keep: 'me' });
      assert.equal(info.retryOf, id);
      assert.equal((await backend.getTask(id))?.state, 'failed', 'the original keeps its record');
      assert.equal(await backend.retry('second-try'), undefined, 'a succeeded job is not retried');
      assert.equal(await backend.retry('unknown'), undefined);
    });

    test('retry refuses an unknown option key and takes every one of its own', async () => {
      const backend = makeBackend(engine, { maxAttempts: 1 });
      backend.register('fails', () => {
        throw new Error('no');
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'fails', payload: null });
      assert.equal((await ended(backend, id)).state, 'failed');
      assert.ok(
        unknownOption(
          "PostgresBackend.retry options: unknown option 'attempts'; valid options: id, maxAttempts",
        )(await rejectionOf(backend.retry(id, { attempts: 2 } as never))),
      );
      const again = await backend.retry(id, { id: 'retried', maxAttempts: 2 });
      assert.equal(again?.id, 'retried');
      assert.equal((await ended(backend, 'retried')).maxAttempts, 2);
    });

    test('per-job maxAttempts wins over the type, which wins over the backend', async () => {
      const backend = makeBackend(engine, {
        maxAttempts: 5,
        backoff: FAST,
        types: { typed: { maxAttempts: 2 } },
      });
      const attempts = new Map<string, number>();
      const fail = (_payload: unknown, ctx: { id: string; attempt: number }) => {
        attempts.set(ctx.id, ctx.attempt);
        throw new Error('x');
      };
      backend.register('typed', fail);
      backend.register('plain', fail);
      await backend.start();
      const typed = await backend.submit({ type: 'typed', payload: null });
      const own = await backend.submit({ type: 'typed', payload: null, maxAttempts: 1 });
      const plain = await backend.submit({ type: 'plain', payload: null, maxAttempts: 3 });
      for (const { id } of [typed, own, plain]) await ended(backend, id);
      assert.deepEqual(
        [typed, own, plain].map(({ id }) => attempts.get(id)),
        [2, 1, 3],
      );
    });

    test('a payload the handler rejects fails at once with the reason, never retried', async () => {
      const backend = makeBackend(engine, { maxAttempts: 10, backoff: FAST });
      let calls = 0;
      backend.register('strict', (payload) => {
        calls++;
        if (typeof (payload as { to?: unknown }).to !== 'string') {
          throw new InvalidPayloadError('payload.to', 'must be a string');
        }
      });
      backend.register('opt-out', () => {
        calls++;
        throw Object.assign(new Error('card declined'), { retryable: false });
      });
      await backend.start();
      const a = await backend.submit({ type: 'strict', payload: { to: 42 } });
      const b = await backend.submit({ type: 'opt-out', payload: null });
      const infoA = await ended(backend, a.id);
      const infoB = await ended(backend, b.id);
      assert.equal(calls, 2);
      assert.equal(infoA.state, 'failed');
      assert.equal(infoA.attempts, 1);
      assert.equal(infoA.error?.code, 'WARDEN_ERR_INVALID_PAYLOAD');
      assert.match(infoA.error?.message ?? '', /payload\.to must be a string/);
      assert.equal(infoB.state, 'failed');
      assert.equal(infoB.error?.message, 'card declined');
    });

    test('a handler that throws non-Error values fails with a NonErrorThrownError', async () => {
      const backend = makeBackend(engine, { maxAttempts: 1 });
      const thrown: unknown[] = ['a string', 42, { shape: 'object' }, null, undefined];
      backend.register('weird', (payload) => {
        throw thrown[payload as number];
      });
      await backend.start();
      for (let i = 0; i < thrown.length; i++) {
        const { id } = await backend.submit({ type: 'weird', payload: i });
        const info = await ended(backend, id);
        assert.equal(info.state, 'failed');
        assert.equal(info.error?.name, 'NonErrorThrownError');
        assert.equal(info.error?.code, new NonErrorThrownError(0).code);
      }
      const info = await backend.listTasks({ state: 'failed', limit: 5 });
      assert.deepEqual(info.map((task) => task.error?.message).reverse(), [
        'a string',
        '42',
        '{"shape":"object"}',
        'null',
        'undefined',
      ]);
    });

    test('odd errors and results are stored: NUL characters, huge messages, odd names', async () => {
      const backend = makeBackend(engine, { maxAttempts: 1 });
      backend.register('nul', () => {
        throw Object.assign(new Error('bad\u0000byte'), { code: 'E\u0000X' });
      });
      backend.register('huge', () => {
        throw new Error('é'.repeat(50_000));
      });
      backend.register('result', () => ({ text: 'a\u0000b', emoji: '🙂' }));
      await backend.start();
      const nul = await backend.submit({ type: 'nul', payload: null });
      const huge = await backend.submit({ type: 'huge', payload: null });
      const result = await backend.submit({ type: 'result', payload: null });
      const a = await ended(backend, nul.id);
      assert.equal(a.state, 'failed');
      assert.deepEqual(a.error, { name: 'Error', message: 'badbyte', code: 'EX' });
      const b = await ended(backend, huge.id);
      assert.equal(b.state, 'failed');
      assert.ok((b.error?.message.length ?? 0) <= 1_000);
      const c = await ended(backend, result.id);
      assert.equal(c.state, 'succeeded');
      assert.deepEqual(c.result, { text: 'a\u0000b', emoji: '🙂' });
    });

    test('a timeout fails the attempt with a TimeoutError (timeout: true), and is retried', async () => {
      const backend = makeBackend(engine, { maxAttempts: 2, backoff: FAST });
      const seen = deferred<string | undefined>();
      let attempts = 0;
      backend.register('slow', async (_payload, ctx) => {
        attempts++;
        await sleep(10_000, ctx.token).catch(() => seen.resolve(ctx.token.reason?.kind));
        throw new Error('interrupted');
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'slow', payload: null, timeout: 50 });
      assert.equal(await within(seen.promise), 'timeout');
      const events = await allEvents(backend, id);
      const last = events.at(-1);
      assert.equal(last?.type, 'failed');
      assert.deepEqual(
        { ...(last?.data as object), error: undefined },
        { error: undefined, timeout: true, attempt: 2 },
      );
      assert.equal(
        ((last as { data: unknown }).data as { error: { code: string } }).error.code,
        'WARDEN_ERR_TIMEOUT',
      );
      assert.equal(attempts, 2);
    });

    test('a type timeout applies when the job sets none', async () => {
      const backend = makeBackend(engine, { maxAttempts: 1, types: { slow: { timeout: 50 } } });
      backend.register('slow', (_payload, ctx) => sleep(10_000, ctx.token));
      await backend.start();
      const { id } = await backend.submit({ type: 'slow', payload: null });
      const info = await ended(backend, id);
      assert.equal(info.state, 'failed');
      assert.equal(info.error?.code, 'WARDEN_ERR_TIMEOUT');
    });
  });
}
