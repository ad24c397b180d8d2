import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import {
  CancelledError,
  CancelReason,
  CancelToken,
  type ChildSpec,
  InvalidArgumentError,
  RestartIntensityError,
  Scope,
  Supervisor,
  type SupervisorOptions,
  SupervisorStoppedError,
  sleep,
} from '../src/index.js';
import { backoffDelay } from '../src/task/internal/backoff.js';
import { RestartIntensity } from '../src/task/internal/restart-intensity.js';
import {
  captureLogger,
  type Deferred,
  deferred,
  rejectionOf,
  silentLogger,
  unknownOption,
  waitFor,
  within,
} from './helpers.js';

// Children whose every run is controlled from the test: each run records `start:<id>`, waits
// until the test makes it succeed, fail or cancel itself (or until its token is cancelled), and
// records `stop:<id>` as it ends. A cancelled run rejects with the CancelledError it was given.
class Probe {
  readonly log: string[] = [];
  readonly reasons = new Map<string, CancelReason>();
  private readonly runs = new Map<string, { ctl: Deferred<unknown>; token: CancelToken }>();

  spec(id: string, extra: Partial<ChildSpec> = {}): ChildSpec {
    return {
      id,
      ...extra,
      start: async (token: CancelToken) => {
        const ctl = deferred<unknown>();
        this.runs.set(id, { ctl, token });
        this.log.push(`start:${id}`);
        token.onCancel((reason) => {
          this.reasons.set(id, reason);
          ctl.reject(new CancelledError(reason));
        });
        try {
          return await ctl.promise;
        } finally {
          this.log.push(`stop:${id}`);
        }
      },
    };
  }

  succeed(id: string): void {
    this.run(id).ctl.resolve('done');
  }

  fail(id: string, error: Error = new Error(`${id} failed`)): Error {
    this.run(id).ctl.reject(error);
    return error;
  }

  cancelItself(id: string): void {
    this.run(id).token.cancel('the child cancelled itself');
  }

  count(entry: string): number {
    return this.log.filter((e) => e === entry).length;
  }

  /** Wait until `entry` has been logged `times` times. */
  async until(entry: string, times = 1): Promise<void> {
    await waitFor(() => this.count(entry) >= times, { what: `${times}× ${entry}` });
  }

  private run(id: string): { ctl: Deferred<unknown>; token: CancelToken } {
    const run = this.runs.get(id);
    assert.ok(run, `no run of ${id}`);
    return run;
  }
}

// Every supervisor a test makes is stopped after it, so a failing test leaves nothing running.
const live: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((sup) => sup.stop()));
});
function supervisor(options: SupervisorOptions = {}): Supervisor {
  const sup = new Supervisor(options);
  live.push(sup);
  return sup;
}

/** How many timers are keeping the event loop alive. */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

// Fast, deterministic restarts for tests about who restarts, not when.
const quick = {
  logger: silentLogger,
  backoff: { initialMs: 1, jitter: 0 },
  intensity: { maxRestarts: 100, periodMs: 10_000 },
} satisfies SupervisorOptions;

describe('Supervisor strategies', () => {
  test('one-for-one restarts only the child that ended', async () => {
    const probe = new Probe();
    const sup = supervisor({ ...quick, strategy: 'one-for-one' }).start(
      ['a', 'b', 'c'].map((id) => probe.spec(id)),
    );
    assert.deepEqual(probe.log, ['start:a', 'start:b', 'start:c']);
    const mark = probe.log.length;
    probe.fail('b');
    await probe.until('start:b', 2);
    assert.deepEqual(probe.log.slice(mark), ['stop:b', 'start:b']);
    assert.deepEqual(
      sup.children().map((c) => [c.id, c.status, c.restarts]),
      [
        ['a', 'running', 0],
        ['b', 'running', 1],
        ['c', 'running', 0],
      ],
    );
    await sup.stop();
  });

  test('one-for-all stops the others in reverse start order and restarts all in order', async () => {
    const probe = new Probe();
    const sup = supervisor({ ...quick, strategy: 'one-for-all' }).start(
      ['a', 'b', 'c'].map((id) => probe.spec(id)),
    );
    const mark = probe.log.length;
    const error = probe.fail('b');
    await probe.until('start:c', 2);
    assert.deepEqual(probe.log.slice(mark), [
      'stop:b',
      'stop:c',
      'stop:a',
      'start:a',
      'start:b',
      'start:c',
    ]);
    // The siblings were told why.
    assert.equal(probe.reasons.get('a')?.kind, 'parent-failure');
    assert.equal(probe.reasons.get('a')?.cause, error);
    assert.deepEqual(
      sup.children().map((c) => c.restarts),
      [1, 1, 1],
    );
    await sup.stop();
  });

  test('rest-for-one restarts the child and those started after it', async () => {
    const probe = new Probe();
    const sup = supervisor({ ...quick, strategy: 'rest-for-one' }).start(
      ['a', 'b', 'c', 'd'].map((id) => probe.spec(id)),
    );
    const mark = probe.log.length;
    probe.fail('b');
    await probe.until('start:d', 2);
    assert.deepEqual(probe.log.slice(mark), [
      'stop:b',
      'stop:d',
      'stop:c',
      'start:b',
      'start:c',
      'start:d',
    ]);
    assert.equal(probe.count('start:a'), 1);
    assert.deepEqual(
      sup.children().map((c) => c.restarts),
      [0, 1, 1, 1],
    );
    await sup.stop();
  });

  test('a wider restart supersedes a pending narrower one (rest-for-one)', async () => {
    const probe = new Probe();
    const sup = supervisor({
      ...quick,
      strategy: 'rest-for-one',
      backoff: { initialMs: 200, jitter: 0 },
    }).start(['a', 'b', 'c'].map((id) => probe.spec(id)));
    probe.fail('c'); // c waits 200 ms to restart
    await waitFor(() => sup.children()[2]?.status === 'restarting');
    probe.fail('a'); // a, b and c restart together, each once
    await probe.until('start:c', 2);
    await probe.until('start:a', 2);
    await probe.until('start:b', 2);
    assert.deepEqual(probe.log.slice(-3), ['start:a', 'start:b', 'start:c']);
    await sup.stop();
    assert.equal(probe.count('start:c'), 2);
  });
});

describe('Supervisor restart types', () => {
  const cases = [
    ['permanent', 'success', true],
    ['permanent', 'failure', true],
    ['permanent', 'cancellation', true],
    ['transient', 'success', false],
    ['transient', 'failure', true],
    ['transient', 'cancellation', false],
    ['temporary', 'success', false],
    ['temporary', 'failure', false],
    ['temporary', 'cancellation', false],
  ] as const;
  for (const [restart, ending, restarted] of cases) {
    test(`${restart} child ending by ${ending} is ${restarted ? '' : 'not '}restarted`, async () => {
      const probe = new Probe();
      const sup = supervisor(quick).start([probe.spec('x', { restart }), probe.spec('y')]);
      if (ending === 'success') probe.succeed('x');
      else if (ending === 'failure') probe.fail('x');
      else probe.cancelItself('x');
      if (restarted) {
        await probe.until('start:x', 2);
        assert.deepEqual(
          sup.children().map((c) => c.id),
          ['x', 'y'],
        );
      } else {
        await waitFor(() => sup.children().length === 1, { what: 'x to leave' });
        assert.equal(probe.count('start:x'), 1);
        assert.deepEqual(
          sup.children().map((c) => c.id),
          ['y'],
        );
        // Its id is free again.
        sup.startChild(probe.spec('x'));
        assert.equal(probe.count('start:x'), 2);
      }
      assert.equal(probe.count('start:y'), 1);
      await sup.stop();
    });
  }

  test('a synchronous start that throws is a failure; one that returns is a success', async () => {
    const { logger, entries } = captureLogger();
    let runs = 0;
    const sup = supervisor({ ...quick, logger }).start([
      {
        id: 'sync',
        restart: 'transient',
        start: () => {
          runs++;
          if (runs === 1) throw new Error('sync boom');
          return 'fine';
        },
      },
    ]);
    await waitFor(() => sup.children().length === 0, { what: 'sync child to leave' });
    assert.equal(runs, 2);
    assert.equal(entries.filter((e) => e.level === 'warn').length, 1);
    await sup.stop();
  });
});

describe('Supervisor restart intensity', () => {
  test('too many restarts: stops the rest in reverse order and join rejects', async () => {
    const probe = new Probe();
    const { logger, entries } = captureLogger();
    let lastError: Error | undefined;
    const sup = supervisor({
      ...quick,
      logger,
      intensity: { maxRestarts: 2, periodMs: 10_000 },
    }).start([
      probe.spec('a'),
      {
        id: 'bad',
        start: () => {
          probe.log.push('start:bad');
          lastError = new Error(`bad #${probe.count('start:bad')}`);
          throw lastError;
        },
      },
      probe.spec('c'),
    ]);
    const error = await within(rejectionOf(sup.join()));
    assert.ok(error instanceof RestartIntensityError);
    assert.equal(error.code, 'WARDEN_ERR_RESTART_INTENSITY');
    assert.equal(error.cause, lastError);
    assert.equal(probe.count('start:bad'), 3); // the first run and 2 restarts
    assert.deepEqual(probe.log.slice(-2), ['stop:c', 'stop:a']);
    assert.equal(probe.reasons.get('a')?.kind, 'parent-failure');
    assert.equal(sup.status, 'failed');
    assert.deepEqual(sup.children(), []);
    // Every failure is logged with the child id and restart count; giving up at error level.
    const warns = entries.filter((e) => e.level === 'warn');
    assert.deepEqual(
      warns.map((e) => [e.fields.child, e.fields.restarts]),
      [
        ['bad', 0],
        ['bad', 1],
        ['bad', 2],
      ],
    );
    assert.ok(entries.some((e) => e.level === 'error' && e.fields.err === error));
    // stop() afterwards reports the same stop and does not reject.
    assert.deepEqual(await sup.stop(), { stopped: ['c', 'bad', 'a'], notFinished: [] });
    assert.throws(() => sup.startChild(probe.spec('late')), SupervisorStoppedError);
  });

  test('maxRestarts 0 gives up at the first restart', async () => {
    const probe = new Probe();
    const sup = supervisor({ ...quick, intensity: { maxRestarts: 0, periodMs: 1_000 } }).start([
      probe.spec('a'),
    ]);
    const failure = probe.fail('a');
    const error = await within(rejectionOf(sup.join()));
    assert.ok(error instanceof RestartIntensityError);
    assert.equal(error.cause, failure);
    assert.equal(probe.count('start:a'), 1);
  });

  test('restarts spread wider than the period do not give up', async () => {
    const probe = new Probe();
    // Each restart waits ≥ 60 ms, so no two restarts fall within a 30 ms window.
    const sup = supervisor({
      logger: silentLogger,
      intensity: { maxRestarts: 1, periodMs: 30 },
      backoff: { initialMs: 60, factor: 1, jitter: 0 },
    }).start([probe.spec('a')]);
    for (let run = 1; run <= 4; run++) {
      await probe.until('start:a', run);
      probe.fail('a');
    }
    await probe.until('start:a', 5);
    assert.equal(sup.status, 'running');
    await sup.stop();
    await sup.join();
  });

  test('RestartIntensity counts within a sliding window', () => {
    const window = new RestartIntensity(2, 100);
    assert.equal(window.record(0), true);
    assert.equal(window.record(10), true);
    assert.equal(window.record(20), false);
    const later = new RestartIntensity(2, 100);
    assert.equal(later.record(0), true);
    assert.equal(later.record(50), true);
    assert.equal(later.record(120), true); // 0 has left the window
    assert.equal(later.record(130), false); // 50, 120 and 130 are within 100 ms
  });
});

describe('Supervisor backoff', () => {
  test('the wait grows by the factor and resets after a long run', async () => {
    const starts: number[] = [];
    const ends: number[] = [];
    const longRun = deferred();
    const sup = supervisor({
      logger: silentLogger,
      intensity: { maxRestarts: 100, periodMs: 60_000 },
      backoff: { initialMs: 20, factor: 2, maxMs: 5_000, jitter: 0, resetAfterMs: 100 },
    }).start([
      {
        id: 'flaky',
        start: async (token) => {
          starts.push(performance.now());
          // The 6th run lasts longer than resetAfterMs, the others fail at once.
          if (starts.length === 6) {
            await sleep(150, token);
            longRun.resolve();
          }
          ends.push(performance.now());
          throw new Error('flaky');
        },
      },
    ]);
    await within(longRun.promise, { what: 'the long run' });
    await waitFor(() => starts.length >= 7, { what: 'the restart after the long run' });
    await sup.stop();
    const waits = starts.slice(1).map((start, i) => start - (ends[i] as number));
    // 20, 40, 80, 160, 320 ms, then back to 20 ms after the long run (it would be 640).
    [20, 40, 80, 160, 320].forEach((expected, i) => {
      const waited = waits[i] as number;
      assert.ok(waited >= expected - 2, `wait ${i + 1}: ${waited} ms ≥ ${expected} ms`);
      assert.ok(waited < expected + 1_500, `wait ${i + 1}: ${waited} ms is not far above`);
    });
    assert.ok((waits[4] as number) > (waits[0] as number) * 4, 'the wait grew');
    const afterReset = waits[5] as number;
    assert.ok(afterReset >= 18 && afterReset < 400, `reset wait ${afterReset} ms`);
  });

  test('backoffDelay: exponential, capped, jittered downwards', () => {
    const policy = { initialMs: 100, maxMs: 1_000, factor: 3, jitter: 0.5 };
    const none = (): number => 0;
    const full = (): number => 1;
    assert.deepEqual(
      [1, 2, 3, 4, 50].map((n) => backoffDelay(policy, n, none)),
      [100, 300, 900, 1_000, 1_000],
    );
    assert.equal(backoffDelay(policy, 2, full), 150);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(policy, 3);
      assert.ok(delay >= 450 && delay <= 900, `${delay}`);
    }
  });

  test('a pending restart is cancelled by stop at once', async () => {
    const probe = new Probe();
    const sup = supervisor({
      logger: silentLogger,
      backoff: { initialMs: 60_000 },
    }).start([probe.spec('a')]);
    const timers = activeTimers();
    probe.fail('a');
    await waitFor(() => sup.children()[0]?.status === 'restarting');
    assert.equal(activeTimers(), timers + 1, 'the backoff timer');
    const started = performance.now();
    const report = await within(sup.stop(), { timeout: 2_000 });
    assert.ok(performance.now() - started < 2_000);
    assert.deepEqual(report, { stopped: ['a'], notFinished: [] });
    assert.equal(probe.count('start:a'), 1);
    assert.equal(activeTimers(), timers, 'the backoff timer is cleared');
  });
});

describe('Supervisor stopping', () => {
  test('stop() stops children in reverse start order with a shutdown reason', async () => {
    const probe = new Probe();
    const sup = supervisor(quick).start(['a', 'b', 'c'].map((id) => probe.spec(id)));
    const report = await sup.stop();
    assert.deepEqual(report, { stopped: ['c', 'b', 'a'], notFinished: [] });
    assert.deepEqual(probe.log.slice(3), ['stop:c', 'stop:b', 'stop:a']);
    assert.equal(probe.reasons.get('a')?.kind, 'shutdown');
    assert.equal(sup.status, 'stopped');
    await sup.join();
    assert.equal(await sup.stop(), report); // idempotent
    assert.throws(() => sup.startChild(probe.spec('d')), SupervisorStoppedError);
    assert.throws(() => sup.start([probe.spec('d')]), SupervisorStoppedError);
    assert.throws(() => sup.stopChild('a'), SupervisorStoppedError);
  });

  test('stop(reason) passes the reason on', async () => {
    const probe = new Probe();
    const sup = supervisor(quick).start([probe.spec('a')]);
    await sup.stop(CancelReason.timeout(10));
    assert.equal(probe.reasons.get('a')?.kind, 'timeout');
  });

  test('a child that ignores cancellation is reported after its shutdownMs; the rest still stop', async () => {
    const probe = new Probe();
    const { logger, entries } = captureLogger();
    const release = deferred();
    const sup = supervisor({ ...quick, logger }).start([
      probe.spec('a'),
      {
        id: 'stubborn',
        shutdownMs: 50,
        start: async () => {
          await release.promise; // never looks at its token
        },
      },
      probe.spec('c'),
    ]);
    const started = performance.now();
    const report = await within(sup.stop());
    const elapsed = performance.now() - started;
    assert.deepEqual(report.stopped, ['c', 'a']);
    assert.equal(report.notFinished.length, 1);
    assert.equal(report.notFinished[0]?.id, 'stubborn');
    assert.ok((report.notFinished[0]?.waitedMs ?? 0) >= 45);
    assert.ok(elapsed >= 45 && elapsed < 2_000, `${elapsed} ms`);
    assert.deepEqual(probe.log.slice(2), ['stop:c', 'stop:a']);
    assert.ok(
      entries.some((e) => e.level === 'error' && e.fields.child === 'stubborn'),
      'the straggler is logged',
    );
    await sup.join(); // still a graceful stop
    release.resolve();
  });

  test('cancelling the parent token stops the supervisor gracefully', async () => {
    const probe = new Probe();
    const parent = new CancelToken();
    const sup = supervisor({ ...quick, token: parent }).start(
      ['a', 'b'].map((id) => probe.spec(id)),
    );
    parent.cancel(CancelReason.shutdown('SIGTERM'));
    await within(sup.join());
    assert.deepEqual(probe.log.slice(2), ['stop:b', 'stop:a']);
    assert.equal(probe.reasons.get('a')?.message, 'SIGTERM');
    assert.equal(sup.status, 'stopped');
  });

  test('a parent token already cancelled leaves the supervisor stopped', async () => {
    const parent = new CancelToken();
    parent.cancel();
    const sup = supervisor({ ...quick, token: parent });
    await within(sup.join());
    assert.throws(() => sup.start([new Probe().spec('a')]), SupervisorStoppedError);
  });

  test('await using stops the supervisor on exit', async () => {
    const probe = new Probe();
    {
      await using sup = new Supervisor(quick).start(['a', 'b'].map((id) => probe.spec(id)));
      assert.equal(sup.children().length, 2);
    }
    assert.deepEqual(probe.log, ['start:a', 'start:b', 'stop:b', 'stop:a']);
  });

  test('stopChild stops and removes one child, which is not restarted', async () => {
    const probe = new Probe();
    const sup = supervisor({ ...quick, strategy: 'one-for-all' }).start(
      ['a', 'b', 'c'].map((id) => probe.spec(id)),
    );
    const report = await sup.stopChild('b');
    assert.deepEqual(report, { stopped: ['b'], notFinished: [] });
    assert.deepEqual(probe.log.slice(3), ['stop:b']);
    assert.deepEqual(
      sup.children().map((c) => c.id),
      ['a', 'c'],
    );
    assert.throws(() => sup.stopChild('b'), InvalidArgumentError);
    await sup.stop();
    assert.equal(probe.count('start:b'), 1);
  });
});

describe('Supervisor escalation', () => {
  test('giving up fails a cancel-siblings scope that runs join() as a task', async () => {
    const scope = new Scope({ logger: silentLogger });
    const sup = supervisor({
      ...quick,
      token: scope.token,
      intensity: { maxRestarts: 1, periodMs: 10_000 },
    }).start([
      {
        id: 'bad',
        start: () => {
          throw new Error('always');
        },
      },
    ]);
    scope.spawn(() => sup.join(), 'supervisor');
    const sibling = scope.spawn((token) => sleep(60_000, token), 'sibling');
    const error = await within(rejectionOf(scope.close()));
    assert.ok(error instanceof RestartIntensityError);
    assert.equal((error.cause as Error).message, 'always');
    assert.equal(sibling.status, 'cancelled');
    assert.equal(sup.status, 'failed');
  });
});

describe('Supervisor bad input', () => {
  const start = (): void => {};
  const badOptions: Array<[string, unknown]> = [
    ['options', null],
    ['options.name', { name: '' }],
    ['options.strategy', { strategy: 'one-for-some' }],
    ['options.intensity.maxRestarts', { intensity: { maxRestarts: -1 } }],
    ['options.intensity.maxRestarts', { intensity: { maxRestarts: 1.5 } }],
    ['options.intensity.periodMs', { intensity: { periodMs: Number.NaN } }],
    ['options.intensity.periodMs', { intensity: { periodMs: 0 } }],
    ['options.backoff.initialMs', { backoff: { initialMs: -5 } }],
    ['options.backoff.maxMs', { backoff: { initialMs: 100, maxMs: 50 } }],
    ['options.backoff.factor', { backoff: { factor: 0.5 } }],
    ['options.backoff.jitter', { backoff: { jitter: 2 } }],
    ['options.backoff.jitter', { backoff: { jitter: Number.NaN } }],
    ['options.backoff.resetAfterMs', { backoff: { resetAfterMs: -1 } }],
    ['options.token', { token: new AbortController().signal }],
    ['options.logger', { logger: console.log }],
  ];
  for (const [argument, options] of badOptions) {
    test(`rejects ${argument} = ${JSON.stringify(options)}`, () => {
      assert.throws(
        () => new Supervisor(options as SupervisorOptions),
        (e: unknown) => e instanceof InvalidArgumentError && e.argument === argument,
      );
    });
  }

  test('rejects bad child specs at the call and starts none of the list', () => {
    const sup = supervisor(quick);
    const badSpecs: Array<[string, unknown]> = [
      ['spec', 'not a spec'],
      ['spec.id', { id: '', start }],
      ['spec.id', { id: 7, start }],
      ['spec.start', { id: 'x', start: 'not a function' }],
      ['spec.restart', { id: 'x', start, restart: 'sometimes' }],
      ['spec.shutdownMs', { id: 'x', start, shutdownMs: -1 }],
      ['spec.shutdownMs', { id: 'x', start, shutdownMs: Number.NaN }],
    ];
    for (const [argument, spec] of badSpecs) {
      assert.throws(
        () => sup.startChild(spec as ChildSpec),
        (e: unknown) => e instanceof InvalidArgumentError && e.argument === argument,
        argument,
      );
    }
    let started = 0;
    const counted = (id: string): ChildSpec => ({ id, start: () => started++ });
    assert.throws(
      () => sup.start([counted('a'), counted('b'), counted('a')]),
      (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'children[2].id',
    );
    assert.throws(() => sup.start('a' as never), InvalidArgumentError);
    assert.equal(started, 0);
    sup.start([{ id: 'a', restart: 'temporary', start: (token) => sleep(60_000, token) }]);
    assert.throws(() => sup.startChild(counted('a')), InvalidArgumentError);
    assert.throws(() => sup.stopChild('nope'), InvalidArgumentError);
    assert.throws(() => sup.stop(42 as never), InvalidArgumentError);
    return sup.stop().then(() => undefined);
  });

  test('an unknown option key throws, in the options, their nested objects and child specs', () => {
    assert.throws(
      () => new Supervisor({ ...quick, stratgy: 'one-for-all' } as never),
      unknownOption("Supervisor options: unknown option 'stratgy' (did you mean 'strategy'?)"),
    );
    assert.throws(
      () => new Supervisor({ ...quick, intensity: { maxRestart: 1 } } as never),
      unknownOption(
        "Supervisor options.intensity: unknown option 'maxRestart' (did you mean 'maxRestarts'?)",
      ),
    );
    assert.throws(
      () => new Supervisor({ ...quick, backoff: { resetAfter: 1 } } as never),
      unknownOption(
        "Supervisor options.backoff: unknown option 'resetAfter' (did you mean 'resetAfterMs'?)",
      ),
    );
    const sup = supervisor(quick);
    let started = 0;
    const child = { id: 'a', start: () => started++ };
    assert.throws(
      () => sup.start([child, { ...child, id: 'b', shutdown: 5 } as never]),
      unknownOption(
        "Supervisor.start children[1]: unknown option 'shutdown' (did you mean 'shutdownMs'?)",
      ),
    );
    assert.throws(
      () => sup.startChild({ ...child, restarts: 'temporary' } as never),
      unknownOption(
        "Supervisor.startChild spec: unknown option 'restarts' (did you mean 'restart'?)",
      ),
    );
    assert.equal(started, 0, 'no child was started');
    return sup.stop().then(() => undefined);
  });

  test('every option at once is accepted, and a child spec with every field', async () => {
    const sup = new Supervisor({
      name: 'all',
      strategy: 'rest-for-one',
      intensity: { maxRestarts: 1, periodMs: 1_000 },
      backoff: { initialMs: 1, maxMs: 2, factor: 1, jitter: 0, resetAfterMs: 10 },
      token: new CancelToken(),
      logger: silentLogger,
    });
    sup.start([
      { id: 'a', start: (token) => sleep(60_000, token), restart: 'temporary', shutdownMs: 1_000 },
    ]);
    sup.startChild({
      id: 'b',
      start: (token) => sleep(60_000, token),
      restart: 'transient',
      shutdownMs: 1_000,
    });
    assert.deepEqual(
      sup.children().map((c) => c.id),
      ['a', 'b'],
    );
    assert.deepEqual((await sup.stop()).stopped, ['b', 'a']);
  });
});
