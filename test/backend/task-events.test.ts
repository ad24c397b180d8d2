// The read side of the in-memory backends (TaskEventSource): task records, the event stream of
// each task (started, the handler's own events, exactly one terminal event), followers, and the
// bounds on history and on finished records. Run against both in-memory backends.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CancelledError,
  CancelReason,
  InlineBackend,
  InProcessBackend,
  InvalidArgumentError,
  type TaskBackend,
  type TaskEvent,
  type TaskEventSource,
  UnknownTaskError,
} from '../../src/index.js';
import { captureLogger, deferred, rejectionOf, silentLogger, waitFor, within } from '../helpers.js';

type Backend = (InlineBackend | InProcessBackend) & TaskBackend & TaskEventSource;

const kinds: Record<string, (options?: object) => Backend> = {
  inline: (options = {}) => new InlineBackend({ logger: silentLogger, runtime: false, ...options }),
  'in-process': (options = {}) =>
    new InProcessBackend({ logger: silentLogger, runtime: false, ...options }),
};

/** Every event of a stream until it ends, within a bound. */
async function collect(stream: AsyncIterable<TaskEvent>, what = 'the stream to end') {
  const events: TaskEvent[] = [];
  await within(
    (async () => {
      for await (const event of stream) events.push(event);
    })(),
    { what },
  );
  return events;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** The stream invariants: seq 1, 2, 3 … with no gap, times in order, exactly one terminal, last. */
function assertWellFormed(events: readonly TaskEvent[], taskId: string): void {
  events.forEach((event, index) => {
    assert.equal(event.taskId, taskId);
    assert.equal(event.seq, index + 1, `seq of event ${index}`);
    if (index > 0) assert.ok(event.time >= (events[index - 1] as TaskEvent).time, 'time order');
  });
  const terminals = events.filter((event) => TERMINAL.has(event.type));
  assert.equal(terminals.length, 1, `one terminal event in ${events.map((e) => e.type)}`);
  assert.equal(events.at(-1), terminals[0]);
}

/** Submit with a known id, so the inline backend (whose submit resolves at the end) can be followed. */
let counter = 0;
function nextId(): string {
  counter++;
  return `task-${counter}`;
}

for (const [kind, make] of Object.entries(kinds)) {
  describe(`TaskEventSource: ${kind}`, () => {
    test('a task records started, its own events in order, then completed with its result', async () => {
      const backend = make();
      backend.register('work', async (payload: { n: number }, ctx) => {
        ctx.emit('step', { i: 1 });
        ctx.progress(0.5);
        await Promise.resolve();
        ctx.emit('step'); // no data: null
        ctx.progress({ done: payload.n });
        return { total: payload.n * 2 };
      });
      await backend.start();
      const before = Date.now();
      const { id } = await backend.submit({ type: 'work', payload: { n: 21 } });
      const events = await collect(backend.events(id));
      assertWellFormed(events, id);
      assert.deepEqual(
        events.map(({ type, data }) => [type, data]),
        [
          ['started', { attempt: 1 }],
          ['step', { i: 1 }],
          ['progress', { value: 0.5 }],
          ['step', null],
          ['progress', { value: { done: 21 } }],
          ['completed', { result: { total: 42 } }],
        ],
      );
      assert.ok((events[0] as TaskEvent).time >= before - 1_000);
      assert.ok((events.at(-1) as TaskEvent).time <= Date.now());
      const info = await backend.getTask(id);
      assert.ok(info);
      assert.equal(info.state, 'succeeded');
      assert.deepEqual(info.result, { total: 42 });
      assert.deepEqual(info.progress, { done: 21 });
      assert.deepEqual(info.payload, { n: 21 });
      assert.equal(info.type, 'work');
      assert.equal(info.attempts, 1);
      assert.equal(info.lastSeq, 6);
      assert.ok(info.createdAt <= (info.startedAt as number));
      assert.ok((info.startedAt as number) <= (info.finishedAt as number));
      await backend.shutdown();
    });

    test('a handler returning nothing completes with result null', async () => {
      const backend = make();
      backend.register('void', () => {});
      await backend.start();
      const { id } = await backend.submit({ type: 'void', payload: null });
      await within(backend.onIdle());
      const events = await collect(backend.events(id));
      assert.deepEqual(events.at(-1)?.data, { result: null });
      assert.equal((await backend.getTask(id))?.result, null);
      await backend.shutdown();
    });

    test('a failure is recorded as failed with the error as JSON, timeout false, attempt 1', async () => {
      const backend = make();
      backend.register('boom', async (_payload, ctx) => {
        ctx.emit('about-to-fail', null);
        throw new TypeError('bad input');
      });
      backend.register('warden', () => {
        throw new InvalidArgumentError('x', 'a number', 'y');
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'boom', payload: null });
      const events = await collect(backend.events(id));
      assertWellFormed(events, id);
      assert.deepEqual(events.at(-1)?.data, {
        error: { name: 'TypeError', message: 'bad input' },
        timeout: false,
        attempt: 1,
      });
      const info = await backend.getTask(id);
      assert.equal(info?.state, 'failed');
      assert.deepEqual(info?.error, { name: 'TypeError', message: 'bad input' });
      const coded = await backend.submit({ type: 'warden', payload: null });
      const [, failed] = await collect(backend.events(coded.id));
      assert.equal(
        ((failed as TaskEvent).data as { error: { code: string } }).error.code,
        'WARDEN_ERR_INVALID_ARGUMENT',
      );
      await backend.shutdown();
    });

    test('a timeout is a failure whose event says timeout: true', async () => {
      const backend = make();
      backend.register('slow', async (_payload, ctx) => {
        await ctx.token.cancelled();
        ctx.token.throwIfCancelled();
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'slow', payload: null, timeout: 20 });
      const events = await collect(backend.events(id));
      assertWellFormed(events, id);
      const last = events.at(-1) as TaskEvent;
      assert.equal(last.type, 'failed');
      const data = last.data as { error: { name: string; code: string }; timeout: boolean };
      assert.equal(data.timeout, true);
      assert.equal(data.error.name, 'TimeoutError');
      assert.equal(data.error.code, 'WARDEN_ERR_TIMEOUT');
      await backend.shutdown();
    });

    test('cancelling a running task: cleanup events come before cancelled, with the reason', async () => {
      const backend = make();
      const started = deferred();
      backend.register('wait', async (_payload, ctx) => {
        try {
          started.resolve();
          await ctx.token.cancelled();
          ctx.token.throwIfCancelled();
        } finally {
          ctx.emit('cleanup', { closed: true });
        }
      });
      await backend.start();
      const id = nextId();
      const submitted = backend.submit({ type: 'wait', payload: null, id });
      await within(started.promise);
      const live = collect(backend.events(id));
      assert.equal(await backend.cancel(id, CancelReason.requested('user asked')), true);
      await submitted;
      const events = await live;
      assertWellFormed(events, id);
      assert.deepEqual(
        events.map(({ type, data }) => [type, data]),
        [
          ['started', { attempt: 1 }],
          ['cleanup', { closed: true }],
          ['cancelled', { reason: { kind: 'requested', message: 'user asked' } }],
        ],
      );
      const info = await backend.getTask(id);
      assert.equal(info?.state, 'cancelled');
      assert.deepEqual(info?.cancelReason, { kind: 'requested', message: 'user asked' });
      await backend.shutdown();
    });

    test("the cancelled event carries the task token's reason, not a foreign error's", async () => {
      const backend = make();
      const started = deferred();
      backend.register('wait', async (_payload, ctx) => {
        started.resolve();
        await ctx.token.cancelled();
        throw new CancelledError(CancelReason.timeout(5, 'some inner timeout'));
      });
      await backend.start();
      const id = nextId();
      const submitted = backend.submit({ type: 'wait', payload: null, id });
      await within(started.promise);
      await backend.cancel(id, CancelReason.shutdown('going down'));
      await submitted;
      const events = await collect(backend.events(id));
      assert.deepEqual(events.at(-1)?.data, {
        reason: { kind: 'shutdown', message: 'going down' },
      });
      await backend.shutdown();
    });

    test('a task that throws while handling its cancellation has exactly one terminal: failed', async () => {
      const backend = make();
      const started = deferred();
      backend.register('bad-cleanup', async (_payload, ctx) => {
        started.resolve();
        await ctx.token.cancelled();
        throw new Error('cleanup blew up');
      });
      await backend.start();
      const id = nextId();
      const submitted = backend.submit({ type: 'bad-cleanup', payload: null, id });
      await within(started.promise);
      const live = collect(backend.events(id));
      await backend.cancel(id);
      await submitted;
      const events = await live;
      assertWellFormed(events, id);
      assert.equal(events.at(-1)?.type, 'failed');
      assert.equal(
        ((events.at(-1) as TaskEvent).data as { error: { message: string } }).error.message,
        'cleanup blew up',
      );
      await backend.shutdown();
    });

    test('cancel racing completion still records exactly one terminal event', async () => {
      const backend = make();
      const results: string[] = [];
      for (let i = 0; i < 50; i++) {
        const gate = deferred();
        const started = deferred();
        const type = `race-${i}`;
        backend.register(type, async (_payload, ctx) => {
          started.resolve();
          await gate.promise;
          if (i % 2 === 0) ctx.token.throwIfCancelled();
          return i;
        });
        if (i === 0) await backend.start();
        const id = nextId();
        const submitted = backend.submit({ type, payload: null, id });
        await within(started.promise);
        const live = collect(backend.events(id));
        gate.resolve(); // the handler resumes on a later microtask …
        const cancelled = backend.cancel(id); // … and the cancel lands first, or not
        await submitted;
        const events = await live;
        assertWellFormed(events, id);
        assert.equal(await cancelled, true);
        results.push((events.at(-1) as TaskEvent).type);
        assert.deepEqual(await collect(backend.events(id)), events, 'replay equals live');
      }
      assert.ok(results.includes('cancelled'), 'some saw the cancellation');
      assert.ok(results.includes('completed'), 'some completed anyway');
      await backend.shutdown();
    });

    test('ctx.emit refuses reserved and malformed types and non-JSON data; the task goes on', async () => {
      const backend = make();
      const refused: unknown[] = [];
      backend.register('picky', (_payload, ctx) => {
        const attempts: Array<() => void> = [
          () => ctx.emit('completed', {}),
          () => ctx.emit('started'),
          () => ctx.emit('progress', 1),
          () => ctx.emit('overflow'),
          () => ctx.emit('shutdown'),
          () => ctx.emit('', {}),
          () => ctx.emit('has space', {}),
          () => ctx.emit(42 as never, {}),
          () => ctx.emit('x'.repeat(129), {}),
          () => ctx.emit('ok', { n: 1n }),
          () => ctx.emit('ok', { when: new Date() }),
          () => ctx.emit('ok', () => {}),
          () => ctx.progress(undefined),
          () => ctx.progress(Number.NaN),
        ];
        for (const attempt of attempts) {
          try {
            attempt();
            refused.push('accepted');
          } catch (error) {
            refused.push(error instanceof InvalidArgumentError ? error.argument : error);
          }
        }
        ctx.emit('ok', { fine: true });
        return 'done';
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'picky', payload: null });
      await within(backend.onIdle());
      assert.deepEqual(refused, [
        'type',
        'type',
        'type',
        'type',
        'type',
        'type',
        'type',
        'type',
        'type',
        'data.n',
        'data.when',
        'data',
        'value',
        'value',
      ]);
      const events = await collect(backend.events(id));
      assert.deepEqual(
        events.map((event) => event.type),
        ['started', 'ok', 'completed'],
      );
      await backend.shutdown();
    });

    test('event data over maxPayloadBytes is refused', async () => {
      const backend = make({ maxPayloadBytes: 100 });
      let refused: unknown;
      backend.register('big', (_payload, ctx) => {
        try {
          ctx.emit('blob', 'x'.repeat(200));
        } catch (error) {
          refused = error;
        }
      });
      await backend.start();
      await backend.submit({ type: 'big', payload: null });
      await within(backend.onIdle());
      assert.ok(refused instanceof InvalidArgumentError);
      assert.match(refused.message, /at most 100 bytes/);
      await backend.shutdown();
    });

    test('an event emitted after the task ended is dropped with a warning', async () => {
      const { logger, entries } = captureLogger();
      const backend = make({ logger });
      let late: (() => void) | undefined;
      backend.register('leaky', (_payload, ctx) => {
        late = () => ctx.emit('late', null);
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'leaky', payload: null });
      await within(backend.onIdle());
      late?.();
      const events = await collect(backend.events(id));
      assert.deepEqual(
        events.map((event) => event.type),
        ['started', 'completed'],
      );
      assert.ok(
        entries.some((entry) => entry.level === 'warn' && /after it ended/.test(entry.msg ?? '')),
      );
      await backend.shutdown();
    });

    test('followers: any number, each replays then goes live; after resumes; break stops one', async () => {
      const backend = make();
      const gate = deferred();
      const started = deferred();
      backend.register('stream', async (_payload, ctx) => {
        ctx.emit('a', 1);
        started.resolve();
        await gate.promise;
        ctx.emit('b', 2);
        ctx.emit('c', 3);
        return 'end';
      });
      await backend.start();
      const id = nextId();
      const submitted = backend.submit({ type: 'stream', payload: null, id });
      await within(started.promise);
      const all = Array.from({ length: 5 }, () => collect(backend.events(id)));
      const resumed = collect(backend.events(id, { after: 2 }));
      const broken: TaskEvent[] = [];
      const breaking = (async () => {
        for await (const event of backend.events(id)) {
          broken.push(event);
          if (event.type === 'a') break;
        }
      })();
      await within(breaking);
      gate.resolve();
      await submitted;
      for (const events of await Promise.all(all)) {
        assertWellFormed(events, id);
        assert.deepEqual(
          events.map((event) => event.type),
          ['started', 'a', 'b', 'c', 'completed'],
        );
      }
      assert.deepEqual(
        (await resumed).map((event) => event.seq),
        [3, 4, 5],
      );
      assert.deepEqual(
        broken.map((event) => event.type),
        ['started', 'a'],
      );
      assert.deepEqual(
        await collect(backend.events(id, { after: 5 })),
        [],
        'nothing after the end',
      );
      await backend.shutdown();
    });

    test('a follower stops when its signal aborts, also while waiting', async () => {
      const backend = make();
      const gate = deferred();
      const started = deferred();
      backend.register('wait', async () => {
        started.resolve();
        await gate.promise;
      });
      await backend.start();
      const id = nextId();
      const submitted = backend.submit({ type: 'wait', payload: null, id });
      await within(started.promise);
      const controller = new AbortController();
      const iterator = backend.events(id, { signal: controller.signal })[Symbol.asyncIterator]();
      assert.equal((await iterator.next()).value?.type, 'started');
      const waiting = iterator.next();
      controller.abort();
      assert.deepEqual(await within(waiting), { value: undefined, done: true });
      assert.equal((await iterator.next()).done, true);
      const aborted = backend.events(id, { signal: AbortSignal.abort() });
      assert.deepEqual(await collect(aborted), []);
      gate.resolve();
      await submitted;
      await backend.shutdown();
    });

    test('concurrent next() calls are served in order', async () => {
      const backend = make();
      const gate = deferred();
      const started = deferred();
      backend.register('two', async (_payload, ctx) => {
        started.resolve();
        await gate.promise;
        ctx.emit('x', 1);
      });
      await backend.start();
      const id = nextId();
      const submitted = backend.submit({ type: 'two', payload: null, id });
      await within(started.promise);
      const iterator = backend.events(id, { after: 1 })[Symbol.asyncIterator]();
      const first = iterator.next();
      const second = iterator.next();
      const third = iterator.next();
      gate.resolve();
      await submitted;
      assert.equal((await within(first)).value?.type, 'x');
      assert.equal((await within(second)).value?.type, 'completed');
      assert.equal((await within(third)).done, true);
      await backend.shutdown();
    });

    test('an unknown id: getTask resolves undefined, events rejects with UnknownTaskError', async () => {
      const backend = make();
      await backend.start();
      assert.equal(await backend.getTask('nope'), undefined);
      const error = await rejectionOf(collect(backend.events('nope')));
      assert.ok(error instanceof UnknownTaskError);
      assert.equal(error.code, 'WARDEN_ERR_UNKNOWN_TASK');
      assert.equal(error.taskId, 'nope');
      assert.throws(() => backend.events('x', { after: -1 }), InvalidArgumentError);
      assert.throws(() => backend.events('x', { signal: {} as never }), InvalidArgumentError);
      assert.throws(() => backend.events(7 as never), InvalidArgumentError);
      assert.ok((await rejectionOf(backend.getTask(7 as never))) instanceof InvalidArgumentError);
      await backend.shutdown();
    });

    test('history keeps the last maxEventsPerTask handler events, plus started and the terminal', async () => {
      const backend = make({ maxEventsPerTask: 5 });
      backend.register('chatty', (_payload, ctx) => {
        for (let i = 1; i <= 20; i++) ctx.emit('n', i);
        return 'ok';
      });
      await backend.start();
      const { id } = await backend.submit({ type: 'chatty', payload: null });
      await within(backend.onIdle());
      const events = await collect(backend.events(id));
      assert.deepEqual(
        events.map((event) => [event.seq, event.type, event.data]),
        [
          [1, 'started', { attempt: 1 }],
          [17, 'n', 16],
          [18, 'n', 17],
          [19, 'n', 18],
          [20, 'n', 19],
          [21, 'n', 20],
          [22, 'completed', { result: 'ok' }],
        ],
      );
      assert.deepEqual(
        (await collect(backend.events(id, { after: 3 }))).map((event) => event.seq),
        [17, 18, 19, 20, 21, 22],
      );
      assert.equal((await backend.getTask(id))?.lastSeq, 22);
      assert.throws(() => make({ maxEventsPerTask: 0 }), InvalidArgumentError);
      assert.throws(() => make({ maxFinishedTasks: -1 }), InvalidArgumentError);
      assert.throws(() => make({ maxFinishedTasks: 1.5 }), InvalidArgumentError);
      await backend.shutdown();
    });

    test('only the latest maxFinishedTasks finished tasks are kept, oldest forgotten first', async () => {
      const backend = make({ maxFinishedTasks: 3 });
      backend.register('t', (payload) => payload);
      const gate = deferred();
      const started = deferred();
      backend.register('held', async () => {
        started.resolve();
        await gate.promise;
      });
      await backend.start();
      const held = backend.submit({ type: 'held', payload: null, id: 'held' });
      await within(started.promise);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await backend.submit({ type: 't', payload: i })).id);
      await waitFor(() => backend.stats().succeeded === 6, { what: 'six tasks done' });
      const listed = await backend.listTasks({ limit: 100 });
      assert.deepEqual(
        listed.map((info) => info.id),
        [...ids.slice(3).reverse(), 'held'],
        'the running task is kept however old',
      );
      assert.equal(await backend.getTask(ids[0] as string), undefined);
      assert.ok(
        (await rejectionOf(collect(backend.events(ids[2] as string)))) instanceof UnknownTaskError,
      );
      gate.resolve();
      await held;
      await within(backend.onIdle());
      assert.equal((await backend.listTasks()).length, 3);
      assert.equal((await backend.getTask('held'))?.state, 'succeeded');
      await backend.shutdown();
    });

    test('maxFinishedTasks 0 forgets a task as it ends; a follower still gets its terminal event', async () => {
      const backend = make({ maxFinishedTasks: 0 });
      const gate = deferred();
      const started = deferred();
      backend.register('t', async () => {
        started.resolve();
        await gate.promise;
        return 7;
      });
      await backend.start();
      const id = nextId();
      const submitted = backend.submit({ type: 't', payload: null, id });
      await within(started.promise);
      const live = collect(backend.events(id));
      gate.resolve();
      await submitted;
      assert.deepEqual(
        (await live).map((event) => event.type),
        ['started', 'completed'],
      );
      assert.equal(await backend.getTask(id), undefined);
      await backend.shutdown();
    });

    test('listTasks filters by state and type, pages with limit and cursor, newest first', async () => {
      const backend = make();
      backend.register('ok', () => {});
      backend.register('bad', () => {
        throw new Error('no');
      });
      await backend.start();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await backend.submit({ type: i % 2 === 0 ? 'ok' : 'bad', payload: i })).id);
      }
      await within(backend.onIdle());
      const newestFirst = [...ids].reverse();
      assert.deepEqual(
        (await backend.listTasks()).map((info) => info.id),
        newestFirst,
      );
      assert.deepEqual(
        (await backend.listTasks({ state: 'failed' })).map((info) => info.id),
        [ids[3], ids[1]],
      );
      assert.deepEqual(
        (await backend.listTasks({ state: ['failed', 'succeeded'], type: 'ok' })).map(
          (info) => info.id,
        ),
        [ids[4], ids[2], ids[0]],
      );
      const page1 = await backend.listTasks({ limit: 2 });
      const page2 = await backend.listTasks({ limit: 2, cursor: page1.at(-1)?.id as string });
      const page3 = await backend.listTasks({ limit: 2, cursor: page2.at(-1)?.id as string });
      assert.deepEqual(
        [...page1, ...page2, ...page3].map((info) => info.id),
        newestFirst,
      );
      assert.deepEqual(await backend.listTasks({ cursor: 'forgotten' }), []);
      for (const bad of [{ state: 'done' }, { limit: 0 }, { type: 3 }, { cursor: 1 }]) {
        assert.ok(
          (await rejectionOf(backend.listTasks(bad as never))) instanceof InvalidArgumentError,
          JSON.stringify(bad),
        );
      }
      await backend.shutdown();
    });

    test('the id of a finished task can be reused: the new task replaces the old record', async () => {
      const backend = make();
      backend.register('t', (payload) => payload);
      await backend.start();
      await backend.submit({ type: 't', payload: 'first', id: 'same' });
      await within(backend.onIdle());
      await backend.submit({ type: 't', payload: 'second', id: 'same' });
      await within(backend.onIdle());
      assert.equal((await backend.getTask('same'))?.result, 'second');
      assert.equal((await backend.listTasks()).length, 1);
      await backend.shutdown();
    });

    test('thousands of tasks: records stay bounded by maxFinishedTasks', async () => {
      const backend = make({ maxFinishedTasks: 1_000 });
      backend.register('t', (payload, ctx) => {
        ctx.emit('e', payload);
        return payload;
      });
      await backend.start();
      const submits: Array<Promise<unknown>> = [];
      for (let i = 0; i < 5_000; i++) submits.push(backend.submit({ type: 't', payload: i }));
      await Promise.all(submits);
      await within(backend.onIdle());
      const listed = await backend.listTasks({ limit: 10_000 });
      assert.equal(listed.length, 1_000);
      assert.equal(listed[0]?.payload, 4_999);
      assert.equal(listed.at(-1)?.payload, 4_000);
      assert.equal(backend.stats().succeeded, 5_000);
      await backend.shutdown();
    });
  });
}

describe('TaskEventSource: in-process queue', () => {
  test('a follower of a queued task sees it start; a queued task cancelled has only cancelled', async () => {
    const backend = kinds['in-process']?.({ concurrency: 1 }) as InProcessBackend;
    const gate = deferred();
    backend.register('t', async (_payload, ctx) => {
      ctx.emit('ran', null);
      await gate.promise;
    });
    await backend.start();
    const first = await backend.submit({ type: 't', payload: 1 });
    const second = await backend.submit({ type: 't', payload: 2 });
    const third = await backend.submit({ type: 't', payload: 3 });
    const followSecond = collect(backend.events(second.id));
    const followThird = collect(backend.events(third.id));
    assert.equal((await backend.getTask(second.id))?.state, 'queued');
    assert.equal((await backend.getTask(second.id))?.lastSeq, 0);
    assert.equal(await backend.cancel(third.id, 'not needed'), true);
    const thirdEvents = await followThird;
    assert.deepEqual(
      thirdEvents.map(({ seq, type, data }) => [seq, type, data]),
      [[1, 'cancelled', { reason: { kind: 'requested', message: 'not needed' } }]],
    );
    const info = await backend.getTask(third.id);
    assert.equal(info?.attempts, 0);
    assert.equal(info?.startedAt, undefined);
    gate.resolve();
    const secondEvents = await followSecond;
    assertWellFormed(secondEvents, second.id);
    assert.deepEqual(
      secondEvents.map((event) => event.type),
      ['started', 'ran', 'completed'],
    );
    assert.equal((await backend.getTask(first.id))?.state, 'succeeded');
    await backend.shutdown();
  });

  test('queued tasks dropped by a shutdown are cancelled with a shutdown reason', async () => {
    const backend = kinds['in-process']?.({ concurrency: 1 }) as InProcessBackend;
    backend.register('t', async (_payload, ctx) => {
      await ctx.token.cancelled();
      ctx.token.throwIfCancelled();
    });
    await backend.start();
    const running = await backend.submit({ type: 't', payload: 1 });
    const queued = await backend.submit({ type: 't', payload: 2 });
    await backend.shutdown({ timeout: 0, grace: 1_000 });
    const [dropped] = await collect(backend.events(queued.id));
    assert.equal(dropped?.type, 'cancelled');
    assert.equal(
      ((dropped as TaskEvent).data as { reason: { kind: string } }).reason.kind,
      'shutdown',
    );
    const runningEvents = await collect(backend.events(running.id));
    assert.equal(runningEvents.at(-1)?.type, 'cancelled');
  });
});
