// The Runtime's API in-process: phases and their order, the deadline's budget, hooks, health,
// reports, fail-fast with an injected exit, handler installation and the default runtime.
// Whole-process behaviour (signals, exit codes, stderr) is in the *-process.test.ts files.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CancelReason,
  type CancelToken,
  createConsoleLogger,
  failFast,
  failFastFn,
  getDefaultRuntime,
  InvalidArgumentError,
  Runtime,
  type RuntimeOptions,
  ScopeClosedError,
  ShutdownStartedError,
  setDefaultRuntime,
  signalExitCode,
  sleep,
} from '../../src/index.js';
import { silentLogger, unknownOption } from '../helpers.js';

/** A runtime whose logs, banner and exits are captured instead of written or taken. */
function harness(options: RuntimeOptions = {}) {
  const logs: Array<Record<string, unknown>> = [];
  const exits: number[] = [];
  let banner = '';
  const logger = createConsoleLogger({
    level: 'debug',
    stream: { write: (line: string) => logs.push(JSON.parse(line)) },
  });
  const runtime = new Runtime({
    name: 'test',
    logger,
    exit: (code) => exits.push(code),
    stderr: { write: (text: string) => (banner += text) },
    ...options,
  });
  return { runtime, logs, exits, banner: () => banner };
}

const forever = (token: CancelToken) => sleep(2_000_000_000, token);

describe('Runtime: phases', () => {
  test('phases run in order: intake, cancel, drain with the tasks, close', async () => {
    const { runtime } = harness();
    const events: string[] = [];
    runtime.spawn(async (token) => {
      await forever(token).catch(() => events.push(`task cancelled (${token.reason?.kind})`));
      await sleep(20);
      events.push('task cleaned up');
    }, 'worker');
    runtime.onShutdown('close', () => events.push('close'));
    runtime.onShutdown(
      'drain',
      () => events.push(`drain (cancelled: ${runtime.token.isCancelled})`),
      {
        phase: 'drain',
      },
    );
    runtime.onShutdown(
      'intake',
      () => events.push(`intake (cancelled: ${runtime.token.isCancelled})`),
      {
        phase: 'intake',
      },
    );
    const report = await runtime.shutdown();
    assert.deepEqual(events, [
      'intake (cancelled: false)',
      'drain (cancelled: true)',
      'task cancelled (shutdown)',
      'task cleaned up',
      'close',
    ]);
    assert.equal(report.outcome, 'clean');
    assert.equal(report.exitCode, 0);
    assert.deepEqual(
      report.hooks.map((hook) => [hook.name, hook.phase, hook.status]),
      [
        ['intake', 'intake', 'ok'],
        ['drain', 'drain', 'ok'],
        ['close', 'close', 'ok'],
      ],
    );
  });

  test('hooks get the reason, an AbortSignal and their phase deadline', async () => {
    const { runtime } = harness({ deadlineMs: 1_000 });
    let seen: { kind: string; aborted: boolean; left: number } | undefined;
    runtime.onShutdown('look', ({ reason, signal, deadline }) => {
      seen = { kind: reason.kind, aborted: signal.aborted, left: deadline - Date.now() };
    });
    await runtime.shutdown({ reason: 'deploy' });
    assert.ok(seen);
    assert.equal(seen.kind, 'shutdown');
    assert.equal(seen.aborted, false);
    assert.ok(seen.left > 0 && seen.left <= 1_000, `deadline ${seen.left} ms ahead`);
  });

  test('a hung intake hook is cut at its share; drain and close still run; the whole stays in the deadline', async () => {
    const { runtime } = harness({ deadlineMs: 1_000 });
    let abortedWith: unknown;
    runtime.onShutdown(
      'stuck-intake',
      ({ signal }) =>
        new Promise<void>(() => {
          signal.addEventListener('abort', () => {
            abortedWith = signal.reason;
          });
        }),
      { phase: 'intake' },
    );
    const ran: string[] = [];
    runtime.onShutdown('drain', () => ran.push('drain'), { phase: 'drain' });
    runtime.onShutdown('close', () => ran.push('close'));
    const started = performance.now();
    const report = await runtime.shutdown();
    const elapsed = performance.now() - started;
    assert.deepEqual(ran, ['drain', 'close']);
    const stuck = report.hooks.find((hook) => hook.name === 'stuck-intake');
    assert.equal(stuck?.status, 'hung');
    assert.ok((stuck?.durationMs ?? 0) >= 150, `waited ${stuck?.durationMs} ms for intake`);
    assert.ok(abortedWith instanceof Error && abortedWith.name === 'TimeoutError');
    assert.ok(elapsed < 1_000 + 500, `shutdown took ${elapsed} ms`);
    assert.equal(report.outcome, 'incomplete');
    assert.equal(report.exitCode, 1);
  });

  test('a throwing hook is reported as failed and the next phases run', async () => {
    const { runtime } = harness();
    const ran: string[] = [];
    runtime.onShutdown(
      'sync-throw',
      () => {
        throw new Error('sync');
      },
      { phase: 'intake' },
    );
    runtime.onShutdown(
      'async-throw',
      async () => {
        throw new Error('async');
      },
      { phase: 'drain' },
    );
    runtime.onShutdown('close', () => ran.push('close'));
    const report = await runtime.shutdown();
    assert.deepEqual(ran, ['close']);
    assert.deepEqual(
      report.hooks.filter((h) => h.status === 'failed').map((h) => h.error?.message),
      ['sync', 'async'],
    );
  });

  test('tasks still running at the drain cutoff are reported by name, age and spawn site', async () => {
    const { runtime, logs } = harness({ deadlineMs: 400 });
    runtime.spawn(
      () => new Promise<void>((resolve) => setTimeout(resolve, 3_000)),
      'ignores-token',
    );
    runtime.spawn(forever, 'cooperative');
    const report = await runtime.shutdown();
    assert.equal(report.unfinishedTaskCount, 1);
    const [task] = report.unfinishedTasks;
    assert.equal(task?.name, 'ignores-token');
    assert.ok((task?.ageMs ?? 0) >= 250, `age ${task?.ageMs}`);
    assert.match(task?.spawnSite ?? '', /runtime\.test\.ts:\d+/);
    const entry = logs.find((log) => log.event === 'shutdown');
    assert.ok(entry, 'the report is logged');
    assert.equal(entry.level, 40, 'an incomplete shutdown is logged as a warning');
    assert.deepEqual(
      (entry.unfinishedTasks as Array<{ name: string }>).map((t) => t.name),
      ['ignores-token'],
    );
  });

  test('the report lists at most maxReportedTasks unfinished tasks but counts them all', async () => {
    const { runtime } = harness({ deadlineMs: 200, maxReportedTasks: 2 });
    for (let i = 0; i < 5; i++) {
      runtime.spawn(() => new Promise<void>((resolve) => setTimeout(resolve, 2_000)), `stuck-${i}`);
    }
    const report = await runtime.shutdown();
    assert.equal(report.unfinishedTaskCount, 5);
    assert.deepEqual(
      report.unfinishedTasks.map((t) => t.name),
      ['stuck-0', 'stuck-1'],
    );
  });

  test('the readiness delay comes first, not ready, and is part of the deadline', async () => {
    const { runtime } = harness({ readinessDelayMs: 150 });
    let intakeAt = 0;
    runtime.onShutdown(
      'intake',
      () => {
        intakeAt = performance.now();
      },
      { phase: 'intake' },
    );
    const started = performance.now();
    const done = runtime.shutdown();
    assert.deepEqual(runtime.health(), { live: true, ready: false, state: 'draining' });
    await done;
    assert.ok(intakeAt - started >= 140, `intake ran ${intakeAt - started} ms after the start`);

    const clamped = harness({ readinessDelayMs: 60_000, deadlineMs: 200 }).runtime;
    const t0 = performance.now();
    await clamped.shutdown();
    assert.ok(performance.now() - t0 < 200 + 500, 'the delay never exceeds half the deadline');
  });

  test('a task failing during the drain is listed in failedTasks', async () => {
    const { runtime, exits } = harness();
    runtime.spawn(async (token) => {
      await forever(token).catch(() => {});
      throw new Error('cleanup broke');
    }, 'bad-cleanup');
    const report = await runtime.shutdown();
    assert.deepEqual(
      report.failedTasks.map((t) => [t.name, t.error.message]),
      [['bad-cleanup', 'cleanup broke']],
    );
    assert.equal(report.outcome, 'clean', 'it finished; its failure was logged when it happened');
    assert.deepEqual(exits, []);
  });
});

describe('Runtime: state, hooks and shutdown calls', () => {
  test('health follows running → draining → stopped', async () => {
    const { runtime } = harness();
    assert.deepEqual(runtime.health(), { live: true, ready: true, state: 'running' });
    const done = runtime.shutdown();
    assert.equal(runtime.state, 'draining');
    await done;
    assert.deepEqual(runtime.health(), { live: false, ready: false, state: 'stopped' });
  });

  test('shutdown is idempotent and a library call never exits', async () => {
    const { runtime, exits, logs } = harness();
    const first = runtime.shutdown({ reason: 'first' });
    const second = runtime.shutdown({ reason: 'second', deadlineMs: 1 });
    assert.equal(first, second);
    const report = await first;
    assert.equal(report.reason.message, 'first');
    assert.equal(report.deadlineMs, 25_000, 'the default deadline is 25 s');
    assert.deepEqual(exits, []);
    assert.equal(logs.filter((log) => log.event === 'shutdown').length, 1, 'one report entry');
  });

  test('a CancelReason passes through to every task', async () => {
    const { runtime } = harness();
    const task = runtime.spawn(forever, 'w');
    await runtime.shutdown({ reason: CancelReason.shutdown('rolling update') });
    assert.equal(task.status, 'cancelled');
    assert.deepEqual(task.token.reason, { kind: 'shutdown', message: 'rolling update' });
  });

  test('a disposed hook does not run; hooks for a started phase are refused', async () => {
    const { runtime } = harness();
    const ran: string[] = [];
    const registration = runtime.onShutdown('gone', () => ran.push('gone'));
    registration.dispose();
    registration.dispose();
    runtime.onShutdown(
      'adds-late',
      () => {
        runtime.onShutdown('late-close', () => ran.push('late-close'));
        assert.throws(
          () => runtime.onShutdown('late-intake', () => {}, { phase: 'intake' }),
          ShutdownStartedError,
        );
      },
      { phase: 'intake' },
    );
    await runtime.shutdown();
    assert.deepEqual(ran, ['late-close']);
    assert.throws(() => runtime.onShutdown('after', () => {}), ShutdownStartedError);
    assert.throws(() => runtime.spawn(() => 1), ScopeClosedError);
  });

  test('bad arguments throw InvalidArgumentError at the call', () => {
    const { runtime } = harness();
    assert.throws(() => new Runtime({ deadlineMs: -1 }), InvalidArgumentError);
    assert.throws(() => new Runtime({ name: '' }), InvalidArgumentError);
    assert.throws(() => new Runtime({ logger: {} as never }), InvalidArgumentError);
    assert.throws(() => new Runtime({ exit: 1 as never }), InvalidArgumentError);
    assert.throws(
      () => runtime.onShutdown('x', () => {}, { phase: 'later' as never }),
      InvalidArgumentError,
    );
    assert.throws(() => runtime.onShutdown('', () => {}), InvalidArgumentError);
    assert.throws(() => runtime.failFast(() => 1, {} as never), InvalidArgumentError);
    assert.throws(() => runtime.failFastFn(() => 1, { name: '' }), InvalidArgumentError);
    assert.throws(() => runtime.shutdown({ deadlineMs: Number.NaN }), InvalidArgumentError);
    assert.throws(
      () => runtime.installSignalHandlers({ signals: ['SIGKILL'] }),
      InvalidArgumentError,
    );
    assert.throws(
      () => runtime.installSignalHandlers({ signals: ['SIGNOPE' as never] }),
      InvalidArgumentError,
    );
    assert.throws(() => runtime.installSignalHandlers({ signals: [] }), InvalidArgumentError);
    assert.equal(runtime.state, 'running', 'a refused shutdown call does not start one');
  });

  test('an unknown option key throws at the call, naming it and the key it stands for', () => {
    const { runtime, exits } = harness();
    assert.throws(
      () => new Runtime({ logger: silentLogger, deadline: 500 } as never),
      unknownOption("Runtime options: unknown option 'deadline' (did you mean 'deadlineMs'?)"),
    );
    assert.throws(
      () => runtime.shutdown({ deadline: 500 } as never),
      unknownOption(
        "Runtime.shutdown options: unknown option 'deadline' (did you mean 'deadlineMs'?)",
      ),
    );
    assert.equal(runtime.state, 'running', 'a refused shutdown call does not start one');
    assert.throws(
      () => runtime.onShutdown('x', () => {}, { phaze: 'drain' } as never),
      unknownOption("Runtime.onShutdown options: unknown option 'phaze' (did you mean 'phase'?)"),
    );
    assert.throws(
      () => runtime.failFast(() => 1, { name: 'x', critical: true } as never),
      unknownOption("Runtime.failFast options: unknown option 'critical'; valid options: name"),
    );
    assert.throws(
      () => runtime.failFastFn(() => 1, { Name: 'x' } as never),
      unknownOption("Runtime.failFastFn options: unknown option 'Name' (did you mean 'name'?)"),
    );
    assert.throws(
      () => runtime.fatal(new Error('x'), { nam: 'x' } as never),
      unknownOption("Runtime.fatal options: unknown option 'nam' (did you mean 'name'?)"),
    );
    const before = process.listenerCount('SIGTERM');
    assert.throws(
      () => runtime.installSignalHandlers({ signal: ['SIGTERM'] } as never),
      unknownOption(
        "Runtime.installSignalHandlers options: unknown option 'signal' (did you mean 'signals'?)",
      ),
    );
    assert.throws(
      () => runtime.install({ signal: ['SIGTERM'] } as never),
      unknownOption("Runtime.install options: unknown option 'signal' (did you mean 'signals'?)"),
    );
    assert.equal(process.listenerCount('SIGTERM'), before, 'no handler was installed');
    assert.equal(runtime.scope.size, 0, 'no task was spawned');
    assert.deepEqual(exits, [], 'no fatal path was taken');
  });

  test('failFast and failFastFn check their options on the default runtime too', () => {
    const previous = getDefaultRuntime();
    setDefaultRuntime(harness().runtime);
    try {
      assert.throws(
        () => failFast(() => 1, { nme: 'x' } as never),
        unknownOption("Runtime.failFast options: unknown option 'nme' (did you mean 'name'?)"),
      );
      assert.throws(
        () => failFastFn(() => 1, { name: 'x', phase: 'drain' } as never),
        unknownOption("Runtime.failFastFn options: unknown option 'phase'; valid options: name"),
      );
    } finally {
      setDefaultRuntime(previous);
    }
  });

  test('every option at once is accepted, by the constructor and by each method', async () => {
    const exits: number[] = [];
    const runtime = new Runtime({
      name: 'all',
      logger: silentLogger,
      deadlineMs: 2_000,
      readinessDelayMs: 0,
      exit: (code) => exits.push(code),
      recordSpawnSites: false,
      stderr: { write: () => true },
      maxReportedTasks: 10,
    });
    runtime.onShutdown('hook', () => {}, { phase: 'drain' });
    runtime.install({ signals: ['SIGTERM'] })();
    runtime.installSignalHandlers({ signals: ['SIGTERM'] })();
    assert.equal(await runtime.failFast(() => 1, { name: 'ff' }).join(), 1);
    assert.equal(await runtime.failFastFn(() => 2, { name: 'fn' })(), 2);
    const report = await runtime.shutdown({ reason: 'done', deadlineMs: 1_000 });
    assert.equal(report.outcome, 'clean');
    const { runtime: fatal, exits: fatalExits } = harness();
    await fatal.fatal(new Error('x'), { source: 'manual', name: 'manual stop' });
    assert.deepEqual([exits, fatalExits], [[], [1]]);
  });

  test('after shutdown no finished task is retained (WeakRef + gc)', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    assert.ok(gc, 'tests run with --expose-gc');
    const { runtime } = harness();
    const refs = (() =>
      Array.from({ length: 50 }, (_, i) => new WeakRef(runtime.spawn(forever, `t${i}`))))();
    const report = await runtime.shutdown();
    for (let round = 0; round < 5 && refs.some((ref) => ref.deref()); round++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    assert.equal(refs.filter((ref) => ref.deref() !== undefined).length, 0);
    assert.equal(report.outcome, 'clean');
  });
});

describe('Runtime: fail-fast and fatal (exit injected)', () => {
  test('a fail-fast task failure: banner, graceful drain of the others, then exit(1)', async () => {
    const { runtime, exits, banner } = harness();
    const sibling = runtime.spawn(forever, 'sibling');
    runtime.failFast(
      async () => {
        await sleep(5);
        throw new Error('boom');
      },
      { name: 'worker_loop' },
    );
    await sibling.join().catch(() => {});
    assert.equal(sibling.status, 'cancelled');
    assert.deepEqual(sibling.token.reason?.kind, 'shutdown');
    const report = await runtime.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(report.outcome, 'fatal');
    assert.equal(report.fatal?.name, 'worker_loop');
    assert.deepEqual(exits, [1]);
    assert.match(banner(), /FATAL: Unhandled exception in background task 'worker_loop'/);
    assert.match(banner(), /Exception: Error: boom/);
  });

  test('a synchronous throw in a fail-fast task is fatal too', async () => {
    const { runtime, exits } = harness();
    runtime.failFast(
      () => {
        throw new Error('at once');
      },
      { name: 'sync' },
    );
    const report = await runtime.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(report.fatal?.error.message, 'at once');
    assert.deepEqual(exits, [1]);
  });

  test('cancelling a fail-fast task is never fatal', async () => {
    const { runtime, exits, banner } = harness();
    const task = runtime.failFast(forever, { name: 'cancel-me' });
    task.cancel();
    await task.join().catch(() => {});
    assert.equal(task.status, 'cancelled');
    assert.equal(runtime.state, 'running');
    const report = await runtime.shutdown();
    assert.equal(report.outcome, 'clean');
    assert.deepEqual(exits, []);
    assert.equal(banner(), '');
  });

  test('a plain task failure is logged, not fatal (the root scope isolates)', async () => {
    const { runtime, exits, logs } = harness();
    const task = runtime.spawn(async () => {
      throw new Error('plain');
    }, 'plain-task');
    await task.join().catch(() => {});
    assert.equal(runtime.state, 'running');
    assert.ok(logs.some((log) => log.msg === "task 'plain-task' failed" && log.level === 50));
    await runtime.shutdown();
    assert.deepEqual(exits, []);
  });

  test('failFastFn: a failure is fatal and still rejects; a cancellation is neither', async () => {
    const { runtime, exits, banner } = harness();
    const cancelling = runtime.failFastFn(
      async () => {
        throw new DOMException('aborted', 'AbortError');
      },
      { name: 'aborts' },
    );
    await assert.rejects(cancelling(), { name: 'AbortError' });
    assert.equal(runtime.state, 'running');
    const self = { factor: 3 };
    const failing = runtime.failFastFn(
      function (this: typeof self, x: number) {
        if (x > 1) throw new RangeError(`too big: ${x * this.factor}`);
        return x;
      },
      { name: 'method' },
    );
    assert.equal(await failing.call(self, 1), 1);
    await assert.rejects(failing.call(self, 2), RangeError);
    const report = await runtime.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(report.fatal?.source, 'function');
    assert.equal(report.fatal?.error.message, 'too big: 6');
    assert.match(banner(), /fail-fast function 'method'/);
    assert.deepEqual(exits, [1]);
  });

  test('the same fatal error twice gives one banner and one exit', async () => {
    const { runtime, exits, banner } = harness();
    const error = new Error('once');
    const a = runtime.fatal(error, { source: 'unhandledRejection' });
    const b = runtime.fatal(error, { source: 'uncaughtException' });
    assert.equal(a, b);
    await a;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(banner().split('FATAL:').length - 1, 1);
    assert.deepEqual(exits, [1]);
  });

  test('a fatal failure after a clean library shutdown still exits 1', async () => {
    const { runtime, exits } = harness();
    const report = await runtime.shutdown();
    assert.equal(report.exitCode, 0);
    await runtime.fatal(new Error('late'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(exits, [1]);
  });
});

describe('Runtime: process handlers', () => {
  test('installing signal handlers twice does not double them; uninstall removes them', () => {
    const { runtime } = harness();
    const before = ['SIGTERM', 'SIGINT'].map((s) => process.listenerCount(s));
    const uninstall = runtime.installSignalHandlers();
    const again = runtime.installSignalHandlers();
    assert.deepEqual(
      ['SIGTERM', 'SIGINT'].map((s) => process.listenerCount(s)),
      before.map((n) => n + 1),
    );
    again();
    assert.deepEqual(
      ['SIGTERM', 'SIGINT'].map((s) => process.listenerCount(s)),
      before,
    );
    uninstall();
    assert.deepEqual(
      ['SIGTERM', 'SIGINT'].map((s) => process.listenerCount(s)),
      before,
    );
  });

  test('install() adds signal and crash handlers once each, and removes them all', () => {
    const { runtime } = harness();
    const events = ['SIGTERM', 'SIGHUP', 'uncaughtException', 'unhandledRejection'];
    const before = events.map((e) => process.listenerCount(e));
    const uninstall = runtime.install({ signals: ['SIGTERM', 'SIGHUP'] });
    runtime.installCrashHandlers();
    assert.deepEqual(
      events.map((e) => process.listenerCount(e)),
      before.map((n) => n + 1),
    );
    uninstall();
    assert.deepEqual(
      events.map((e) => process.listenerCount(e)),
      before,
    );
  });

  test('signalExitCode is 128 + the signal number', () => {
    assert.equal(signalExitCode('SIGINT'), 130);
    assert.equal(signalExitCode('SIGTERM'), 143);
    assert.throws(() => signalExitCode('SIGNOPE' as never), InvalidArgumentError);
  });

  test('the default runtime is created once and can be replaced', () => {
    const first = getDefaultRuntime();
    assert.equal(getDefaultRuntime(), first);
    assert.equal(first.deadlineMs, 25_000);
    const replacement = harness().runtime;
    setDefaultRuntime(replacement);
    assert.equal(getDefaultRuntime(), replacement);
    assert.throws(() => setDefaultRuntime({} as never), InvalidArgumentError);
    setDefaultRuntime(first);
  });
});
