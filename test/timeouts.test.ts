import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CancelledError,
  CancelReason,
  CancelToken,
  InvalidArgumentError,
  Scope,
  shield,
  sleep,
  TimeoutError,
  withTimeout,
} from '../src/index.js';
import { deferred, rejectionOf, silentLogger, unknownOption, within } from './helpers.js';

function isInvalidArgument(argument: string) {
  return (error: unknown): boolean =>
    error instanceof InvalidArgumentError &&
    error.code === 'WARDEN_ERR_INVALID_ARGUMENT' &&
    error.argument === argument;
}

const BAD_DURATIONS: unknown[] = [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '5', null];

describe('withTimeout', () => {
  test('resolves with the value when the work finishes in time', async () => {
    const value = await within(
      withTimeout(60_000, async (token) => {
        await delay(1);
        assert.equal(token.isCancelled, false);
        return 'in time';
      }),
    );
    assert.equal(value, 'in time');
    assert.equal(await within(withTimeout(60_000, () => 'sync')), 'sync');
  });

  test('rejects with TimeoutError when the limit passes; the token reason is timeout', async () => {
    let seen: CancelToken | undefined;
    const error = await within(
      rejectionOf(
        withTimeout(20, (token) => {
          seen = token;
          return sleep(60_000, token);
        }),
      ),
    );
    assert.ok(error instanceof TimeoutError, `got ${String(error)}`);
    assert.equal(error.code, 'WARDEN_ERR_TIMEOUT');
    assert.equal(error.ms, 20);
    assert.match(error.message, /timed out after 20 ms/);
    assert.equal(seen?.reason?.kind, 'timeout');
  });

  test('is structured: it settles only after the work has ended', async () => {
    let cleanedUp = false;
    const error = await within(
      rejectionOf(
        withTimeout(10, async (token) => {
          try {
            await sleep(60_000, token);
          } finally {
            await delay(30);
            cleanedUp = true;
          }
        }),
      ),
    );
    assert.ok(error instanceof TimeoutError);
    assert.equal(cleanedUp, true, 'the cleanup ran before withTimeout rejected');
  });

  test('work that ignores the timeout and returns late still times out', async () => {
    const error = await within(
      rejectionOf(
        withTimeout(5, async (token) => {
          await token.cancelled();
          return 'late';
        }),
      ),
    );
    assert.ok(error instanceof TimeoutError);
  });

  test("the work's own failure after a timeout is kept as the TimeoutError's cause", async () => {
    const boom = new Error('broke while stopping');
    const error = await within(
      rejectionOf(
        withTimeout(5, async (token) => {
          await token.cancelled();
          throw boom;
        }),
      ),
    );
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.cause, boom);
  });

  test('a failure within the limit passes through unchanged', async () => {
    const boom = new Error('plain failure');
    assert.equal(await within(rejectionOf(withTimeout(60_000, () => Promise.reject(boom)))), boom);
    assert.equal(
      await within(
        rejectionOf(
          withTimeout(60_000, () => {
            throw boom;
          }),
        ),
      ),
      boom,
    );
  });

  test('outer token cancellation passes through as CancelledError, not a timeout', async () => {
    const outer = new CancelToken();
    const started = deferred<CancelToken>();
    const running = withTimeout(
      60_000,
      (token) => {
        started.resolve(token);
        return sleep(60_000, token);
      },
      { token: outer },
    );
    const inner = await within(started.promise);
    const reason = CancelReason.shutdown();
    outer.cancel(reason);
    const error = await within(rejectionOf(running));
    assert.ok(error instanceof CancelledError, `got ${String(error)}`);
    assert.equal(error.reason, reason);
    assert.equal(inner.reason, reason);
  });

  test('outer cancellation stays a cancellation even if cleanup outlasts the limit', async () => {
    const outer = new CancelToken();
    const running = withTimeout(
      10,
      async (token) => {
        try {
          await sleep(60_000, token);
        } finally {
          await delay(40);
        }
      },
      { token: outer },
    );
    outer.cancel(CancelReason.shutdown());
    const error = await within(rejectionOf(running));
    assert.ok(error instanceof CancelledError, `got ${String(error)}`);
  });

  test('an already-cancelled outer token gives the work a cancelled token', async () => {
    const outer = new CancelToken();
    outer.cancel('before');
    const error = await within(
      rejectionOf(withTimeout(60_000, (token) => sleep(60_000, token), { token: outer })),
    );
    assert.ok(error instanceof CancelledError);
    assert.equal(error.reason.message, 'before');
  });

  test("the timeout does not cancel the outer token, and the work's token leaves it", async () => {
    const outer = new CancelToken();
    let inner: CancelToken | undefined;
    await within(
      rejectionOf(
        withTimeout(
          5,
          (token) => {
            inner = token;
            return sleep(60_000, token);
          },
          { token: outer },
        ),
      ),
    );
    assert.equal(outer.isCancelled, false);
    const finished = await withTimeout(
      60_000,
      (token) => {
        inner = token;
        return 'done';
      },
      { token: outer },
    );
    assert.equal(finished, 'done');
    outer.cancel();
    assert.equal(inner?.isCancelled, false, 'a finished call is unlinked from the outer token');
  });

  test('bad arguments throw InvalidArgumentError at the call', () => {
    for (const ms of BAD_DURATIONS) {
      assert.throws(() => withTimeout(ms as number, () => 1), isInvalidArgument('ms'));
    }
    assert.throws(() => withTimeout(10, 'fn' as never), isInvalidArgument('fn'));
    assert.throws(
      () => withTimeout(10, () => 1, { token: AbortSignal.abort() as never }),
      isInvalidArgument('options.token'),
    );
    assert.throws(() => withTimeout(10, () => 1, null as never), isInvalidArgument('options'));
  });

  test('an unknown option key throws at the call; every option at once is accepted', async () => {
    assert.throws(
      () => withTimeout(10, () => 1, { signal: AbortSignal.abort() } as never),
      unknownOption("withTimeout options: unknown option 'signal'; valid options: token"),
    );
    assert.equal(await withTimeout(1_000, () => 1, { token: new CancelToken() }), 1);
  });
});

describe('sleep', () => {
  test('resolves after about the given time', async () => {
    const start = performance.now();
    await within(sleep(20));
    assert.ok(performance.now() - start >= 15, 'waited roughly 20 ms');
    const token = new CancelToken();
    await within(sleep(5, token));
    assert.equal(token.isCancelled, false);
  });

  test('rejects with CancelledError carrying the reason when the token is cancelled', async () => {
    const token = new CancelToken();
    const sleeping = sleep(60_000, token);
    const reason = CancelReason.shutdown('SIGINT');
    token.cancel(reason);
    const error = await within(rejectionOf(sleeping));
    assert.ok(error instanceof CancelledError);
    assert.equal(error.reason, reason);
  });

  test('sleeps cancelled for one reason share one CancelledError carrying that reason', async () => {
    const root = new CancelToken();
    const children = [root.child(), root.child(), root.child().child()];
    const sleeping = [sleep(60_000, root), ...children.map((token) => sleep(60_000, token))];
    const reason = CancelReason.shutdown('SIGTERM');
    root.cancel(reason);
    const errors = await within(Promise.all(sleeping.map((p) => rejectionOf(p))));
    const [first] = errors;
    assert.ok(first instanceof CancelledError);
    assert.equal(first.reason, reason);
    assert.equal(first.cause, reason.cause);
    for (const error of errors) assert.equal(error, first);
    // A sleep begun after the cancel, and the token's own error, are that same object.
    assert.equal(await within(rejectionOf(sleep(60_000, children[0]))), first);
    assert.equal(root.signal.reason, first);
    // Another reason, another error.
    const other = new CancelToken();
    const otherSleep = sleep(60_000, other);
    other.cancel(CancelReason.timeout(5));
    const otherError = await within(rejectionOf(otherSleep));
    assert.ok(otherError instanceof CancelledError);
    assert.notEqual(otherError, first);
    assert.equal(otherError.reason, other.reason);
  });

  test('rejects at once on an already-cancelled token', async () => {
    const token = new CancelToken();
    token.cancel(CancelReason.timeout(1));
    const sleeping = sleep(60_000, token);
    // Rejected already: a macrotask later it has settled without any timer firing.
    let settled: unknown;
    sleeping.catch((error: unknown) => {
      settled = error;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(settled instanceof CancelledError);
    assert.equal(settled.reason.kind, 'timeout');
  });

  test('bad arguments throw InvalidArgumentError at the call', () => {
    for (const ms of BAD_DURATIONS) {
      assert.throws(() => sleep(ms as number), isInvalidArgument('ms'));
    }
    assert.throws(() => sleep(1, {} as never), isInvalidArgument('token'));
  });
});

describe('shield', () => {
  test('the shielded work is not cancelled by the outer cancellation', async () => {
    const scope = new Scope({ logger: silentLogger });
    let flushed = false;
    let shieldedToken: CancelToken | undefined;
    const task = scope.spawn(async (token) => {
      try {
        await sleep(60_000, token);
      } finally {
        await shield(async (inner) => {
          shieldedToken = inner;
          await sleep(20, inner);
          flushed = true;
        });
      }
    });
    task.cancel(CancelReason.shutdown());
    await within(scope.close());
    assert.equal(flushed, true);
    assert.equal(shieldedToken?.isCancelled, false);
    assert.equal(task.status, 'cancelled');
  });

  test('resolves with the value of the work', async () => {
    assert.equal(await within(shield(() => 'value')), 'value');
    assert.equal(
      await within(shield(async () => 'async value', { timeout: 60_000 })),
      'async value',
    );
  });

  test('a synchronous throw becomes a rejection', async () => {
    const boom = new Error('flush failed');
    const result = shield(() => {
      throw boom;
    });
    assert.ok(result instanceof Promise);
    assert.equal(await within(rejectionOf(result)), boom);
  });

  test('past its timeout the shielded work is cancelled and it rejects with TimeoutError', async () => {
    let inner: CancelToken | undefined;
    const error = await within(
      rejectionOf(
        shield(
          (token) => {
            inner = token;
            return sleep(60_000, token);
          },
          { timeout: 15 },
        ),
      ),
    );
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.ms, 15);
    assert.equal(inner?.reason?.kind, 'timeout');
  });

  test('bad arguments throw InvalidArgumentError at the call', () => {
    assert.throws(() => shield(42 as never), isInvalidArgument('fn'));
    assert.throws(() => shield(() => 1, { timeout: -5 }), isInvalidArgument('options.timeout'));
  });

  test('an unknown option key throws at the call; every option at once is accepted', async () => {
    let ran = false;
    assert.throws(
      () =>
        shield(
          () => {
            ran = true;
          },
          { timeoutMs: 5 } as never,
        ),
      unknownOption("shield options: unknown option 'timeoutMs' (did you mean 'timeout'?)"),
    );
    assert.equal(ran, false, 'the work did not start');
    assert.equal(await shield(() => 2, { timeout: 1_000 }), 2);
  });
});
