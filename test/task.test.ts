import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CancelledError,
  CancelReason,
  CancelToken,
  InvalidArgumentError,
  NonErrorThrownError,
  Scope,
  sleep,
  Task,
  TimeoutError,
} from '../src/index.js';
import {
  captureLogger,
  deferred,
  recordingProcessEvent,
  rejectionOf,
  silentLogger,
  waitFor,
  within,
} from './helpers.js';

function newScope(): Scope {
  return new Scope({ name: 'test', logger: silentLogger });
}

function isInvalidArgument(argument: string) {
  return (error: unknown): boolean =>
    error instanceof InvalidArgumentError &&
    error.code === 'WARDEN_ERR_INVALID_ARGUMENT' &&
    error.argument === argument;
}

describe('Task identity', () => {
  test('spawn takes a name in options or as a string; the default is task-<id>', async () => {
    const scope = newScope();
    const named = scope.spawn(() => 1, { name: 'with-options' });
    const short = scope.spawn(() => 2, 'shorthand');
    const anonymous = scope.spawn(() => 3);
    assert.equal(named.name, 'with-options');
    assert.equal(short.name, 'shorthand');
    assert.equal(anonymous.name, `task-${anonymous.id}`);
    assert.ok(named instanceof Task);
    assert.ok(short.id > named.id && anonymous.id > short.id, 'ids increase');
    assert.ok(Math.abs(named.startedAt - Date.now()) < 2_000);
    await within(scope.close());
  });

  test("the task's token is a child of the scope's token", async () => {
    const scope = newScope();
    let seen: CancelToken | undefined;
    const task = scope.spawn((token) => {
      seen = token;
      return token.cancelled();
    });
    assert.equal(seen, task.token);
    scope.cancel(CancelReason.shutdown());
    assert.equal(task.token.reason?.kind, 'shutdown');
    await within(scope.close());
  });

  test('spawn sites are recorded only when asked for', async () => {
    const withSites = new Scope({ recordSpawnSites: true, logger: silentLogger });
    const withoutSites = new Scope({ recordSpawnSites: false, logger: silentLogger });
    const a = withSites.spawn(() => 1);
    const b = withoutSites.spawn(() => 1);
    assert.match(a.spawnSite ?? '', /task\.test\.ts/);
    assert.equal(b.spawnSite, undefined);
    await within(Promise.all([withSites.close(), withoutSites.close()]));
  });
});

describe('Task results', () => {
  test('join resolves with the value, any number of times', async () => {
    const scope = newScope();
    const task = scope.spawn(async () => {
      await delay(1);
      return 42;
    });
    const [a, b] = await within(Promise.all([task.join(), task.join()]));
    assert.equal(a, 42);
    assert.equal(b, 42);
    assert.equal(await within(task.join()), 42);
    await within(scope.close());
  });

  test('a task is awaitable', async () => {
    const scope = newScope();
    const task = scope.spawn(async () => 'awaited');
    assert.equal(await within(task), 'awaited');
    const sync = scope.spawn(() => 7);
    assert.equal(await sync, 7);
    await within(scope.close());
  });

  test('a task may return a thenable that is not a native promise; its then is called once', async () => {
    const scope = newScope();
    let calls = 0;
    const thenable: PromiseLike<string> = {
      // A builder-like thenable: every `then` runs it again, and returns the builder itself.
      // biome-ignore lint/suspicious/noThenProperty: the point of the test.
      then: (onFulfilled, _onRejected) => {
        calls++;
        void Promise.resolve('thenable').then(onFulfilled);
        return thenable as PromiseLike<never>;
      },
    };
    const task = scope.spawn(() => thenable);
    const [a, b] = await within(Promise.all([task.join(), task]));
    assert.equal(a, 'thenable');
    assert.equal(b, 'thenable');
    assert.equal(calls, 1, 'a query builder, say, would run once');
    await within(scope.close());
  });

  test('join on a running task returns one promise, settled once the status is final', async () => {
    const scope = new Scope({ policy: 'isolate', onError: () => {} });
    const gate = deferred<number>();
    const task = scope.spawn(() => gate.promise);
    const joined = task.join();
    assert.equal(task.join(), joined);
    const seen = joined.then((value) => [value, task.status]);
    gate.resolve(3);
    assert.deepEqual(await within(seen), [3, 'succeeded']);
    const boom = new Error('boom');
    const failing = scope.spawn(() => Promise.reject(boom));
    const failed = failing.join().catch((error: unknown) => [error, failing.status]);
    assert.deepEqual(await within(failed), [boom, 'failed']);
    await within(scope.close());
  });

  test('a failure nobody joined leaves no unhandled rejection behind', async () => {
    await recordingProcessEvent('unhandledRejection', async (unhandled) => {
      const scope = new Scope({ policy: 'isolate', onError: () => {} });
      const failed = scope.spawn(async () => {
        await null;
        throw new Error('nobody joins me');
      });
      const cancelled = scope.spawn((token) => sleep(60_000, token));
      cancelled.cancel();
      await within(scope.close());
      // Node reports unhandled rejections after the microtask queue drains: a macrotask later.
      await delay(1);
      assert.deepEqual(unhandled, []);
      assert.equal(failed.status, 'failed');
      assert.equal(cancelled.status, 'cancelled');
      // Joined afterwards, each still tells how it ended.
      assert.equal(((await rejectionOf(failed.join())) as Error).message, 'nobody joins me');
      assert.ok((await rejectionOf(cancelled)) instanceof CancelledError);
    });
  });

  test('a burst of spawns ends every task, in spawn order, with no unhandled rejection', async () => {
    // Tasks start watching their promises in batches after the burst (internal/watch-queue.ts);
    // these promises are settled (half of them rejected) before any task watches them.
    await recordingProcessEvent('unhandledRejection', async (unhandled) => {
      const failures: string[] = [];
      const scope = new Scope({ policy: 'isolate', onError: (_e, t) => failures.push(t.name) });
      const count = 2_000;
      const tasks: Task<number>[] = [];
      for (let i = 0; i < count; i++) {
        const fn = i % 2 === 0 ? () => Promise.resolve(i) : () => Promise.reject(new Error(`${i}`));
        tasks.push(scope.spawn(fn, `t${i}`));
      }
      // Joined before its batch comes: it starts watching at once.
      assert.equal(await within(tasks[count - 2] as Task<number>), count - 2);
      await within(scope.close());
      await delay(1);
      assert.deepEqual(unhandled, []);
      const odd = tasks.filter((_t, i) => i % 2 === 1).map((t) => t.name);
      assert.deepEqual(failures, odd);
      assert.ok(tasks.every((t, i) => t.status === (i % 2 === 0 ? 'succeeded' : 'failed')));
    });
  });

  test('join called from inside the task function, before it returned, still settles', async () => {
    // Owners other than a scope (the backends) hold the task before they run it.
    const ended: Task<unknown>[] = [];
    const task = new Task<string>(
      { taskEnded: (t) => ended.push(t) },
      new CancelToken(),
      'self',
      undefined,
    );
    let joined: Promise<string> | undefined;
    task._run(async () => {
      joined = task.join();
      await null;
      return 'self';
    }, undefined);
    assert.equal(await within(joined as Promise<string>), 'self');
    assert.deepEqual(ended, [task]);
  });

  test('status goes running → succeeded', async () => {
    const scope = newScope();
    const gate = deferred<number>();
    const task = scope.spawn(() => gate.promise);
    assert.equal(task.status, 'running');
    assert.equal(task.error, undefined);
    gate.resolve(5);
    assert.equal(await within(task.join()), 5);
    assert.equal(task.status, 'succeeded');
    assert.equal(task.error, undefined);
    await within(scope.close());
  });

  test('status goes running → failed, and stays failed', async () => {
    const scope = new Scope({ policy: 'isolate', onError: () => {} });
    const gate = deferred<void>();
    const boom = new Error('boom');
    const task = scope.spawn(async () => {
      await gate.promise;
      throw boom;
    });
    assert.equal(task.status, 'running');
    gate.resolve();
    assert.equal(await within(rejectionOf(task.join())), boom);
    assert.equal(task.status, 'failed');
    assert.equal(task.error, boom);
    task.cancel();
    assert.equal(task.status, 'failed');
    await within(scope.close());
  });

  test('a synchronous throw is a failure like any other', async () => {
    const scope = new Scope({ policy: 'isolate', onError: () => {} });
    const boom = new Error('sync boom');
    const task = scope.spawn(() => {
      throw boom;
    });
    assert.equal(task.status, 'failed');
    assert.equal(await within(rejectionOf(task)), boom);
    await within(scope.close());
  });

  test('a thrown non-Error is wrapped in NonErrorThrownError with the value', async () => {
    const scope = new Scope({ policy: 'isolate', onError: () => {} });
    const payload = { code: 7 };
    const syncTask = scope.spawn(() => {
      throw 'a string';
    });
    const asyncTask = scope.spawn(async () => {
      await null;
      throw payload;
    });
    const syncError = await within(rejectionOf(syncTask.join()));
    const asyncError = await within(rejectionOf(asyncTask.join()));
    assert.ok(syncError instanceof NonErrorThrownError);
    assert.equal(syncError.value, 'a string');
    assert.equal(syncError.message, 'a string');
    assert.equal(syncError.code, 'WARDEN_ERR_NON_ERROR_THROWN');
    assert.ok(asyncError instanceof NonErrorThrownError);
    assert.equal(asyncError.value, payload);
    assert.match(asyncError.message, /"code":7/);
    assert.equal(asyncTask.status, 'failed');
    await within(scope.close());
  });
});

describe('Task cancellation', () => {
  test('cancel(reason) ends a cooperating task as cancelled; join rejects with CancelledError', async () => {
    const scope = newScope();
    const task = scope.spawn((token) => sleep(60_000, token));
    const reason = CancelReason.shutdown('stop now');
    task.cancel(reason);
    assert.equal(task.token.reason, reason);
    const error = await within(rejectionOf(task.join()));
    assert.ok(error instanceof CancelledError);
    assert.equal(error.reason, reason);
    assert.equal(task.status, 'cancelled');
    assert.equal(task.error, error);
    await within(scope.close());
  });

  test('cancel() without a reason uses a requested reason; a string becomes the message', async () => {
    const scope = newScope();
    const a = scope.spawn((token) => sleep(60_000, token));
    const b = scope.spawn((token) => sleep(60_000, token));
    a.cancel();
    b.cancel('user pressed stop');
    assert.equal(a.token.reason?.kind, 'requested');
    assert.deepEqual(b.token.reason, { kind: 'requested', message: 'user pressed stop' });
    await within(Promise.allSettled([a.join(), b.join()]));
    assert.equal(a.status, 'cancelled');
    assert.equal(b.status, 'cancelled');
    await within(scope.close());
  });

  test('cancellation is not a failure: the scope closes cleanly', async () => {
    const scope = newScope();
    const task = scope.spawn((token) => sleep(60_000, token));
    task.cancel();
    await within(scope.close());
    assert.equal(task.status, 'cancelled');
  });

  test('a task that resolves after being cancelled has succeeded', async () => {
    const scope = newScope();
    const task = scope.spawn(async (token) => {
      await token.cancelled();
      return 'cleaned up';
    });
    task.cancel();
    assert.equal(await within(task.join()), 'cleaned up');
    assert.equal(task.status, 'succeeded');
    await within(scope.close());
  });

  test("an AbortError from the token's signal counts as cancelled", async () => {
    const scope = newScope();
    const task = scope.spawn((token) => delay(60_000, undefined, { signal: token.signal }));
    task.cancel();
    await within(rejectionOf(task.join()));
    assert.equal(task.status, 'cancelled');
    assert.ok(task.error instanceof CancelledError);
    assert.equal(task.error, task.token.signal.reason, "the reason's one CancelledError");
    await within(scope.close());
  });

  test('an AbortError while the token is not cancelled is a failure', async () => {
    const scope = new Scope({ policy: 'isolate', onError: () => {} });
    const task = scope.spawn(() => delay(60_000, undefined, { signal: AbortSignal.abort() }));
    const error = await within(rejectionOf(task.join()));
    assert.equal((error as Error).name, 'AbortError');
    assert.equal(task.status, 'failed');
    await within(scope.close());
  });

  test('a task that rejects with its own error after cancellation has failed', async () => {
    const scope = new Scope({ policy: 'isolate', onError: () => {} });
    const boom = new Error('cleanup broke');
    const task = scope.spawn(async (token) => {
      await token.cancelled();
      throw boom;
    });
    task.cancel();
    assert.equal(await within(rejectionOf(task.join())), boom);
    assert.equal(task.status, 'failed');
    await within(scope.close());
  });
});

describe('Task timeout', () => {
  test('a task past its timeout fails with TimeoutError; its token reason is timeout', async () => {
    const scope = new Scope({ policy: 'isolate', onError: () => {} });
    const task = scope.spawn((token) => sleep(60_000, token), { name: 'slow', timeout: 20 });
    const error = await within(rejectionOf(task.join()));
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.code, 'WARDEN_ERR_TIMEOUT');
    assert.equal(error.ms, 20);
    assert.match(error.message, /slow/);
    assert.equal(task.status, 'failed');
    assert.equal(task.token.reason?.kind, 'timeout');
    await within(scope.close());
  });

  test('a timed-out task that returns anyway still fails with TimeoutError', async () => {
    const scope = new Scope({ policy: 'isolate', onError: () => {} });
    const task = scope.spawn(
      async (token) => {
        await token.cancelled();
        return 'too late';
      },
      { timeout: 5 },
    );
    assert.ok((await within(rejectionOf(task))) instanceof TimeoutError);
    await within(scope.close());
  });

  test('a timed-out task that fails on its own keeps its error as the cause', async () => {
    const scope = new Scope({ policy: 'isolate', onError: () => {} });
    const boom = new Error('broke while stopping');
    const task = scope.spawn(
      async (token) => {
        await token.cancelled();
        throw boom;
      },
      { timeout: 5 },
    );
    const error = await within(rejectionOf(task));
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.cause, boom);
    await within(scope.close());
  });

  test('a task that finishes within its timeout succeeds and its timer is cleared', async () => {
    const scope = newScope();
    const task = scope.spawn(async () => 'quick', { timeout: 60_000 });
    assert.equal(await within(task), 'quick');
    // The 60 s timer would keep this test file alive if it were not cleared; the runner would
    // then report the file as slow, so also check the token stays uncancelled.
    assert.equal(task.token.isCancelled, false);
    await within(scope.close());
  });

  test('a timeout of 0 cancels on the next timer tick', async () => {
    const scope = new Scope({ policy: 'isolate', onError: () => {} });
    const task = scope.spawn((token) => token.cancelled(), { timeout: 0 });
    assert.ok((await within(rejectionOf(task))) instanceof TimeoutError);
    await within(scope.close());
  });

  test('a task cancelled by its scope before its timeout stays cancelled, not timed out', async () => {
    const scope = newScope();
    const task = scope.spawn(
      async (token) => {
        try {
          await sleep(60_000, token);
        } finally {
          // Cleanup that outlasts the timeout must not turn the cancellation into a timeout.
          await delay(40);
        }
      },
      { timeout: 10 },
    );
    const reason = CancelReason.shutdown();
    scope.cancel(reason);
    const error = await within(rejectionOf(task));
    assert.ok(error instanceof CancelledError, `got ${String(error)}`);
    assert.equal(task.status, 'cancelled');
    assert.equal(task.token.reason, reason);
    await within(scope.close());
  });
});

describe('Task detach', () => {
  test("a detached task's failure goes to onError, not to close()", async () => {
    const reported: Array<[Error, Task<unknown>]> = [];
    const scope = new Scope({ onError: (error, task) => reported.push([error, task]) });
    const gate = deferred<void>();
    const boom = new Error('detached boom');
    const task = scope.spawn(async () => {
      await gate.promise;
      throw boom;
    });
    const sibling = scope.spawn((token) => token.cancelled().then(() => 'sibling done'));
    task.detach();
    assert.equal(task.detached, true);
    gate.resolve();
    await waitFor(() => task.status !== 'running');
    assert.deepEqual(reported, [[boom, task]]);
    // A detached failure does not cancel the siblings either.
    assert.equal(sibling.token.isCancelled, false);
    sibling.cancel();
    await within(scope.close());
    assert.equal(sibling.status, 'succeeded');
  });

  test('a detached task is still owned: its scope cancels it and waits for it', async () => {
    const scope = newScope();
    let cleanedUp = false;
    const task = scope.spawn(async (token) => {
      try {
        await sleep(60_000, token);
      } finally {
        await delay(5);
        cleanedUp = true;
      }
    });
    task.detach();
    assert.equal(task.detached, true);
    scope.cancel();
    await within(scope.close());
    assert.equal(cleanedUp, true);
    assert.equal(task.status, 'cancelled');
  });

  test("a detached task's failure is logged by default", async () => {
    const { logger, entries } = captureLogger();
    const scope = new Scope({ name: 'logged', logger });
    const boom = new Error('nobody joins me');
    const task = scope.spawn(() => Promise.reject(boom), 'lonely');
    task.detach();
    await within(scope.close());
    const entry = entries.find((e) => e.level === 'error');
    assert.ok(entry, 'an error entry was logged');
    assert.equal(entry.fields.err, boom);
    assert.equal(entry.fields.task, 'lonely');
    assert.equal(entry.fields.scope, 'logged');
  });
});

describe('Task bad arguments', () => {
  test('spawn refuses a non-function at the call', () => {
    const scope = newScope();
    assert.throws(() => scope.spawn('not a function' as never), isInvalidArgument('fn'));
    assert.throws(() => scope.spawn(undefined as never), isInvalidArgument('fn'));
    assert.equal(scope.size, 0);
  });

  test('spawn refuses a timeout that is negative, NaN, infinite, too large or not a number', () => {
    const scope = newScope();
    let ran = 0;
    for (const timeout of [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '10']) {
      assert.throws(
        () => scope.spawn(() => ran++, { timeout: timeout as number }),
        isInvalidArgument('options.timeout'),
        `timeout ${String(timeout)}`,
      );
    }
    assert.equal(ran, 0, 'the function never ran');
    assert.equal(scope.size, 0);
  });
});
