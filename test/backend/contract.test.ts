// The TaskBackend contract, run against every in-memory backend: the same calling code must see
// the same behaviour inline and in-process.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BackendNotStartedError,
  type BackendOptions,
  BackendShutDownError,
  CancelledError,
  CancelReason,
  CancelToken,
  DuplicateTaskIdError,
  InlineBackend,
  InProcessBackend,
  InvalidArgumentError,
  InvalidPayloadError,
  PayloadTooLargeError,
  Runtime,
  type TaskBackend,
  UnknownTaskTypeError,
} from '../../src/index.js';
import {
  captureLogger,
  deferred,
  rejectionOf,
  silentLogger,
  unknownOption,
  within,
} from '../helpers.js';

interface Made {
  backend: InlineBackend | InProcessBackend;
  entries: ReturnType<typeof captureLogger>['entries'];
}

const kinds = {
  inline: (options = {}): Made => {
    const { logger, entries } = captureLogger();
    return { backend: new InlineBackend({ logger, ...options }), entries };
  },
  'in-process': (options = {}): Made => {
    const { logger, entries } = captureLogger();
    return { backend: new InProcessBackend({ logger, ...options }), entries };
  },
} as const;

/**
 * Submit, and resolve once the handler has started (it resolves `started` with `ctx.id`), without
 * awaiting `submit`: the inline backend's resolves only when the handler has ended.
 */
async function submitRunning(
  backend: TaskBackend,
  started: Promise<string>,
  spec: { type: string; payload: unknown; id?: string },
): Promise<{ id: string; submitted: Promise<{ id: string }> }> {
  const submitted = backend.submit(spec);
  const id = await within(started, { what: 'the handler to start' });
  return { id, submitted };
}

for (const [kind, make] of Object.entries(kinds)) {
  describe(`TaskBackend contract: ${kind}`, () => {
    test('a submitted task runs its registered handler with the payload and a context', async () => {
      const { backend } = make();
      const seen = deferred<{ payload: unknown; ctx: Record<string, unknown> }>();
      backend.register('greet', (payload, ctx) => {
        seen.resolve({ payload, ctx: { ...ctx } });
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'greet', payload: { name: 'Ada' } });
      const { payload, ctx } = await within(seen.promise);
      assert.deepEqual(payload, { name: 'Ada' });
      assert.equal(ctx.id, id);
      assert.equal(ctx.type, 'greet');
      assert.equal(ctx.attempt, 1);
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      await backend.shutdown();
    });

    test('a caller-provided id is used; a malformed one or a live duplicate is refused', async () => {
      const { backend } = make();
      const gate = deferred();
      const started = deferred<string>();
      backend.register('wait', async (_payload, ctx) => {
        started.resolve(ctx.id);
        await gate.promise;
      });
      await backend.start();
      const { id, submitted } = await submitRunning(backend, started.promise, {
        type: 'wait',
        payload: null,
        id: 'order-42:v1',
      });
      assert.equal(id, 'order-42:v1');
      const dup = await rejectionOf(backend.submit({ type: 'wait', payload: null, id }));
      assert.ok(dup instanceof DuplicateTaskIdError);
      assert.equal(dup.taskId, id);
      for (const bad of ['', 'has space', '/slash', 'x'.repeat(129), 42]) {
        const error = await rejectionOf(
          backend.submit({ type: 'wait', payload: null, id: bad as string }),
        );
        assert.ok(error instanceof InvalidArgumentError, `id ${String(bad)}`);
        assert.equal(error.argument, 'task.id');
      }
      gate.resolve();
      await submitted;
      await backend.shutdown();
    });

    test('submit before start is refused with BackendNotStartedError', async () => {
      const { backend } = make();
      let ran = false;
      backend.register('t', () => {
        ran = true;
      });
      const error = await rejectionOf(backend.submit({ type: 't', payload: null }));
      assert.ok(error instanceof BackendNotStartedError);
      assert.equal(error.code, 'WARDEN_ERR_BACKEND_NOT_STARTED');
      assert.equal(ran, false);
      assert.equal(backend.stats().submitted, 0);
      assert.equal(backend.state, 'created');
    });

    test('submit, and start, after shutdown are refused with BackendShutDownError', async () => {
      const { backend } = make();
      backend.register('t', () => {});
      await backend.start();
      await backend.shutdown();
      assert.equal(backend.state, 'stopped');
      const error = await rejectionOf(backend.submit({ type: 't', payload: null }));
      assert.ok(error instanceof BackendShutDownError);
      assert.ok((await rejectionOf(backend.start())) instanceof BackendShutDownError);
    });

    test('start is idempotent and submit never throws synchronously', async () => {
      const { backend } = make();
      await backend.start();
      await backend.start();
      assert.equal(backend.state, 'started');
      const result = backend.submit(null as never);
      assert.ok(result instanceof Promise);
      assert.ok((await rejectionOf(result)) instanceof InvalidArgumentError);
      await backend.shutdown();
    });

    test('an unknown type is refused at submit, loudly, with its type', async () => {
      const { backend } = make();
      await backend.start();
      const error = await rejectionOf(backend.submit({ type: 'nobody', payload: null }));
      assert.ok(error instanceof UnknownTaskTypeError);
      assert.equal(error.taskType, 'nobody');
      assert.match(error.message, /no handler for task type "nobody"/);
      assert.equal(backend.stats().submitted, 0);
      await backend.shutdown();
    });

    test('setExecutor runs every type without a handler and gets the whole task', async () => {
      const { backend } = make();
      const seen: unknown[] = [];
      backend.register('known', () => {
        seen.push('handler');
      });
      backend.setExecutor((task, ctx) => {
        seen.push({ ...task, ctxId: ctx.id });
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'other', payload: [1, 2] });
      await backend.submit({ type: 'known', payload: null });
      await backend.shutdown();
      assert.deepEqual(seen, [{ id, type: 'other', payload: [1, 2], ctxId: id }, 'handler']);
    });

    test('clearing the executor makes unknown types refused again', async () => {
      const { backend } = make();
      backend.setExecutor(() => {});
      backend.setExecutor(undefined);
      await backend.start();
      assert.ok(
        (await rejectionOf(backend.submit({ type: 'x', payload: null }))) instanceof
          UnknownTaskTypeError,
      );
      await backend.shutdown();
    });

    test('a payload that is not JSON is refused at submit with its path', async () => {
      const { backend } = make();
      let ran = 0;
      backend.register('t', () => {
        ran++;
      });
      await backend.start();
      const error = await rejectionOf(
        backend.submit({ type: 't', payload: { items: [{ n: 1 }, { n: 2n }] } }),
      );
      assert.ok(error instanceof InvalidPayloadError);
      assert.equal(error.path, 'payload.items[1].n');
      const missing = await rejectionOf(backend.submit({ type: 't' } as never));
      assert.ok(missing instanceof InvalidPayloadError);
      assert.equal(missing.path, 'payload');
      assert.equal(ran, 0);
      await backend.shutdown();
    });

    test('a payload over maxPayloadBytes is refused with PayloadTooLargeError', async () => {
      const { backend } = make({ maxPayloadBytes: 100 });
      backend.register('t', () => {});
      await backend.start();
      await backend.submit({ type: 't', payload: 'x'.repeat(98) }); // 100 bytes with quotes
      const error = await rejectionOf(backend.submit({ type: 't', payload: 'x'.repeat(99) }));
      assert.ok(error instanceof PayloadTooLargeError);
      assert.equal(error.bytes, 101);
      assert.equal(error.limit, 100);
      await backend.shutdown();
    });

    test('a handler failure is logged with id and type, counted, and passed to onError', async () => {
      const failures: Array<[Error, unknown]> = [];
      const { backend, entries } = make({
        onError: (error: Error, task: unknown) => failures.push([error, task]),
      });
      backend.register('boom', async () => {
        throw new Error('kaboom');
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'boom', payload: { a: 1 } });
      await backend.shutdown();
      assert.equal(failures.length, 1);
      const [error, task] = failures[0] as [Error, unknown];
      assert.equal(error.message, 'kaboom');
      assert.deepEqual(task, { id, type: 'boom', payload: { a: 1 }, attempt: 1 });
      const logged = entries.find((entry) => entry.level === 'error');
      assert.ok(logged);
      assert.equal(logged.fields.taskId, id);
      assert.equal(logged.fields.taskType, 'boom');
      assert.equal(logged.fields.err, error);
      assert.equal(backend.stats().failed, 1);
    });

    test('a synchronous throw, and a thrown non-Error, are failures too', async () => {
      const failures: Error[] = [];
      const { backend } = make({ onError: (error: Error) => failures.push(error) });
      backend.register('sync', () => {
        throw new Error('sync');
      });
      backend.register('string', () => {
        throw 'just a string';
      });
      await backend.start();
      await backend.submit({ type: 'sync', payload: null });
      await backend.submit({ type: 'string', payload: null });
      await backend.shutdown();
      assert.deepEqual(
        failures.map((error) => error.message),
        ['sync', 'just a string'],
      );
      assert.equal(backend.stats().failed, 2);
    });

    test('an onError hook that throws is logged and changes nothing', async () => {
      const { backend, entries } = make({
        onError: () => {
          throw new Error('bad hook');
        },
      });
      backend.register('boom', () => {
        throw new Error('kaboom');
      });
      backend.register('ok', () => {});
      await backend.start();
      await backend.submit({ type: 'boom', payload: null });
      await backend.submit({ type: 'ok', payload: null });
      await backend.shutdown();
      assert.ok(entries.some((entry) => entry.msg === 'backend onError hook threw'));
      assert.deepEqual(
        { failed: backend.stats().failed, succeeded: backend.stats().succeeded },
        { failed: 1, succeeded: 1 },
      );
    });

    test('a task timeout cancels the token and fails the task with a TimeoutError', async () => {
      const failures: Error[] = [];
      const { backend } = make({ onError: (error: Error) => failures.push(error) });
      backend.register('slow', (_payload, ctx) => ctx.token.cancelled().then(() => {}));
      await backend.start();
      await backend.submit({ type: 'slow', payload: null, timeout: 20 });
      await within(backend.onIdle());
      assert.equal(failures[0]?.name, 'TimeoutError');
      assert.equal(backend.stats().failed, 1);
      assert.ok(
        (await rejectionOf(backend.submit({ type: 'slow', payload: null, timeout: -1 }))) instanceof
          InvalidArgumentError,
      );
      await backend.shutdown();
    });

    test('cancel(id) cancels a running task: true once, then false; the task counts as cancelled', async () => {
      const { backend } = make();
      const started = deferred<string>();
      const reasons: string[] = [];
      backend.register('wait', async (_payload, ctx) => {
        started.resolve(ctx.id);
        const reason = await ctx.token.cancelled();
        reasons.push(reason.kind);
        ctx.token.throwIfCancelled();
      });
      await backend.start();
      const { id, submitted } = await submitRunning(backend, started.promise, {
        type: 'wait',
        payload: null,
      });
      assert.equal(await backend.cancel(id, CancelReason.timeout(5)), true);
      assert.equal(await backend.cancel(id), false);
      await submitted;
      await within(backend.onIdle());
      assert.deepEqual(reasons, ['timeout']);
      assert.equal(await backend.cancel(id), false, 'finished');
      assert.equal(await backend.cancel('never-submitted'), false, 'unknown');
      assert.deepEqual(backend.stats(), {
        queued: 0,
        running: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 1,
        submitted: 1,
      });
      assert.ok((await rejectionOf(backend.cancel(42 as never))) instanceof InvalidArgumentError);
      assert.ok(
        (await rejectionOf(backend.cancel(id, { kind: 'nope' } as never))) instanceof
          InvalidArgumentError,
      );
      await backend.shutdown();
    });

    test('a handler that returns after being cancelled counts as succeeded', async () => {
      const { backend } = make();
      const started = deferred<string>();
      backend.register('stubborn', async (_payload, ctx) => {
        started.resolve(ctx.id);
        await ctx.token.cancelled();
        return 'done anyway';
      });
      await backend.start();
      const { id } = await submitRunning(backend, started.promise, {
        type: 'stubborn',
        payload: null,
      });
      assert.equal(await backend.cancel(id), true);
      await within(backend.onIdle());
      assert.equal(backend.stats().succeeded, 1);
      await backend.shutdown();
    });

    test('shutdown cancels stragglers with a shutdown reason after the timeout and names them', async () => {
      const { backend, entries } = make();
      const started = deferred<string>();
      let seen: CancelReason | undefined;
      backend.register('forever', async (_payload, ctx) => {
        started.resolve(ctx.id);
        seen = await ctx.token.cancelled();
        throw new CancelledError(seen);
      });
      await backend.start();
      const { id } = await submitRunning(backend, started.promise, {
        type: 'forever',
        payload: null,
      });
      const before = Date.now();
      const report = await backend.shutdown({ timeout: 50, grace: 1_000 });
      assert.ok(Date.now() - before < 2_000);
      assert.equal(seen?.kind, 'shutdown');
      assert.deepEqual(report.cancelled, [{ id, type: 'forever', started: true }]);
      assert.deepEqual(report.abandoned, []);
      assert.equal(report.timedOut, true);
      const warning = entries.find((entry) => entry.level === 'warn');
      assert.ok(warning);
      assert.match(warning.msg ?? '', new RegExp(`forever \\(${id}\\)`));
      assert.equal(backend.stats().cancelled, 1);
    });

    test('shutdown is idempotent and waits for work that finishes in time', async () => {
      const { backend } = make();
      const gate = deferred();
      const started = deferred<string>();
      let finished = false;
      backend.register('short', async (_payload, ctx) => {
        started.resolve(ctx.id);
        await gate.promise;
        finished = true;
      });
      await backend.start();
      await submitRunning(backend, started.promise, { type: 'short', payload: null });
      const first = backend.shutdown({ timeout: 5_000 });
      assert.equal(backend.shutdown(), first);
      assert.equal(backend.state, 'stopping');
      assert.ok(
        (await rejectionOf(backend.submit({ type: 'short', payload: null }))) instanceof
          BackendShutDownError,
      );
      gate.resolve();
      const report = await within(first);
      assert.equal(finished, true);
      assert.deepEqual(report.cancelled, []);
      assert.equal(report.completed, 1);
      assert.equal(report.timedOut, false);
    });

    test('bad shutdown options are refused without starting a shutdown', async () => {
      const { backend } = make();
      await backend.start();
      assert.ok(
        (await rejectionOf(backend.shutdown({ timeout: -5 }))) instanceof InvalidArgumentError,
      );
      assert.equal(backend.state, 'started');
      await backend.shutdown();
    });

    test('the options token cancels running tasks', async () => {
      const { CancelToken } = await import('../../src/index.js');
      const parent = new CancelToken();
      const { backend } = make({ token: parent });
      const started = deferred<string>();
      backend.register('wait', async (_payload, ctx) => {
        started.resolve(ctx.id);
        await ctx.token.cancelled();
        ctx.token.throwIfCancelled();
      });
      await backend.start();
      const { submitted } = await submitRunning(backend, started.promise, {
        type: 'wait',
        payload: null,
      });
      parent.cancel('stop everything');
      await within(submitted);
      await within(backend.onIdle());
      assert.equal(backend.stats().cancelled, 1);
      await backend.shutdown();
    });

    test('await using shuts the backend down', async () => {
      let made: TaskBackend | undefined;
      {
        await using backend = make().backend;
        made = backend;
        await backend.start();
      }
      assert.equal(made.state, 'stopped');
    });

    test('bad constructor options throw InvalidArgumentError', () => {
      const Backend = kind === 'inline' ? InlineBackend : InProcessBackend;
      for (const options of [
        { name: '' },
        { logger: {} },
        { onError: 'x' },
        { maxPayloadBytes: 0 },
        { shutdownTimeout: -1 },
        { shutdownGrace: Number.NaN },
        { token: {} },
      ]) {
        assert.throws(
          () => new Backend({ logger: silentLogger, ...(options as object) }),
          InvalidArgumentError,
          JSON.stringify(options),
        );
      }
    });

    const className = kind === 'inline' ? 'InlineBackend' : 'InProcessBackend';

    test('an unknown option key of the constructor throws, naming the likely key', () => {
      const Backend = kind === 'inline' ? InlineBackend : InProcessBackend;
      const common = 'logger, maxEventsPerTask, maxFinishedTasks, maxPayloadBytes';
      const rest = 'name, onError, runtime, shutdownGrace, shutdownTimeout, token';
      const validKeys =
        kind === 'inline' ? `${common}, ${rest}` : `concurrency, ${common}, maxQueued, ${rest}`;
      assert.throws(
        () => new Backend({ logger: silentLogger, shutdownTimout: 5 } as never),
        unknownOption(
          `${className} options: unknown option 'shutdownTimout' (did you mean 'shutdownTimeout'?)`,
        ),
      );
      assert.throws(
        () => new Backend({ logger: silentLogger, shutdownMs: 5 } as never),
        unknownOption(
          `${className} options: unknown option 'shutdownMs'; valid options: ${validKeys}`,
        ),
      );
    });

    test('every common option at once is accepted', async () => {
      const Backend = kind === 'inline' ? InlineBackend : InProcessBackend;
      const options: Required<BackendOptions> = {
        name: 'all',
        logger: silentLogger,
        onError: () => {},
        maxPayloadBytes: 1_000,
        shutdownTimeout: 1_000,
        shutdownGrace: 100,
        token: new CancelToken(),
        runtime: new Runtime({ logger: silentLogger }),
        maxEventsPerTask: 10,
        maxFinishedTasks: 10,
      };
      const backend = new Backend(options);
      assert.equal(backend.name, 'all');
      await backend.shutdown();
    });

    test('an unknown key of a task, listTasks, events or shutdown is refused', async () => {
      const { backend } = make();
      backend.register('t', () => 'done');
      await backend.start();
      assert.ok(
        unknownOption(`${className}.submit task: unknown option 'runat' (did you mean 'runAt'?)`)(
          await rejectionOf(backend.submit({ type: 't', payload: null, runat: 1 } as never)),
        ),
      );
      assert.ok(
        unknownOption(
          `${className}.submit task: unknown option 'when'; valid options: id, jobKey, jobKeyMode, maxAttempts, payload, priority, runAt, timeout, type`,
        )(await rejectionOf(backend.submit({ type: 't', payload: null, when: 1 } as never))),
      );
      assert.ok(
        unknownOption(
          `${className}.submit task: unknown option 'paylaod' (did you mean 'payload'?)`,
        )(await rejectionOf(backend.submit({ type: 't', paylaod: null } as never))),
      );
      assert.equal(backend.stats().submitted, 0, 'nothing was accepted');
      // The durable backend's options are accepted, so that the same submit works everywhere.
      const portable = { runAt: Date.now(), priority: 1, maxAttempts: 2, jobKey: 'k' };
      await backend.submit({ type: 't', payload: null, ...portable } as never);
      assert.equal(backend.stats().submitted, 1);
      assert.ok(
        unknownOption(
          `${className}.listTasks options: unknown option 'states' (did you mean 'state'?)`,
        )(await rejectionOf(backend.listTasks({ states: ['failed'] } as never))),
      );
      assert.throws(
        () => backend.events('x', { lastEventId: 3 } as never),
        unknownOption(
          `${className}.events options: unknown option 'lastEventId'; valid options: after, signal`,
        ),
      );
      assert.ok(
        unknownOption(
          `${className}.shutdown options: unknown option 'grace_ms' (did you mean 'grace'?)`,
        )(await rejectionOf(backend.shutdown({ grace_ms: 5 } as never))),
      );
      assert.equal(backend.state, 'started', 'a refused shutdown call does not start one');
      await backend.shutdown();
    });

    test('a task, listTasks, events and shutdown take every key of theirs', async () => {
      const { backend } = make();
      backend.register('t', () => 'done');
      await backend.start();
      const { id } = await backend.submit({
        type: 't',
        payload: null,
        id: 'full-1',
        timeout: 1_000,
      });
      await within(backend.onIdle());
      const listed = await backend.listTasks({
        state: 'succeeded',
        type: 't',
        limit: 5,
        cursor: 'none',
      });
      assert.deepEqual(listed, [], 'an unknown cursor ends the listing');
      const types: string[] = [];
      for await (const event of backend.events(id, {
        after: 0,
        signal: new AbortController().signal,
      })) {
        types.push(event.type);
      }
      assert.deepEqual(types, ['started', 'completed']);
      const report = await backend.shutdown({ timeout: 1_000, grace: 100, dropQueued: true });
      assert.equal(report.timedOut, false);
    });
  });
}
