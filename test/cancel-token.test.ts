import assert from 'node:assert/strict';
import { EventEmitter, getEventListeners, once } from 'node:events';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CancelledError,
  CancelReason,
  CancelToken,
  InvalidArgumentError,
  Scope,
  TimeoutError,
  withTimeout,
} from '../src/index.js';
import {
  deferred,
  rejectionOf,
  settledHeapUsed,
  silentLogger,
  waitFor,
  within,
  withUncaughtExceptions,
} from './helpers.js';

describe('CancelToken tree', () => {
  test('a new token is not cancelled and has no reason', () => {
    const token = new CancelToken();
    assert.equal(token.isCancelled, false);
    assert.equal(token.reason, undefined);
  });

  test('cancelling a parent cancels its children and grandchildren with the same reason', () => {
    const root = new CancelToken();
    const child = root.child();
    const grandchild = child.child();
    const reason = CancelReason.shutdown('SIGTERM');
    root.cancel(reason);
    assert.equal(child.isCancelled, true);
    assert.equal(grandchild.isCancelled, true);
    assert.equal(child.reason, reason);
    assert.equal(grandchild.reason, reason);
  });

  test('cancelling a child never cancels its parent or its siblings', () => {
    const root = new CancelToken();
    const a = root.child();
    const b = root.child();
    const aChild = a.child();
    assert.equal(a.cancel(), true);
    assert.equal(aChild.isCancelled, true);
    assert.equal(root.isCancelled, false);
    assert.equal(b.isCancelled, false);
    // The parent still cancels the children that remain.
    root.cancel();
    assert.equal(b.isCancelled, true);
  });

  test('a child of a cancelled token starts cancelled with the parent reason', () => {
    const root = new CancelToken();
    root.cancel('gone');
    const child = root.child();
    assert.equal(child.isCancelled, true);
    assert.equal(child.reason, root.reason);
  });

  test('cancel is idempotent: the first reason wins and later calls return false', () => {
    const token = new CancelToken();
    assert.equal(token.cancel(CancelReason.timeout(10)), true);
    assert.equal(token.cancel(CancelReason.shutdown()), false);
    assert.equal(token.cancel('again'), false);
    assert.equal(token.reason?.kind, 'timeout');
  });

  test('a child cancelled on its own keeps its reason when the parent is cancelled later', () => {
    const root = new CancelToken();
    const child = root.child();
    child.cancel(CancelReason.timeout(5));
    root.cancel(CancelReason.shutdown());
    assert.equal(child.reason?.kind, 'timeout');
  });

  test('cancel accepts a message, a reason, or nothing; anything else is refused', () => {
    const a = new CancelToken();
    a.cancel();
    assert.equal(a.reason?.kind, 'requested');
    const b = new CancelToken();
    b.cancel('user clicked stop');
    assert.deepEqual(b.reason, { kind: 'requested', message: 'user clicked stop' });
    const c = new CancelToken();
    assert.throws(
      () => c.cancel({ kind: 'bogus', message: 'x' } as never),
      (error: unknown) =>
        error instanceof InvalidArgumentError && error.code === 'WARDEN_ERR_INVALID_ARGUMENT',
    );
    assert.throws(() => c.cancel(42 as never), InvalidArgumentError);
    assert.equal(c.isCancelled, false);
  });

  test('reasons of every kind are distinguishable', () => {
    const cause = new Error('db down');
    const reasons = [
      CancelReason.requested(),
      CancelReason.timeout(250),
      CancelReason.shutdown(),
      CancelReason.parentFailure(cause),
    ];
    assert.deepEqual(
      reasons.map((r) => r.kind),
      ['requested', 'timeout', 'shutdown', 'parent-failure'],
    );
    assert.match(CancelReason.timeout(250).message, /250 ms/);
    assert.equal(CancelReason.parentFailure(cause).cause, cause);
    assert.equal(CancelReason.requested('why', cause).cause, cause);
    assert.equal('cause' in CancelReason.requested(), false);
    for (const reason of reasons) {
      const token = new CancelToken();
      token.cancel(reason);
      assert.equal(token.reason, reason);
      assert.equal(CancelReason.is(reason), true);
    }
    assert.equal(CancelReason.is({ kind: 'requested' }), false);
    assert.equal(CancelReason.is(null), false);
    assert.equal(CancelReason.is('requested'), false);
  });

  test('a chain of 100,000 nested children cancels without overflowing the stack', () => {
    const root = new CancelToken();
    let leaf = root;
    for (let i = 0; i < 100_000; i++) leaf = leaf.child();
    let leafReason: CancelReason | undefined;
    leaf.onCancel((reason) => {
      leafReason = reason;
    });
    const reason = CancelReason.shutdown();
    assert.equal(root.cancel(reason), true);
    assert.equal(leaf.isCancelled, true);
    assert.equal(leafReason, reason);
  });

  test('a wide tree of 100,000 children all cancel', () => {
    const root = new CancelToken();
    const children = Array.from({ length: 100_000 }, () => root.child());
    root.cancel();
    assert.equal(
      children.every((child) => child.isCancelled),
      true,
    );
  });
});

describe('CancelToken listeners', () => {
  test('onCancel listeners run once, synchronously, with the reason', () => {
    const token = new CancelToken();
    const seen: CancelReason[] = [];
    token.onCancel((reason) => seen.push(reason));
    const reason = CancelReason.shutdown();
    token.cancel(reason);
    assert.deepEqual(seen, [reason]);
    token.cancel('again');
    assert.equal(seen.length, 1);
  });

  test('when a listener runs the whole subtree is already cancelled; parents run first', () => {
    const root = new CancelToken();
    const child = root.child();
    const grandchild = child.child();
    const order: string[] = [];
    grandchild.onCancel(() => order.push('grandchild'));
    child.onCancel(() => order.push('child'));
    root.onCancel(() => {
      order.push('root');
      assert.equal(grandchild.isCancelled, true);
    });
    root.cancel();
    assert.deepEqual(order, ['root', 'child', 'grandchild']);
  });

  test('in a wide tree, every listener of a level runs before any of the next', () => {
    const root = new CancelToken();
    const tokens: CancelToken[] = [root];
    const order: string[] = [];
    let allCancelledAtFirst: boolean | undefined;
    for (const a of ['a', 'b', 'c']) {
      const child = root.child();
      tokens.push(child);
      child.onCancel(() => order.push(a));
      for (const n of ['1', '2']) {
        const grandchild = child.child();
        tokens.push(grandchild);
        grandchild.onCancel(() => order.push(a + n));
        // A signal is one more thing to notify, in the same order as the listeners.
        grandchild.signal.addEventListener('abort', () => order.push(`${a + n} signal`));
      }
    }
    root.onCancel(() => {
      allCancelledAtFirst = tokens.every((token) => token.isCancelled);
      order.push('root');
    });
    root.cancel();
    assert.equal(allCancelledAtFirst, true);
    assert.equal(order[0], 'root');
    assert.deepEqual(order.slice(1, 4).sort(), ['a', 'b', 'c']);
    const rest = order.slice(4);
    assert.deepEqual(
      [...rest].sort(),
      ['a1', 'a1 signal', 'a2', 'a2 signal', 'b1', 'b1 signal', 'b2', 'b2 signal', 'c1']
        .concat(['c1 signal', 'c2', 'c2 signal'])
        .sort(),
    );
    for (const name of ['a1', 'a2', 'b1', 'b2', 'c1', 'c2']) {
      assert.ok(rest.indexOf(`${name} signal`) < rest.indexOf(name), `${name}: signal first`);
    }
  });

  test('disposing a registration from another listener of the same cancel does nothing', () => {
    // By then its token is cancelled too, and disposing after cancellation does nothing.
    const root = new CancelToken();
    const child = root.child();
    let childCalls = 0;
    const registration = child.onCancel(() => childCalls++);
    root.onCancel(() => registration.dispose());
    root.cancel();
    assert.equal(childCalls, 1);
  });

  test('a disposed listener is not called, and disposing twice is harmless', () => {
    const token = new CancelToken();
    let calls = 0;
    const registration = token.onCancel(() => calls++);
    registration.dispose();
    registration.dispose();
    let kept = 0;
    token.onCancel(() => kept++);
    token.cancel();
    assert.equal(calls, 0);
    assert.equal(kept, 1);
    registration.dispose();
  });

  test('the same function registered twice runs twice; disposing one leaves the other', () => {
    const token = new CancelToken();
    let calls = 0;
    const listener = (): void => {
      calls++;
    };
    const first = token.onCancel(listener);
    token.onCancel(listener);
    first.dispose();
    token.cancel();
    assert.equal(calls, 1);
  });

  test('a listener added from inside a listener runs at once, the token being cancelled', () => {
    const token = new CancelToken();
    const order: string[] = [];
    token.onCancel(() => {
      order.push('outer');
      token.onCancel(() => order.push('inner'));
      order.push('after inner');
    });
    token.cancel();
    assert.deepEqual(order, ['outer', 'inner', 'after inner']);
  });

  test('a listener registration works with `using`', () => {
    const token = new CancelToken();
    let calls = 0;
    {
      using _registration = token.onCancel(() => calls++);
    }
    token.cancel();
    assert.equal(calls, 0);
  });

  test('onCancel on an already-cancelled token runs the listener at once', () => {
    const token = new CancelToken();
    const reason = CancelReason.timeout(1);
    token.cancel(reason);
    let seen: CancelReason | undefined;
    const registration = token.onCancel((r) => {
      seen = r;
    });
    assert.equal(seen, reason);
    registration.dispose();
  });

  test('onCancel refuses a listener that is not a function', () => {
    const token = new CancelToken();
    assert.throws(
      () => token.onCancel('nope' as never),
      (error: unknown) =>
        error instanceof InvalidArgumentError && error.code === 'WARDEN_ERR_INVALID_ARGUMENT',
    );
  });

  test('a throwing listener does not stop the others and surfaces as an uncaught exception', async () => {
    await withUncaughtExceptions(async (caught) => {
      const token = new CancelToken();
      const child = token.child();
      const boom = new Error('listener exploded');
      const boom2 = new Error('child listener exploded');
      const calls: string[] = [];
      token.onCancel(() => calls.push('first'));
      token.onCancel(() => {
        throw boom;
      });
      token.onCancel(() => calls.push('third'));
      child.onCancel(() => {
        throw boom2;
      });
      child.onCancel(() => calls.push('child'));
      assert.equal(token.cancel(), true);
      assert.deepEqual(calls, ['first', 'third', 'child']);
      // The errors are re-thrown on a later tick, never swallowed.
      await within(
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (caught.length >= 2) resolve();
            else setImmediate(check);
          };
          check();
        }),
        { what: 'the uncaught exceptions' },
      );
      assert.deepEqual(caught, [boom, boom2]);
    });
  });
});

describe('CancelToken promises and errors', () => {
  test('cancelled() resolves with the reason once cancelled, and is the same promise', async () => {
    const token = new CancelToken();
    const promise = token.cancelled();
    assert.equal(token.cancelled(), promise);
    let settled = false;
    void promise.then(() => {
      settled = true;
    });
    await delay(0);
    assert.equal(settled, false);
    const reason = CancelReason.shutdown();
    token.cancel(reason);
    assert.equal(await within(promise), reason);
  });

  test('cancelled() on an already-cancelled token resolves', async () => {
    const token = new CancelToken();
    token.cancel('done');
    assert.equal((await within(token.cancelled())).message, 'done');
  });

  test('throwIfCancelled does nothing before and throws CancelledError with the reason after', () => {
    const token = new CancelToken();
    token.throwIfCancelled();
    const reason = CancelReason.parentFailure(new Error('x'));
    token.cancel(reason);
    assert.throws(
      () => token.throwIfCancelled(),
      (error: unknown) =>
        error instanceof CancelledError &&
        error.reason === reason &&
        error.code === 'WARDEN_ERR_CANCELLED' &&
        error.cause === reason.cause,
    );
  });
});

describe('CancelToken errors', () => {
  test('one CancelledError per reason: signal.reason, throwIfCancelled and children share it', () => {
    const root = new CancelToken();
    const child = root.child();
    const signal = child.signal;
    const reason = CancelReason.shutdown();
    root.cancel(reason);
    const error = signal.reason as CancelledError;
    assert.ok(error instanceof CancelledError);
    assert.equal(error.reason, reason);
    assert.throws(
      () => root.throwIfCancelled(),
      (thrown: unknown) => thrown === error,
    );
    assert.throws(
      () => child.throwIfCancelled(),
      (thrown: unknown) => thrown === error,
    );
    assert.equal(root.signal.reason, error, 'a signal read after the cancel too');
    const other = new CancelToken();
    other.cancel(CancelReason.shutdown());
    assert.throws(
      () => other.throwIfCancelled(),
      (thrown: unknown) =>
        thrown instanceof CancelledError && thrown !== error && thrown.reason === other.reason,
    );
  });
});

describe('CancelToken.signal', () => {
  test('is one AbortSignal that aborts on cancel with a CancelledError carrying the reason', () => {
    const token = new CancelToken();
    const signal = token.signal;
    assert.equal(token.signal, signal);
    assert.equal(signal.aborted, false);
    let events = 0;
    signal.addEventListener('abort', () => events++);
    const reason = CancelReason.shutdown();
    token.cancel(reason);
    assert.equal(signal.aborted, true);
    assert.equal(events, 1);
    assert.ok(signal.reason instanceof CancelledError);
    assert.equal(signal.reason.reason, reason);
  });

  test('a child token signal aborts when the parent is cancelled', () => {
    const root = new CancelToken();
    const signal = root.child().child().signal;
    root.cancel(CancelReason.timeout(3));
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as CancelledError).reason.kind, 'timeout');
  });

  test('read after cancellation, it is already aborted', () => {
    const token = new CancelToken();
    token.cancel('early');
    const signal = token.signal;
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as CancelledError).reason.message, 'early');
  });

  test('aborts a timers/promises setTimeout', async () => {
    const token = new CancelToken();
    const waiting = delay(60_000, undefined, { signal: token.signal });
    token.cancel(CancelReason.shutdown());
    const error = await within(rejectionOf(waiting));
    assert.equal((error as Error).name, 'AbortError');
    assert.ok((error as Error).cause instanceof CancelledError);
    assert.equal(((error as Error).cause as CancelledError).reason.kind, 'shutdown');
  });

  test('aborts an events.once wait', async () => {
    const token = new CancelToken();
    const emitter = new EventEmitter();
    const waiting = once(emitter, 'never', { signal: token.signal });
    token.cancel('stop waiting');
    const error = await within(rejectionOf(waiting));
    assert.equal((error as Error).name, 'AbortError');
    assert.equal(emitter.listenerCount('never'), 0);
  });
});

describe('CancelToken.from', () => {
  test('adopts a signal: aborting it cancels the token with kind requested and the cause', async () => {
    const controller = new AbortController();
    const token = CancelToken.from(controller.signal);
    assert.equal(token.isCancelled, false);
    const cause = new Error('user left');
    controller.abort(cause);
    assert.equal(token.isCancelled, true);
    assert.equal(token.reason?.kind, 'requested');
    assert.equal(token.reason?.message, 'user left');
    assert.equal(token.reason?.cause, cause);
  });

  test('an already-aborted signal gives a token that is already cancelled', () => {
    const token = CancelToken.from(AbortSignal.abort('why not'));
    assert.equal(token.isCancelled, true);
    assert.equal(token.reason?.kind, 'requested');
    assert.equal(token.reason?.cause, 'why not');
  });

  test('AbortSignal.timeout gives a timeout reason', async () => {
    const token = CancelToken.from(AbortSignal.timeout(10));
    const reason = await within(token.cancelled(), { what: 'AbortSignal.timeout' });
    assert.equal(reason.kind, 'timeout');
    assert.equal(token.reason?.kind, 'timeout');
  });

  test('a signal that came from a token maps back to its reason', () => {
    const source = new CancelToken();
    const adopted = CancelToken.from(source.signal);
    const reason = CancelReason.shutdown('drain');
    source.cancel(reason);
    assert.equal(adopted.reason, reason);
    assert.equal(CancelToken.from(source.signal).reason, reason);
  });

  test('refuses anything that is not an AbortSignal', () => {
    assert.throws(
      () => CancelToken.from({ aborted: false } as never),
      (error: unknown) =>
        error instanceof InvalidArgumentError && error.code === 'WARDEN_ERR_INVALID_ARGUMENT',
    );
  });

  test('the adopted token is a root: cancelling it does not abort the signal', () => {
    const controller = new AbortController();
    const token = CancelToken.from(controller.signal);
    token.cancel();
    assert.equal(controller.signal.aborted, false);
  });

  test('a cancelled adopted token stops listening to the signal', () => {
    const controller = new AbortController();
    const tokens = Array.from({ length: 3 }, () => CancelToken.from(controller.signal));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 3);
    for (const token of tokens) token.cancel();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  test('a disposed adopted token stops listening to the signal, and is not cancelled by it', () => {
    const controller = new AbortController();
    const kept = CancelToken.from(controller.signal);
    for (let i = 0; i < 5; i++) {
      using disposed = CancelToken.from(controller.signal);
      assert.equal(disposed.isCancelled, false);
    }
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    controller.abort();
    assert.equal(kept.isCancelled, true);
  });
});

describe('CancelToken unlinking and memory', () => {
  test('a child disposed with `using` is unlinked and not cancelled by its parent', () => {
    const root = new CancelToken();
    let escaped: CancelToken | undefined;
    let listenerCalls = 0;
    {
      using child = root.child();
      child.onCancel(() => listenerCalls++);
      escaped = child;
    }
    const kept = root.child();
    root.cancel();
    assert.equal(escaped.isCancelled, false);
    assert.equal(listenerCalls, 0);
    assert.equal(kept.isCancelled, true);
  });

  test('dispose() unlinks a child; its own children still follow it', () => {
    const root = new CancelToken();
    const middle = root.child();
    const below = middle.child();
    const sibling = root.child();
    middle.dispose();
    middle.dispose();
    root.cancel();
    assert.equal(middle.isCancelled, false);
    assert.equal(sibling.isCancelled, true);
    middle.cancel('by hand');
    assert.equal(below.isCancelled, true);
  });

  test('dispose() on a cancelled token keeps it cancelled', () => {
    const token = new CancelToken();
    token.cancel();
    token.dispose();
    assert.equal(token.isCancelled, true);
  });

  test('disposing children in any order keeps the sibling list intact', () => {
    const root = new CancelToken();
    const children = Array.from({ length: 10 }, () => root.child());
    // Dispose the first, the last and two in the middle; the rest must still be cancelled.
    const disposed = new Set([0, 4, 5, 9]);
    for (const index of disposed) children[index]?.dispose();
    root.cancel();
    children.forEach((child, index) => {
      assert.equal(child.isCancelled, !disposed.has(index), `child ${index}`);
    });
  });

  test('1,000,000 short-lived task tokens under a long-lived root retain no memory', async () => {
    const root = new CancelToken();
    const scope = new Scope({ name: 'churn', token: root, logger: silentLogger });
    const TOTAL = 1_000_000;
    const BATCH = 10_000;
    const samples: CancelToken[] = [];

    // Spawns one batch of async tasks and waits for all of them. Tasks of a batch end in spawn
    // order, so awaiting the last one is enough (checked through `scope.size`); joining every
    // task would make the runner's promise bookkeeping, not Warden, the cost of this test.
    const runBatch = async (): Promise<CancelToken> => {
      const first = scope.spawn(async (token) => token.isCancelled);
      let last = first;
      for (let i = 1; i < BATCH; i++) last = scope.spawn(async (token) => token.isCancelled);
      await last.join();
      await waitFor(() => scope.size === 0, { what: 'the batch to end' });
      return first.token;
    };

    // Warm up, so that code, inline caches and the heap's own structures are in place.
    for (let i = 0; i < 5; i++) await runBatch();
    const before = await settledHeapUsed();
    for (let done = 0; done < TOTAL; done += BATCH) {
      const firstToken = await runBatch();
      if (samples.length < 100) samples.push(firstToken);
    }
    const after = await settledHeapUsed();
    const growthMb = (after - before) / 1024 / 1024;
    assert.ok(growthMb < 8, `heap grew by ${growthMb.toFixed(2)} MB over ${TOTAL} tasks`);
    assert.equal(scope.size, 0);

    // Structurally: the ended tasks' tokens left the tree, so cancelling the root (which does
    // cancel the live scope token) no longer reaches them.
    const live = scope.spawn((token) => token.cancelled());
    root.cancel(CancelReason.shutdown());
    assert.equal(scope.token.isCancelled, true);
    assert.equal(live.token.isCancelled, true);
    assert.equal(
      samples.some((token) => token.isCancelled),
      false,
    );
    assert.equal(samples.length, 100);
    await within(scope.close());
  });
});

describe('CancelToken links only what needs telling', () => {
  test('a token with no listener reads a cancel from any ancestor, and keeps its reason', () => {
    const root = new CancelToken();
    const middle = root.child();
    const leaf = middle.child().child();
    const reason = CancelReason.shutdown();
    root.cancel(reason);
    assert.equal(leaf.reason, reason);
    assert.equal(leaf.cancel('too late'), false);
    assert.equal(leaf.child().reason, reason);
    leaf.dispose();
    assert.equal(leaf.reason, reason);
    assert.throws(
      () => leaf.throwIfCancelled(),
      (e) => e instanceof CancelledError,
    );
  });

  test('a listener added below tokens with none links them: a cancel at the root reaches it', () => {
    const root = new CancelToken();
    const middle = root.child();
    const leaf = middle.child();
    const seen: string[] = [];
    leaf.onCancel((reason) => seen.push(reason.message ?? ''));
    // A sibling that needs nothing does not stop the linked path from working.
    const plain = middle.child();
    root.cancel('from the root');
    assert.deepEqual(seen, ['from the root']);
    assert.equal(plain.isCancelled, true);
  });

  test('disposing a middle token detaches its subtree, linked or not', () => {
    const root = new CancelToken();
    const middle = root.child();
    const linked = middle.child();
    const plain = middle.child();
    let calls = 0;
    linked.onCancel(() => calls++);
    middle.dispose();
    root.cancel();
    assert.equal(linked.isCancelled, false);
    assert.equal(plain.isCancelled, false);
    assert.equal(calls, 0);
    middle.cancel('by hand');
    assert.equal(linked.isCancelled, true);
    assert.equal(plain.isCancelled, true);
    assert.equal(calls, 1);
  });

  test('a long-lived parent holds no reference to children with nothing to be told', async () => {
    const root = new CancelToken();
    const refs = makeChildren(root);
    await settledHeapUsed();
    assert.equal(refs.filter((ref) => ref.deref() !== undefined).length, 0);
    assert.equal(root.isCancelled, false);
  });
});

// In a function of its own, so no stack slot of the test keeps the last child alive.
function makeChildren(root: CancelToken): WeakRef<CancelToken>[] {
  const refs: WeakRef<CancelToken>[] = [];
  for (let i = 0; i < 1_000; i++) refs.push(new WeakRef(root.child().child()));
  // Children that were given a listener and then disposed are let go as well.
  for (let i = 0; i < 1_000; i++) {
    const child = root.child();
    child.onCancel(() => {});
    child.dispose();
    refs.push(new WeakRef(child));
  }
  return refs;
}

describe('CancelToken.race', () => {
  test('settles as the promise does while the token is not cancelled', async () => {
    const token = new CancelToken();
    assert.equal(await token.race(Promise.resolve(42)), 42);
    const error = new Error('its own');
    assert.equal(await rejectionOf(token.race(Promise.reject(error))), error);
  });

  test('rejects with the token’s CancelledError once cancelled; the promise is left to itself', async () => {
    const token = new CancelToken();
    const never = deferred<number>();
    const raced = token.race(never.promise);
    token.cancel('enough');
    const error = await rejectionOf(raced);
    assert.ok(error instanceof CancelledError);
    assert.equal((error as CancelledError).reason.message, 'enough');
    // A late rejection of the promise raises nothing.
    never.reject(new Error('late'));
    assert.ok(token.isCancelled);
  });

  test('an already cancelled token rejects at once; the listener is removed on settling', async () => {
    const cancelled = new CancelToken();
    cancelled.cancel();
    assert.ok((await rejectionOf(cancelled.race(Promise.resolve(1)))) instanceof CancelledError);
    const token = new CancelToken();
    const child = token.child();
    await child.race(Promise.resolve(1));
    let told = 0;
    child.onCancel(() => told++);
    token.cancel();
    assert.equal(told, 1, 'only the listener registered after the race remains');
  });

  test('with withTimeout, a bounded wait on work that takes no token', async () => {
    const never = new Promise<never>(() => {});
    const error = await rejectionOf(withTimeout(10, (token) => token.race(never)));
    assert.ok(error instanceof TimeoutError);
  });
});
