// The TaskBackend contract on the Postgres backend, both engines: what submit accepts and
// refuses, how a handler is called, the backend's life, and its options.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import {
  BackendNotStartedError,
  BackendShutDownError,
  CancelToken,
  DuplicateTaskIdError,
  InvalidArgumentError,
  InvalidPayloadError,
  PayloadTooLargeError,
  Runtime,
  type TaskBackend,
  type TaskEventSource,
  UnknownTaskTypeError,
} from '../../src/index.js';
import { PostgresBackend } from '../../src/postgres/index.js';
import { deferred, rejectionOf, silentLogger, unknownOption, waitFor, within } from '../helpers.js';
import { engines } from './engines.js';
import { allEvents, ended, makeBackend } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const engine of await engines()) {
  describe(`PostgresBackend submit and run: ${engine.name}`, () => {
    test('a submitted job runs its handler with the payload and a context', async () => {
      const backend = makeBackend(engine);
      const seen = deferred<{ payload: unknown; ctx: Record<string, unknown> }>();
      backend.register('greet', (payload, ctx) => {
        seen.resolve({ payload, ctx: { ...ctx } });
        return `hello ${(payload as { name: string }).name}`;
      });
      await backend.start();
      const result = await backend.submit({ type: 'greet', payload: { name: 'Ada', n: [1, 2] } });
      assert.equal(result.outcome, 'inserted');
      assert.match(result.id, UUID);
      const { payload, ctx } = await within(seen.promise);
      assert.deepEqual(payload, { name: 'Ada', n: [1, 2] });
      assert.equal(ctx.id, result.id);
      assert.equal(ctx.type, 'greet');
      assert.equal(ctx.attempt, 1);
      const info = await ended(backend, result.id);
      assert.equal(info.state, 'succeeded');
      assert.equal(info.result, 'hello Ada');
      assert.equal(info.attempts, 1);
    });

    test('the payload reaches the handler exactly as submitted (key order, unicode, numbers)', async () => {
      const backend = makeBackend(engine);
      const seen = deferred<unknown>();
      backend.register('echo', (payload) => seen.resolve(payload));
      await backend.start();
      const payload = {
        z: 1,
        a: 'é漢🙂',
        m: -0.125,
        big: 12345678901234,
        nested: { b: null, a: [] },
      };
      await backend.submit({ type: 'echo', payload });
      const got = await within(seen.promise);
      assert.deepEqual(got, payload);
      assert.deepEqual(Object.keys(got as object), ['z', 'a', 'm', 'big', 'nested']);
    });

    test('a caller-provided id is used; a malformed one or a duplicate is refused', async () => {
      const backend = makeBackend(engine);
      backend.register('t', () => {});
      await backend.start();
      const { id } = await backend.submit({ id: 'order-42', type: 't', payload: null });
      assert.equal(id, 'order-42');
      const duplicate = await rejectionOf(
        backend.submit({ id: 'order-42', type: 't', payload: 1 }),
      );
      assert.ok(duplicate instanceof DuplicateTaskIdError, String(duplicate));
      await ended(backend, 'order-42');
      // Still refused once finished: the record is kept.
      assert.ok(
        (await rejectionOf(backend.submit({ id: 'order-42', type: 't', payload: 1 }))) instanceof
          DuplicateTaskIdError,
      );
      for (const bad of ['', '-x', 'a b', 'x'.repeat(129), 42]) {
        const error = await rejectionOf(
          backend.submit({ id: bad as string, type: 't', payload: 1 }),
        );
        assert.ok(error instanceof InvalidArgumentError, `id ${String(bad)}: ${String(error)}`);
      }
    });

    test('a duplicate id inside a batch refuses only that submit', async () => {
      const backend = makeBackend(engine);
      backend.register('t', () => {});
      await backend.start();
      await backend.submit({ id: 'taken', type: 't', payload: null });
      const results = await Promise.allSettled([
        backend.submit({ id: 'b1', type: 't', payload: null }),
        backend.submit({ id: 'taken', type: 't', payload: null }),
        backend.submit({ id: 'b2', type: 't', payload: null }),
      ]);
      assert.equal(results[0]?.status, 'fulfilled');
      assert.equal(results[2]?.status, 'fulfilled');
      assert.ok(
        results[1]?.status === 'rejected' && results[1].reason instanceof DuplicateTaskIdError,
      );
    });

    test('payloads that are not JSON are refused at submit, naming the path; nothing is stored', async () => {
      const backend = makeBackend(engine);
      backend.register('t', () => {});
      await backend.start();
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      const cases: Array<[unknown, string]> = [
        [{ n: 1n }, 'payload.n'],
        [{ f: () => {} }, 'payload.f'],
        [{ when: new Date() }, 'payload.when'],
        [{ list: [1, Number.NaN] }, 'payload.list[1]'],
        [cycle, 'payload.self'],
        [undefined, 'payload'],
        [new Map(), 'payload'],
      ];
      for (const [payload, path] of cases) {
        const error = await rejectionOf(backend.submit({ type: 't', payload }));
        assert.ok(error instanceof InvalidPayloadError, String(error));
        assert.equal(error.path, path);
      }
      const big = await rejectionOf(backend.submit({ type: 't', payload: 'x'.repeat(1_048_577) }));
      assert.ok(big instanceof PayloadTooLargeError);
      assert.deepEqual((await backend.counts()).queued + (await backend.counts()).succeeded, 0);
    });

    test('an unknown type is refused; a type named in `types` is accepted without a handler', async () => {
      const producer = makeBackend(engine, { concurrency: 0, types: { 'email.send': {} } });
      await producer.start();
      const error = await rejectionOf(producer.submit({ type: 'nope', payload: null }));
      assert.ok(error instanceof UnknownTaskTypeError);
      assert.equal(error.taskType, 'nope');
      const bad = await rejectionOf(producer.submit({ type: 'has space', payload: null }));
      assert.ok(bad instanceof InvalidArgumentError);
      const { id } = await producer.submit({ type: 'email.send', payload: { to: 'a@b.c' } });
      assert.equal((await producer.getTask(id))?.state, 'queued');
    });

    test('the executor runs every type without a handler, with the whole task', async () => {
      const backend = makeBackend(engine);
      const seen = deferred<unknown>();
      backend.register('own', () => assert.fail('not this one'));
      backend.setExecutor((task, ctx) => seen.resolve({ ...task, attempt: ctx.attempt }));
      await backend.start();
      const { id } = await backend.submit({ type: 'any.type', payload: [1] });
      assert.deepEqual(await within(seen.promise), {
        id,
        type: 'any.type',
        payload: [1],
        attempt: 1,
      });
    });

    test('malformed durable options are refused at submit', async () => {
      const backend = makeBackend(engine);
      backend.register('t', () => {});
      await backend.start();
      const cases = [
        { priority: 1.5 },
        { priority: 2 ** 31 },
        { maxAttempts: 0 },
        { runAt: new Date(Number.NaN) },
        { runAt: 'soon' },
        { jobKey: '' },
        { jobKeyMode: 'merge' },
        { timeout: -1 },
      ];
      for (const extra of cases) {
        const error = await rejectionOf(
          backend.submit({ type: 't', payload: null, ...(extra as object) }),
        );
        assert.ok(error instanceof InvalidArgumentError, `${JSON.stringify(extra)}: ${error}`);
      }
      assert.ok((await rejectionOf(backend.submit(null as never))) instanceof InvalidArgumentError);
    });

    test('a task with an unknown key is refused at submit, naming the key it stands for', async () => {
      const backend = makeBackend(engine);
      backend.register('t', () => {});
      await backend.start();
      assert.ok(
        unknownOption(
          "PostgresBackend.submit task: unknown option 'runat' (did you mean 'runAt'?)",
        )(await rejectionOf(backend.submit({ type: 't', payload: null, runat: 1 } as never))),
      );
      assert.ok(
        unknownOption(
          "PostgresBackend.submit task: unknown option 'key'; valid options: id, jobKey, jobKeyMode, maxAttempts, payload, priority, runAt, timeout, type",
        )(
          await rejectionOf(
            backend.submitMany([
              { type: 't', payload: 1 },
              { type: 't', payload: 2, key: 'k' } as never,
            ]),
          ),
        ),
      );
      const { id } = await backend.submit({
        type: 't',
        payload: null,
        id: 'every-field',
        timeout: 1_000,
        runAt: Date.now(),
        priority: 1,
        maxAttempts: 2,
        jobKey: 'every-field',
        jobKeyMode: 'keep',
      });
      assert.equal((await ended(backend, id)).state, 'succeeded');
      assert.equal(backend.stats().submitted, 2, 'only the well-formed tasks were stored');
    });

    test('shutdown refuses an unknown option key and takes every one of its own', async () => {
      const backend = makeBackend(engine);
      await backend.start();
      assert.ok(
        unknownOption(
          "PostgresBackend.shutdown options: unknown option 'timout' (did you mean 'timeout'?)",
        )(await rejectionOf(backend.shutdown({ timout: 5 } as never))),
      );
      assert.equal(backend.state, 'started', 'a refused shutdown call does not start one');
      const report = await backend.shutdown({ timeout: 1_000, grace: 100, dropQueued: true });
      assert.equal(report.timedOut, false);
    });

    test('life: not started, started (idempotent), shut down (idempotent, no restart)', async () => {
      const backend = makeBackend(engine);
      backend.register('t', () => {});
      assert.equal(backend.state, 'created');
      const early = await rejectionOf(backend.submit({ type: 't', payload: null }));
      assert.ok(early instanceof BackendNotStartedError);
      await Promise.all([backend.start(), backend.start()]);
      assert.equal(backend.state, 'started');
      const first = backend.shutdown();
      assert.equal(backend.shutdown(), first);
      await first;
      assert.equal(backend.state, 'stopped');
      assert.ok(
        (await rejectionOf(backend.submit({ type: 't', payload: null }))) instanceof
          BackendShutDownError,
      );
      assert.ok((await rejectionOf(backend.start())) instanceof BackendShutDownError);
      assert.ok((await rejectionOf(backend.getTask('x'))) instanceof BackendShutDownError);
    });

    test('reads work before start(), and a producer never claims', async () => {
      const schema = engine.newSchema();
      const producer = makeBackend(engine, { schema, concurrency: 0, types: { t: {} } });
      assert.equal(await producer.getTask('missing'), undefined);
      await producer.start();
      const { id } = await producer.submit({ type: 't', payload: 1 });
      const worker = makeBackend(engine, { schema });
      const ran = deferred<string>();
      worker.register('t', (_payload, ctx) => ran.resolve(ctx.id));
      await worker.start();
      assert.equal(await within(ran.promise), id);
      assert.equal(producer.stats().claimed, 0);
      assert.equal(worker.stats().claimed, 1);
    });

    test('it is a TaskBackend and a TaskEventSource', async () => {
      const backend: TaskBackend & TaskEventSource = makeBackend(engine);
      backend.register('t', () => 7);
      await backend.start();
      const { id } = await backend.submit({ type: 't', payload: null });
      const events = await allEvents(backend as PostgresBackend, id);
      assert.deepEqual(
        events.map((event) => event.type),
        ['started', 'completed'],
      );
    });

    test('stats count this process', async () => {
      const backend = makeBackend(engine, { maxAttempts: 1 });
      backend.register('ok', () => {});
      backend.register('bad', () => {
        throw new Error('no');
      });
      await backend.start();
      const a = await backend.submit({ type: 'ok', payload: null });
      const b = await backend.submit({ type: 'bad', payload: null });
      await ended(backend, a.id);
      await ended(backend, b.id);
      // An outcome is counted when its write's answer comes back, a moment after the record
      // shows it.
      await waitFor(() => backend.stats().succeeded + backend.stats().failed === 2, {
        what: 'both outcomes to be counted',
      });
      const stats = backend.stats();
      assert.deepEqual(
        { ...stats },
        {
          queued: 0,
          running: 0,
          succeeded: 1,
          failed: 1,
          cancelled: 0,
          submitted: 2,
          retried: 0,
          released: 0,
          claimed: 2,
          leasesLost: 0,
        },
      );
    });
  });
}

describe('PostgresBackend options', () => {
  test('exactly one of connectionString and pglite; a schema is a lowercase identifier', () => {
    assert.throws(() => new PostgresBackend({}), InvalidArgumentError);
    assert.throws(
      () => new PostgresBackend({ connectionString: 'postgres://x', pglite: {} }),
      InvalidArgumentError,
    );
    for (const schema of ['Warden', 'a-b', '1x', '', 'x'.repeat(60)]) {
      assert.throws(() => new PostgresBackend({ pglite: {}, schema }), InvalidArgumentError);
    }
    const bad: object[] = [
      { concurrency: -1 },
      { concurrency: 1.5 },
      { leaseTimeout: 500 },
      { maxAttempts: 0 },
      { backoff: { factor: 0.5 } },
      { backoff: { jitter: 2 } },
      { types: { 'a b': {} } },
      { types: { t: { concurrency: 0 } } },
      { pollInterval: Number.POSITIVE_INFINITY },
      { runtime: {} },
    ];
    for (const options of bad) {
      assert.throws(
        () => new PostgresBackend({ pglite: {}, ...options }),
        InvalidArgumentError,
        JSON.stringify(options),
      );
    }
  });

  test('an unknown option key throws, at the top and in every nested options object', () => {
    const cases: Array<[object, string]> = [
      [
        { leaseMs: 5_000 },
        "PostgresBackend options: unknown option 'leaseMs' (did you mean 'leaseTimeout'?)",
      ],
      [
        { worker: false },
        "PostgresBackend options: unknown option 'worker' (did you mean 'workerId'?)",
      ],
      [
        { backoff: { initial: 5 } },
        "PostgresBackend options.backoff: unknown option 'initial' (did you mean 'initialDelay'?)",
      ],
      [
        { types: { 'pdf.render': { concurency: 2 } } },
        "PostgresBackend options.types[\"pdf.render\"]: unknown option 'concurency' (did you mean 'concurrency'?)",
      ],
      [
        { types: { t: { backoff: { maxDelayMs: 5 } } } },
        "PostgresBackend options.types[\"t\"].backoff: unknown option 'maxDelayMs' (did you mean 'maxDelay'?)",
      ],
      [
        { pglite: { dataDirectory: '/tmp/x' } },
        "PostgresBackend options.pglite: unknown option 'dataDirectory' (did you mean 'dataDir'?)",
      ],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => new PostgresBackend({ pglite: {}, runtime: false, ...options }),
        unknownOption(message),
      );
    }
    assert.throws(
      () => new PostgresBackend({ pglite: {}, parent: 1 } as never),
      unknownOption(
        "PostgresBackend options: unknown option 'parent'; valid options: backoff, concurrency, connectionString, failedRetention, leaseTimeout, logger, maxAttempts, maxPayloadBytes, migrate, name, onError, pglite, pollInterval, poolConfig, poolSize, prefetch, retention, runtime, schema, shutdownGrace, shutdownTimeout, token, types, workerId",
      ),
    );
  });

  test('every option at once is accepted; a PGlite instance is not checked as options', async () => {
    const backoff = { initialDelay: 1, maxDelay: 2, factor: 1, jitter: 0 };
    const common = {
      logger: silentLogger,
      name: 'all',
      schema: 'all_options',
      migrate: false,
      concurrency: 2,
      prefetch: 1,
      pollInterval: 100,
      leaseTimeout: 2_000,
      maxAttempts: 2,
      backoff,
      types: { t: { maxAttempts: 1, backoff, concurrency: 1, timeout: 1_000 } },
      retention: 1_000,
      failedRetention: null,
      workerId: 'me',
      onError: () => {},
      maxPayloadBytes: 1_000,
      shutdownTimeout: 1_000,
      shutdownGrace: 100,
      token: new CancelToken(),
      runtime: new Runtime({ logger: silentLogger }),
    };
    const onServer = new PostgresBackend({
      ...common,
      connectionString: 'postgres://nobody@127.0.0.1:1/none',
      poolSize: 2,
      poolConfig: { connectionTimeoutMillis: 100 },
    });
    assert.equal(onServer.workerId, 'me');
    assert.equal(
      new PostgresBackend({ ...common, pglite: { dataDir: '/tmp/unused' } }).name,
      'all',
    );
    const db = await PGlite.create();
    try {
      assert.ok(Object.keys(db).length > 0, 'an instance has keys of its own');
      assert.equal(new PostgresBackend({ ...common, pglite: db }).name, 'all');
    } finally {
      await db.close();
    }
  });
});
