import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CancelledError,
  CancelReason,
  CancelToken,
  InvalidArgumentError,
  Scope,
  ScopeClosedError,
  sleep,
  type Task,
} from '../src/index.js';
import {
  captureLogger,
  deferred,
  rejectionOf,
  silentLogger,
  unknownOption,
  waitFor,
  within,
} from './helpers.js';

function isInvalidArgument(argument: string) {
  return (error: unknown): boolean =>
    error instanceof InvalidArgumentError &&
    error.code === 'WARDEN_ERR_INVALID_ARGUMENT' &&
    error.argument === argument;
}

describe('Scope basics', () => {
  test('defaults: name scope, policy cancel-siblings, a fresh root token', async () => {
    const scope = new Scope();
    assert.equal(scope.name, 'scope');
    assert.equal(scope.policy, 'cancel-siblings');
    assert.ok(scope.token instanceof CancelToken);
    assert.equal(scope.token.isCancelled, false);
    assert.equal(scope.closing, false);
    await within(scope.close());
    assert.equal(scope.closing, true);
  });

  test('close() waits for every task and resolves when all succeed', async () => {
    const scope = new Scope({ logger: silentLogger });
    const ended: number[] = [];
    for (const ms of [30, 10, 20]) {
      scope.spawn(async () => {
        await delay(ms);
        ended.push(ms);
      });
    }
    assert.equal(scope.size, 3);
    await within(scope.close());
    assert.deepEqual(ended.sort(), [10, 20, 30]);
    assert.equal(scope.size, 0);
  });

  test('close() is idempotent and returns the same promise', async () => {
    const scope = new Scope();
    const first = scope.close();
    assert.equal(scope.close(), first);
    await within(first);
  });

  test('running() is a snapshot of the tasks still running', async () => {
    const scope = new Scope({ logger: silentLogger });
    const gateA = deferred<void>();
    const a = scope.spawn(() => gateA.promise, 'a');
    const b = scope.spawn((token) => token.cancelled(), 'b');
    scope.spawn(() => 'done at once', 'c');
    const snapshot = scope.running();
    assert.deepEqual(new Set(snapshot), new Set<Task<unknown>>([a, b]));
    gateA.resolve();
    await within(a.join());
    assert.deepEqual(scope.running(), [b]);
    assert.equal(snapshot.length, 2, 'an earlier snapshot does not change');
    b.cancel();
    await within(scope.close());
    assert.deepEqual(scope.running(), []);
  });

  test('spawn after close has settled throws ScopeClosedError at the call', async () => {
    const scope = new Scope({ name: 'done' });
    await within(scope.close());
    let ran = false;
    assert.throws(
      () =>
        scope.spawn(() => {
          ran = true;
        }),
      (error: unknown) =>
        error instanceof ScopeClosedError &&
        error.code === 'WARDEN_ERR_SCOPE_CLOSED' &&
        /'done'/.test(error.message),
    );
    assert.equal(ran, false);
  });

  test('spawning while closing is allowed, and close() waits for the new task too', async () => {
    const scope = new Scope({ logger: silentLogger });
    const gate = deferred<void>();
    let lateEnded = false;
    const first = scope.spawn(async () => {
      await gate.promise;
      // Spawned by a running task while the scope is closing.
      scope.spawn(async () => {
        await delay(20);
        lateEnded = true;
      });
    });
    const closed = scope.close();
    assert.equal(scope.closing, true);
    gate.resolve();
    await within(closed);
    assert.equal(first.status, 'succeeded');
    assert.equal(lateEnded, true);
  });

  test('a task spawned right after close() on an idle scope is waited for', async () => {
    const scope = new Scope({ logger: silentLogger });
    const closed = scope.close();
    let ended = false;
    const task = scope.spawn(async () => {
      await delay(20);
      ended = true;
    });
    await within(closed);
    assert.equal(ended, true);
    assert.equal(task.status, 'succeeded');
  });

  test('cancel() cancels every task; tasks spawned after start cancelled', async () => {
    const scope = new Scope({ name: 'stoppable', logger: silentLogger });
    const a = scope.spawn((token) => sleep(60_000, token));
    scope.cancel();
    assert.equal(a.token.reason?.kind, 'requested');
    assert.match(a.token.reason?.message ?? '', /stoppable/);
    const late = scope.spawn((token) => {
      assert.equal(token.isCancelled, true);
      return sleep(60_000, token);
    });
    await within(scope.close());
    assert.equal(a.status, 'cancelled');
    assert.equal(late.status, 'cancelled');
  });

  test('a scope over a parent token: cancelling the parent cancels the tasks', async () => {
    const parent = new CancelToken();
    const scope = new Scope({ token: parent, logger: silentLogger });
    assert.notEqual(scope.token, parent);
    const task = scope.spawn((token) => sleep(60_000, token));
    const reason = CancelReason.shutdown('SIGTERM');
    parent.cancel(reason);
    const error = await within(rejectionOf(task.join()));
    assert.ok(error instanceof CancelledError);
    assert.equal(error.reason, reason);
    await within(scope.close());
  });

  test('cancelling a scope never cancels its parent token', async () => {
    const parent = new CancelToken();
    const scope = new Scope({ token: parent });
    scope.cancel();
    await within(scope.close());
    assert.equal(parent.isCancelled, false);
  });

  test('a closed scope leaves its parent token: it is not cancelled with it', async () => {
    const parent = new CancelToken();
    const scope = new Scope({ token: parent });
    await within(scope.close());
    parent.cancel();
    assert.equal(scope.token.isCancelled, false);
  });
});

describe("policy 'cancel-siblings'", () => {
  test('the first failure cancels siblings with parent-failure; close() rejects with it', async () => {
    const scope = new Scope({ logger: silentLogger });
    const boom = new Error('first failure');
    const reasons: CancelReason[] = [];
    const siblings = [1, 2].map(() =>
      scope.spawn(async (token) => {
        reasons.push(await token.cancelled());
        token.throwIfCancelled();
      }),
    );
    const failing = scope.spawn(async () => {
      await delay(5);
      throw boom;
    }, 'breaker');
    const error = await within(rejectionOf(scope.close()));
    assert.equal(error, boom);
    assert.equal(failing.status, 'failed');
    for (const sibling of siblings) assert.equal(sibling.status, 'cancelled');
    assert.equal(reasons.length, 2);
    for (const reason of reasons) {
      assert.equal(reason.kind, 'parent-failure');
      assert.equal(reason.cause, boom);
      assert.match(reason.message, /breaker/);
    }
    assert.equal(scope.token.reason?.kind, 'parent-failure');
  });

  test('a synchronous throw at spawn also fails the scope', async () => {
    const scope = new Scope({ logger: silentLogger });
    const sibling = scope.spawn((token) => sleep(60_000, token));
    const boom = new Error('sync');
    scope.spawn(() => {
      throw boom;
    });
    assert.equal(sibling.token.isCancelled, true);
    assert.equal(await within(rejectionOf(scope.close())), boom);
  });

  test('several failures together reject close() with an AggregateError of all of them', async () => {
    const scope = new Scope({ name: 'many', logger: silentLogger });
    const gate = deferred<void>();
    const errors = [new Error('one'), new Error('two'), new Error('three')];
    for (const error of errors) {
      scope.spawn(async () => {
        await gate.promise;
        throw error;
      });
    }
    gate.resolve();
    const rejection = await within(rejectionOf(scope.close()));
    assert.ok(rejection instanceof AggregateError, `got ${String(rejection)}`);
    assert.deepEqual(new Set(rejection.errors), new Set(errors));
    assert.match(rejection.message, /3 tasks failed in scope 'many'/);
  });

  test('a failure before close() is called still rejects close() later', async () => {
    const scope = new Scope({ logger: silentLogger });
    const boom = new Error('early');
    const task = scope.spawn(async () => {
      throw boom;
    });
    await within(rejectionOf(task));
    assert.equal(await within(rejectionOf(scope.close())), boom);
  });

  test('cancelled tasks are not failures', async () => {
    const scope = new Scope({ logger: silentLogger });
    const task = scope.spawn((token) => sleep(60_000, token));
    task.cancel();
    await within(scope.close());
    assert.equal(task.status, 'cancelled');
  });
});

describe("policy 'isolate'", () => {
  test('onError is told of each failure with its task; siblings go on; close resolves', async () => {
    const reported: Array<[Error, Task<unknown>]> = [];
    const scope = new Scope({
      policy: 'isolate',
      onError: (error, task) => reported.push([error, task]),
    });
    const boom = new Error('isolated');
    const gate = deferred<string>();
    const failing = scope.spawn(async () => {
      throw boom;
    });
    const sibling = scope.spawn(() => gate.promise);
    await waitFor(() => failing.status === 'failed');
    assert.deepEqual(reported, [[boom, failing]]);
    assert.equal(sibling.token.isCancelled, false);
    assert.equal(scope.token.isCancelled, false);
    gate.resolve('still fine');
    await within(scope.close());
    assert.equal(await sibling, 'still fine');
  });

  test('by default a failure is logged at error level', async () => {
    const { logger, entries } = captureLogger();
    const scope = new Scope({ name: 'svc', policy: 'isolate', logger });
    const boom = new Error('logged failure');
    const task = scope.spawn(() => Promise.reject(boom), 'worker');
    await within(scope.close());
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry?.level, 'error');
    assert.equal(entry?.fields.err, boom);
    assert.equal(entry?.fields.scope, 'svc');
    assert.equal(entry?.fields.task, 'worker');
    assert.equal(entry?.fields.taskId, task.id);
    assert.match(entry?.msg ?? '', /worker/);
  });

  test('an onError hook that throws is logged and does not break the scope', async () => {
    const { logger, entries } = captureLogger();
    const hookError = new Error('hook broke');
    const scope = new Scope({
      policy: 'isolate',
      logger,
      onError: () => {
        throw hookError;
      },
    });
    scope.spawn(() => Promise.reject(new Error('task broke')));
    const ok = scope.spawn(async () => 'ok');
    await within(scope.close());
    assert.equal(await ok, 'ok');
    assert.ok(entries.some((e) => e.level === 'error' && e.fields.err === hookError));
  });
});

describe('onTaskEnd', () => {
  test('is told synchronously as each task ends, with its final status and value or error', async () => {
    const seen: Array<[string, string, unknown]> = [];
    const scope = new Scope({
      policy: 'isolate',
      onError: () => {},
      onTaskEnd: (task) => seen.push([task.name, task.status, task.value ?? task.error?.message]),
    });
    // A synchronous return ends inside spawn(): the hook has run when spawn returns.
    scope.spawn(() => 'sync', 'sync');
    assert.deepEqual(seen, [['sync', 'succeeded', 'sync']]);
    const failing = scope.spawn(async () => {
      throw new Error('boom');
    }, 'fails');
    const cancelled = scope.spawn((token) => sleep(60_000, token), 'cancelled');
    await rejectionOf(failing.join());
    cancelled.cancel();
    await scope.close();
    assert.deepEqual(seen, [
      ['sync', 'succeeded', 'sync'],
      ['fails', 'failed', 'boom'],
      ['cancelled', 'cancelled', cancelled.error?.message],
    ]);
  });

  test('a hook that throws is logged; the scope and its failure policy go on', async () => {
    const { logger, entries } = captureLogger();
    const scope = new Scope({
      logger,
      onTaskEnd: () => {
        throw new Error('hook broke');
      },
    });
    scope.spawn(async () => {
      throw new Error('task broke');
    });
    const error = await rejectionOf(scope.close());
    assert.equal((error as Error).message, 'task broke');
    assert.ok(entries.some((entry) => entry.msg === 'scope onTaskEnd hook threw'));
  });

  test('onTaskEnd must be a function', () => {
    assert.throws(
      () => new Scope({ onTaskEnd: 'log it' as never }),
      isInvalidArgument('options.onTaskEnd'),
    );
  });
});

describe('await using', () => {
  test('leaving the block cancels running tasks and waits for them', async () => {
    let cleanedUp = false;
    let task: Task<void> | undefined;
    {
      await using scope = new Scope({ name: 'block', logger: silentLogger });
      task = scope.spawn(async (token) => {
        try {
          await sleep(60_000, token);
        } finally {
          await delay(10);
          cleanedUp = true;
        }
      });
    }
    assert.equal(cleanedUp, true);
    assert.equal(task.status, 'cancelled');
    assert.match(task.token.reason?.message ?? '', /block/);
  });

  test('leaving the block after everything ended cancels nothing', async () => {
    let token: CancelToken | undefined;
    {
      await using scope = new Scope();
      token = scope.token;
      await scope.spawn(async () => 1);
    }
    assert.equal(token.isCancelled, false);
  });

  test('a failure inside the block surfaces when it is left', async () => {
    const boom = new Error('inside');
    const attempt = async (): Promise<void> => {
      await using scope = new Scope({ logger: silentLogger });
      scope.spawn(() => Promise.reject(boom));
    };
    assert.equal(await within(rejectionOf(attempt())), boom);
  });
});

describe('Scope bad arguments', () => {
  test('options must be an object', () => {
    assert.throws(() => new Scope(null as never), isInvalidArgument('options'));
    assert.throws(() => new Scope('name' as never), isInvalidArgument('options'));
  });

  test('token must be a CancelToken', () => {
    assert.throws(
      () => new Scope({ token: new AbortController().signal as never }),
      isInvalidArgument('options.token'),
    );
  });

  test('policy must be a known one', () => {
    assert.throws(
      () => new Scope({ policy: 'ignore' as never }),
      isInvalidArgument('options.policy'),
    );
  });

  test('onError must be a function', () => {
    assert.throws(
      () => new Scope({ onError: 'log it' as never }),
      isInvalidArgument('options.onError'),
    );
  });

  test('an unknown option key throws, naming it and the key it likely stands for', () => {
    assert.throws(
      () => new Scope({ nmae: 'x' } as never),
      unknownOption("Scope options: unknown option 'nmae' (did you mean 'name'?)"),
    );
    assert.throws(
      () => new Scope({ parent: new CancelToken() } as never),
      unknownOption(
        "Scope options: unknown option 'parent'; valid options: logger, name, onError, onTaskEnd, policy, recordSpawnSites, token",
      ),
    );
    const scope = new Scope();
    assert.throws(
      () => scope.spawn(() => 1, { timeut: 5 } as never),
      unknownOption("Scope.spawn options: unknown option 'timeut' (did you mean 'timeout'?)"),
    );
    assert.equal(scope.size, 0, 'nothing was spawned');
  });

  test('every option at once is accepted, and a known key set to undefined too', async () => {
    const scope = new Scope({
      name: 'all',
      policy: 'isolate',
      token: new CancelToken(),
      onError: () => {},
      logger: silentLogger,
      recordSpawnSites: true,
    });
    assert.equal(await scope.spawn(() => 1, { name: 'one', timeout: 1_000 }).join(), 1);
    assert.equal(await scope.spawn(() => 2, { name: undefined } as never).join(), 2);
    await scope.close();
    assert.equal(new Scope({ name: undefined, logger: undefined } as never).name, 'scope');
  });
});
