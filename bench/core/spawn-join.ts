// Spawn-and-join throughput: N trivial tasks (an async function returning a value), started
// together and all waited for. The baseline is a bare `Promise.all`; every other contender adds
// what it adds per task (an AbortController, a Warden task with its own CancelToken, a fiber…).

import { Effect, Fiber } from 'effect';
import { all, call, run, spawn } from 'effection';
import PQueue from 'p-queue';
import { Scope } from '../../src/index.js';
import type { BenchCase, CaseResult, Check, Suite } from '../lib/harness.js';

/** The trivial task every contender runs. */
async function work(): Promise<number> {
  return 1;
}

/** The same, for contenders that hand the task a signal. */
async function workWithSignal(_signal: AbortSignal): Promise<number> {
  return 1;
}

const bare: BenchCase = {
  name: 'bare Promise.all',
  async run(n, probe, clock) {
    const watch = clock.start();
    const promises = new Array<Promise<number>>(n);
    for (let i = 0; i < n; i++) promises[i] = work();
    probe.inFlight();
    await Promise.all(promises);
    return watch.elapsed();
  },
};

const bareAbortController: BenchCase = {
  name: 'bare + AbortController each',
  async run(n, probe, clock) {
    const watch = clock.start();
    const promises = new Array<Promise<number>>(n);
    for (let i = 0; i < n; i++) promises[i] = workWithSignal(new AbortController().signal);
    probe.inFlight();
    await Promise.all(promises);
    return watch.elapsed();
  },
};

const warden: BenchCase = {
  name: 'Warden Scope',
  note: 'new Scope(); scope.spawn(fn) N times (each task gets its own child CancelToken); await scope.close().',
  async run(n, probe, clock) {
    const watch = clock.start();
    const scope = new Scope();
    for (let i = 0; i < n; i++) scope.spawn(work);
    probe.inFlight();
    await scope.close();
    return watch.elapsed();
  },
};

const wardenJoinEach: BenchCase = {
  name: 'Warden Scope, join each',
  note: 'as Warden Scope, and also collects every value: Promise.all(tasks.map((t) => t.join())).',
  async run(n, probe, clock) {
    const watch = clock.start();
    const scope = new Scope();
    const tasks = new Array<Promise<number>>(n);
    for (let i = 0; i < n; i++) tasks[i] = scope.spawn(work).join();
    probe.inFlight();
    await Promise.all(tasks);
    await scope.close();
    return watch.elapsed();
  },
};

const EFFECTION_N = 20_000;

const effectionSpawn: BenchCase = {
  name: 'effection spawn',
  n: EFFECTION_N,
  note: 'run(): yield* spawn(() => call(fn)) N times, then yield* each task.',
  async run(n, probe, clock) {
    const watch = clock.start();
    await run(function* () {
      const tasks = [];
      for (let i = 0; i < n; i++) tasks.push(yield* spawn(() => call(work)));
      probe.inFlight();
      for (const task of tasks) yield* task;
    });
    return watch.elapsed();
  },
};

const effectionAll: BenchCase = {
  name: 'effection all',
  n: EFFECTION_N,
  note: 'run(): yield* all([call(fn) × N]).',
  async run(n, probe, clock) {
    const watch = clock.start();
    await run(function* () {
      const operations = [];
      for (let i = 0; i < n; i++) operations.push(call(work));
      const joined = all(operations);
      probe.inFlight();
      yield* joined;
    });
    return watch.elapsed();
  },
};

const effectAll: BenchCase = {
  name: 'effect Effect.all',
  note: "Effect.runPromise(Effect.all([Effect.promise(fn) × N], { concurrency: 'unbounded' })).",
  async run(n, probe, clock) {
    const watch = clock.start();
    const effects = new Array<Effect.Effect<number>>(n);
    for (let i = 0; i < n; i++) effects[i] = Effect.promise(work);
    probe.inFlight();
    await Effect.runPromise(Effect.all(effects, { concurrency: 'unbounded' }));
    return watch.elapsed();
  },
};

const effectFork: BenchCase = {
  name: 'effect fork each',
  note: 'Effect.runPromise(gen: yield* Effect.forkChild(Effect.promise(fn)) N times; Fiber.joinAll).',
  async run(n, probe, clock) {
    const watch = clock.start();
    await Effect.runPromise(
      Effect.gen(function* () {
        const fibers = new Array<Fiber.Fiber<number>>(n);
        for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(Effect.promise(work));
        probe.inFlight();
        return yield* Fiber.joinAll(fibers);
      }),
    );
    return watch.elapsed();
  },
};

const pQueue: BenchCase = {
  name: 'p-queue',
  note: 'new PQueue({ concurrency: Infinity }); queue.add(fn) N times; await queue.onIdle().',
  async run(n, probe, clock) {
    const watch = clock.start();
    const queue = new PQueue({ concurrency: Number.POSITIVE_INFINITY });
    for (let i = 0; i < n; i++) void queue.add(work);
    probe.inFlight();
    await queue.onIdle();
    return watch.elapsed();
  },
};

function find(results: readonly CaseResult[], name: string): CaseResult {
  const result = results.find((r) => r.name === name);
  if (result === undefined) throw new Error(`no result for ${name}`);
  return result;
}

const suite: Suite = {
  name: 'core/spawn-join',
  title: 'spawn and join N trivial tasks (async fn returning a value)',
  n: 1_000_000,
  cases: [
    bare,
    bareAbortController,
    warden,
    wardenJoinEach,
    effectionSpawn,
    effectionAll,
    effectAll,
    effectFork,
    pQueue,
  ],
  notes: [
    'Issue reference (200,000 tasks, another machine): bare 76 ms; bare+AbortController 8.0×; effect Effect.all 1.2×, fork 3.3×; p-queue 10–13×; effection 350×.',
  ],
  checks(results): Check[] {
    const scope = find(results, warden.name);
    const perRound = scope.retainedBytes / scope.n;
    return [
      {
        label: 'Warden spawn-and-join ≤ 1.5× bare promises (aim 1.3×)',
        pass: scope.ratio <= 1.5,
        detail: `${scope.ratio.toFixed(2)}×`,
      },
      {
        label: 'Warden retains no heap (< 1 MB after all rounds)',
        pass: scope.retainedBytes < 1024 * 1024,
        detail: `${(scope.retainedBytes / 1024).toFixed(1)} KB (${perRound.toFixed(3)} B per task of one round)`,
      },
    ];
  },
};

export default suite;
