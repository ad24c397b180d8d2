// Critical tasks: every test of Dynamo's CriticalTaskExecutionHandle (seed 000) under the same name
// in camelCase, followed by Warden's own additions.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CancelledError,
  CancelReason,
  CancelToken,
  CriticalTaskError,
  type CriticalTaskHandle,
  HandleLeakedError,
  InvalidArgumentError,
  NonErrorThrownError,
  sleep,
  spawnCritical,
  TimeoutError,
  withTimeout,
} from '../src/index.js';
import {
  captureLogger,
  deferred,
  gcUntil,
  recordingProcessEvent,
  rejectionOf,
  silentLogger,
  unknownOption,
  waitFor,
  within,
} from './helpers.js';

// Failures are expected in most tests here; they are logged to a logger that drops them unless a
// test captures them on purpose.
const quiet = { logger: silentLogger };

describe('critical tasks (Dynamo seed 000)', () => {
  test('testSuccessfulTaskCompletion', async () => {
    const parentToken = new CancelToken();
    let completed = false;
    const handle = spawnCritical(
      async () => {
        completed = true;
      },
      parentToken,
      'test-success-task',
      quiet,
    );
    const result = await within(handle.join());
    assert.equal(result, undefined);
    assert.equal(completed, true);
    assert.equal(parentToken.isCancelled, false);
  });

  test('testTaskFailureCancelsParentToken', async () => {
    const parentToken = new CancelToken();
    const handle = spawnCritical(
      async () => {
        throw new Error('Critical task failed!');
      },
      parentToken,
      'test-failure-task',
      quiet,
    );
    const error = await within(rejectionOf(handle.join()));
    assert.ok(error instanceof Error);
    // The Rust test accepts either; Warden's message carries both.
    assert.ok(error.message.includes('Critical task failed!'), error.message);
    assert.ok(error.message.includes("Critical task 'test-failure-task' failed"), error.message);
    assert.equal(parentToken.isCancelled, true);
  });

  test('testTaskPanicIsCaughtAndReported', async () => {
    const parentToken = new CancelToken();
    const handle = spawnCritical(
      async () => {
        // JavaScript's nearest thing to a panic: throwing something that is not an Error.
        throw 'Something went terribly wrong!';
      },
      parentToken,
      'test-panic-task',
      quiet,
    );
    const error = await within(rejectionOf(handle.join()));
    assert.ok(error instanceof CriticalTaskError);
    assert.ok(error.message.includes('panicked'), error.message);
    assert.ok(error.message.includes('Something went terribly wrong!'), error.message);
    assert.ok(error.cause instanceof NonErrorThrownError);
    assert.equal(error.cause.value, 'Something went terribly wrong!');
    assert.equal(parentToken.isCancelled, true);
  });

  test('testGracefulShutdownViaCancellationToken', async () => {
    const parentToken = new CancelToken();
    let workDone = 0;
    const handle = spawnCritical(
      async (cancelToken) => {
        for (let i = 0; i < 100; i++) {
          if (cancelToken.isCancelled) break;
          workDone = i;
          await delay(10);
        }
      },
      parentToken,
      'test-graceful-shutdown',
      quiet,
    );
    // Let the task do some work: wait until it has, rather than for a fixed time.
    await waitFor(() => workDone > 0, { what: 'some work to be done' });
    handle.cancel();
    const result = await within(handle.join());
    assert.equal(result, undefined);
    assert.ok(workDone > 0, `work done: ${workDone}`);
    assert.ok(workDone < 99, `work done: ${workDone}`);
    assert.equal(parentToken.isCancelled, false);
  });

  test('testMultipleCriticalTasksOneFailure', async () => {
    const parentToken = new CancelToken();
    let task1Completed = false;
    let task2Completed = false;
    const handle1 = spawnCritical(
      async (cancelToken) => {
        for (let i = 0; i < 50; i++) {
          if (cancelToken.isCancelled) return;
          await delay(10);
        }
        task1Completed = true;
      },
      parentToken,
      'long-running-task',
      quiet,
    );
    const handle2 = spawnCritical(
      async () => {
        await delay(100);
        task2Completed = true;
        throw new Error('Task 2 failed!');
      },
      parentToken,
      'failing-task',
      quiet,
    );
    const error2 = await within(rejectionOf(handle2.join()));
    assert.ok(error2 instanceof CriticalTaskError);
    assert.equal(task2Completed, true);
    assert.equal(parentToken.isCancelled, true);
    const result1 = await within(handle1.join());
    assert.equal(result1, undefined);
    assert.equal(task1Completed, false, 'task 1 stopped early');
  });

  test('testStatusCheckingMethods', async () => {
    const parentToken = new CancelToken();
    const handle = spawnCritical(
      async (cancelToken) => {
        await delay(100);
        if (cancelToken.isCancelled) return;
        await delay(100);
      },
      parentToken,
      'status-test-task',
      quiet,
    );
    assert.equal(handle.isFinished, false);
    assert.equal(handle.isCancelled, false);
    handle.cancel();
    assert.equal(handle.isCancelled, true);
    assert.equal(handle.isCancelled, true, 'calling it again gives the same answer');
    const result = await within(handle.join());
    assert.equal(result, undefined);
    assert.equal(handle.isFinished, true);
    assert.equal(parentToken.isCancelled, false);
  });

  test('testTaskWithSelectPattern', async () => {
    const parentToken = new CancelToken();
    let workCompleted = false;
    const started = deferred<void>();
    const handle = spawnCritical(
      async (cancelToken) => {
        started.resolve();
        // tokio::select! between the work and cancellation.
        const winner = await Promise.race([
          sleep(200).then(() => 'work' as const),
          cancelToken.cancelled().then(() => 'cancelled' as const),
        ]);
        if (winner === 'work') workCompleted = true;
      },
      parentToken,
      'select-pattern-task',
      quiet,
    );
    await within(started.promise);
    handle.cancel();
    const result = await within(handle.join());
    assert.equal(result, undefined);
    assert.equal(workCompleted, false);
  });

  test('testTimeoutBehavior', async () => {
    const parentToken = new CancelToken();
    const handle = spawnCritical(
      // A task that takes a long time (it still honours its token, so the test can end it).
      (cancelToken) => sleep(10_000, cancelToken),
      parentToken,
      'long-task',
      quiet,
    );
    const joined = handle.join();
    const outcome = await Promise.race([joined.then(() => 'joined'), delay(100, 'timed out')]);
    assert.equal(outcome, 'timed out', 'waiting for the join should time out');
    // A timeout while waiting is not a task failure: the parent is not cancelled.
    assert.equal(parentToken.isCancelled, false);
    assert.equal(handle.isFinished, false, 'the task still runs in the background');

    // The same with Warden's structured withTimeout around the join.
    const timeoutError = await within(
      rejectionOf(
        withTimeout(50, (token) =>
          Promise.race([
            joined,
            token.cancelled().then((reason) => Promise.reject(new CancelledError(reason))),
          ]),
        ),
      ),
    );
    assert.ok(timeoutError instanceof TimeoutError);
    assert.equal(parentToken.isCancelled, false);

    handle.cancel();
    assert.equal(await within(joined), undefined);
    assert.equal(parentToken.isCancelled, false);
  });

  test('testPanicTriggersImmediateParentCancellation', async () => {
    const parentToken = new CancelToken();
    const handle = spawnCritical(
      async () => {
        await delay(50);
        throw 'Critical failure!';
      },
      parentToken,
      'immediate-panic-task',
      quiet,
    );
    // Nobody joins yet: the parent is cancelled by the failure itself.
    const reason = await within(parentToken.cancelled(), { what: 'the parent to be cancelled' });
    assert.equal(parentToken.isCancelled, true);
    assert.equal(reason.kind, 'parent-failure');
    const error = await within(rejectionOf(handle.join()));
    assert.ok(error instanceof CriticalTaskError);
    assert.match(error.message, /panicked/);
    assert.equal(reason.cause, error);
  });

  test('testErrorTriggersImmediateParentCancellation', async () => {
    const parentToken = new CancelToken();
    const handle = spawnCritical(
      async () => {
        await delay(50);
        throw new Error('Critical error!');
      },
      parentToken,
      'immediate-error-task',
      quiet,
    );
    // Don't call join(): just wait for the failure to be detected.
    const reason = await within(parentToken.cancelled(), { what: 'the parent to be cancelled' });
    assert.equal(parentToken.isCancelled, true);
    assert.equal(reason.kind, 'parent-failure');
    assert.equal(handle.isFinished, true);
    const error = await within(rejectionOf(handle.join()));
    assert.ok(error instanceof CriticalTaskError);
    assert.match(error.message, /Critical error!/);
  });

  test('testTaskDetach', async () => {
    // Dynamo panics when a handle is dropped without being detached; Warden reports it once the
    // handle is garbage-collected: a warning with code WARDEN_ERR_HANDLE_LEAKED, and a log entry.
    const { logger, entries } = captureLogger();
    await recordingProcessEvent<Error>('warning', async (warnings) => {
      const spawnAndDrop = (): void => {
        spawnCritical(async () => {}, new CancelToken(), 'test-detach-task', { logger });
      };
      spawnAndDrop();
      const isOurs = (w: Error): boolean =>
        (w as { code?: unknown }).code === 'WARDEN_ERR_HANDLE_LEAKED' &&
        w.message.includes("'test-detach-task'");
      await gcUntil(() => warnings.some(isOurs), { what: 'the leaked-handle warning' });
      const warning = warnings.find(isOurs);
      assert.ok(warning instanceof HandleLeakedError);
      assert.match(warning.message, /not joined or detached/);
      assert.match(warning.message, /\(spawned at spawnAndDrop \(/);
      assert.ok(
        entries.some(
          (e) => e.level === 'error' && (e.fields.err as Error | undefined)?.name === warning.name,
        ),
        'the leak was also logged',
      );
    });
  });
});

describe('critical tasks (Warden additions)', () => {
  test('a detached or joined handle is not reported when collected', async () => {
    await recordingProcessEvent<Error>('warning', async (warnings) => {
      const refs: Array<WeakRef<CriticalTaskHandle>> = [];
      const spawnDetached = (): void => {
        const handle = spawnCritical(async () => {}, new CancelToken(), 'detached-task', quiet);
        handle.detach();
        refs.push(new WeakRef(handle));
      };
      const spawnJoined = async (): Promise<void> => {
        const handle = spawnCritical(async () => {}, new CancelToken(), 'joined-task', quiet);
        refs.push(new WeakRef(handle));
        await handle.join();
      };
      // A control that is leaked, so we know when the collector has reported what it found.
      const spawnLeaked = (): void => {
        const handle = spawnCritical(async () => {}, new CancelToken(), 'control-task', quiet);
        refs.push(new WeakRef(handle));
      };
      spawnDetached();
      await spawnJoined();
      spawnLeaked();
      const reported = (description: string): boolean =>
        warnings.some((w) => w.message.includes(`'${description}'`));
      await gcUntil(
        () => reported('control-task') && refs.every((ref) => ref.deref() === undefined),
        { what: 'all three handles to be collected' },
      );
      assert.equal(reported('detached-task'), false);
      assert.equal(reported('joined-task'), false);
    });
  });

  test("join's error names the task, contains the original message and has it as cause", async () => {
    const parentToken = new CancelToken();
    const original = new Error('disk full');
    const handle = spawnCritical(() => Promise.reject(original), parentToken, 'writer', quiet);
    const error = await within(rejectionOf(handle.join()));
    assert.ok(error instanceof CriticalTaskError);
    assert.equal(error.code, 'WARDEN_ERR_CRITICAL_TASK_FAILED');
    assert.equal(error.description, 'writer');
    assert.ok(error.message.includes("Critical task 'writer' failed"), error.message);
    assert.ok(error.message.includes('disk full'), error.message);
    assert.equal(error.cause, original);
    // The parent's reason says why, with the same error.
    assert.equal(parentToken.reason?.kind, 'parent-failure');
    assert.equal(parentToken.reason?.cause, error);
  });

  test('a graceful cancel that ends in CancelledError resolves join with undefined', async () => {
    const parentToken = new CancelToken();
    const handle = spawnCritical((token) => sleep(1_000, token), parentToken, 'sleeper', quiet);
    handle.cancel();
    assert.equal(await within(handle.join()), undefined);
    assert.equal(parentToken.isCancelled, false);
  });

  test("a handle's cancel reason reaches the task's token; the default is requested", async () => {
    const parentToken = new CancelToken();
    const a = spawnCritical((token) => sleep(60_000, token), parentToken, 'a', quiet);
    const b = spawnCritical((token) => sleep(60_000, token), parentToken, 'b', quiet);
    a.cancel();
    b.cancel(CancelReason.shutdown());
    assert.equal(a.token.reason?.kind, 'requested');
    assert.equal(b.token.reason?.kind, 'shutdown');
    await within(Promise.all([a.join(), b.join()]));
    assert.equal(parentToken.isCancelled, false);
  });

  test('cancelling the parent stops the task gracefully', async () => {
    const parentToken = new CancelToken();
    const handle = spawnCritical((token) => sleep(60_000, token), parentToken, 'child', quiet);
    assert.equal(handle.token.isCancelled, false);
    parentToken.cancel(CancelReason.shutdown());
    assert.equal(handle.isCancelled, true);
    assert.equal(await within(handle.join()), undefined);
    assert.equal(parentToken.reason?.kind, 'shutdown');
  });

  test('a failure during a graceful shutdown still cancels the parent', async () => {
    const parentToken = new CancelToken();
    const handle = spawnCritical(
      async (token) => {
        await token.cancelled();
        throw new Error('shutdown went wrong');
      },
      parentToken,
      'fragile',
      quiet,
    );
    handle.cancel();
    const error = await within(rejectionOf(handle.join()));
    assert.ok(error instanceof CriticalTaskError);
    assert.equal(parentToken.isCancelled, true);
  });

  test('a synchronous throw is a failure too', async () => {
    const parentToken = new CancelToken();
    const handle = spawnCritical(
      () => {
        throw new Error('at once');
      },
      parentToken,
      'sync-thrower',
      quiet,
    );
    const error = await within(rejectionOf(handle.join()));
    assert.ok(error instanceof CriticalTaskError);
    assert.equal(parentToken.isCancelled, true);
  });

  test('join resolves with the value of the task', async () => {
    const handle = spawnCritical(async () => 42, new CancelToken(), 'answer', quiet);
    assert.equal(handle.description, 'answer');
    assert.equal(await within(handle.join()), 42);
    assert.equal(handle.isFinished, true);
  });

  test('a failure is logged with the original error, even if nobody joins', async () => {
    const { logger, entries } = captureLogger();
    const parentToken = new CancelToken();
    const original = new Error('unseen');
    const handle = spawnCritical(() => Promise.reject(original), parentToken, 'logged', {
      logger,
    });
    handle.detach();
    await within(parentToken.cancelled());
    await waitFor(() => entries.length > 0, { what: 'the log entry' });
    const [entry] = entries;
    assert.equal(entry?.level, 'error');
    assert.equal(entry?.fields.err, original);
    assert.equal(entry?.fields.task, 'logged');
    assert.match(entry?.msg ?? '', /Critical task 'logged' failed/);
  });

  test('bad arguments throw InvalidArgumentError at the call', () => {
    const parent = new CancelToken();
    const invalid =
      (argument: string) =>
      (error: unknown): boolean =>
        error instanceof InvalidArgumentError &&
        error.code === 'WARDEN_ERR_INVALID_ARGUMENT' &&
        error.argument === argument;
    assert.throws(() => spawnCritical('fn' as never, parent, 'x'), invalid('fn'));
    assert.throws(
      () => spawnCritical(async () => {}, new AbortController().signal as never, 'x'),
      invalid('parentToken'),
    );
    assert.throws(() => spawnCritical(async () => {}, parent, ''), invalid('description'));
    assert.throws(() => spawnCritical(async () => {}, parent, 7 as never), invalid('description'));
    assert.equal(parent.isCancelled, false);
  });

  test('an unknown option key throws at the call; every option at once is accepted', async () => {
    const parent = new CancelToken();
    let ran = false;
    assert.throws(
      () =>
        spawnCritical(
          () => {
            ran = true;
          },
          parent,
          'x',
          { loger: silentLogger } as never,
        ),
      unknownOption("spawnCritical options: unknown option 'loger' (did you mean 'logger'?)"),
    );
    assert.equal(ran, false, 'the task did not start');
    const handle = spawnCritical(async () => 7, parent, 'x', { logger: silentLogger });
    assert.equal(await handle.join(), 7);
  });
});
